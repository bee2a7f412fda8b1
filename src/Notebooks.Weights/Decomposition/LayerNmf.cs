using static TorchSharp.torch;

namespace Notebooks.Weights.Decomposition;

/// <summary>
/// One-sided NMF of every neuron of a conv layer at once (the weight-banding pictures): neuron n's
/// weights [C_in, kH, kW] become a matrix [kH·kW, 2·C_in] (spatial positions × posneg input
/// channels) and all C_out matrices are factorized as one batch. W[n] [kH·kW, K] holds the spatial
/// factor maps, H[n] [K, 2·C_in] the channel factors.
/// </summary>
public static class LayerNmf
{
    /// <summary>The batched NMF input for a PyTorch-layout weight [C_out, C_in, kH, kW]: [C_out,
    /// kH·kW, 2·C_in], posneg on channels.</summary>
    public static Tensor PosNegMatrices(Tensor weight)
    {
        CheckWeight(weight);
        using var scope = NewDisposeScope();
        var m = weight
            .permute(0, 2, 3, 1)
            .reshape(weight.shape[0], weight.shape[2] * weight.shape[3], weight.shape[1]);
        return PosNeg.Split(m, -1).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Factorizes every neuron of <paramref name="weight"/> [C_out, C_in, kH, kW] with
    /// one-sided NMF in one batch.</summary>
    public static BatchedNmfResult Fit(Tensor weight, NmfOptions options)
    {
        using var x = PosNegMatrices(weight);
        return Nmf.FitBatched(x, options);
    }

    internal static void CheckWeight(Tensor weight)
    {
        if (weight.dim() != 4)
            throw new ArgumentException(
                $"conv weight must be [C_out, C_in, kH, kW] (PyTorch layout); got shape [{string.Join(", ", weight.shape)}].",
                nameof(weight)
            );
        InputChecks.NonEmptyFinite(weight, "conv weight");
    }
}
