using static TorchSharp.torch;

namespace Notebooks.Weights.Decomposition;

/// <summary>Seeded stand-ins for conv weights, for benchmarks and tests that must not need a model
/// download.</summary>
public static class SyntheticWeights
{
    /// <summary>
    /// A conv layer [C_out, C_in, kH, kW] (float32) whose neurons each mix <paramref name="rank"/>
    /// signed spatial patterns, each paired with a sparse (30 % nonzero) channel vector, plus 10 %
    /// Gaussian noise: low-rank like real weights.
    /// </summary>
    public static Tensor ConvLayer(
        int outChannels,
        int inChannels,
        int kernelH = 3,
        int kernelW = 3,
        int rank = 3,
        int seed = 0
    )
    {
        if (outChannels < 1 || inChannels < 1 || kernelH < 1 || kernelW < 1 || rank < 1)
            throw new ArgumentOutOfRangeException(
                nameof(outChannels),
                $"synthetic conv layer sizes must all be ≥ 1; got [{outChannels}, {inChannels}, {kernelH}, {kernelW}] rank {rank}."
            );
        using var scope = NewDisposeScope();
        var g = new Generator((ulong)seed);
        var spatial = randn(outChannels, kernelH * kernelW, rank, generator: g);
        var chans =
            randn(outChannels, rank, inChannels, generator: g)
            * (rand(outChannels, rank, inChannels, generator: g) < 0.3f).to_type(
                ScalarType.Float32
            );
        var w =
            spatial.bmm(chans)
            + 0.1f * randn(outChannels, kernelH * kernelW, inChannels, generator: g);
        return (
            w.reshape(outChannels, kernelH, kernelW, inChannels).permute(0, 3, 1, 2).contiguous()
            * 0.01f
        ).MoveToOuterDisposeScope();
    }
}
