using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models.InceptionV1;

/// <summary>
/// TF max pooling with "SAME" padding: pads with -inf by <see cref="TfSame.Pads2d"/> (asymmetric
/// when needed, e.g. (0, 1, 0, 1) for the stride-2 pools at 224 px), then max-pools. Its linear
/// surrogate for expanded weights is TF's "SAME" average pool, which averages over the real
/// (unpadded) cells of each window only.
/// </summary>
public sealed class TfSamePool2d : nn.Module<Tensor, Tensor>, ILinearSurrogate
{
    /// <summary>Square window size.</summary>
    public long KernelSize { get; }

    /// <summary>Stride in both directions.</summary>
    public long Stride { get; }

    /// <summary>A <paramref name="kernelSize"/> x <paramref name="kernelSize"/> max pool with the
    /// given stride.</summary>
    public TfSamePool2d(long kernelSize, long stride, string name = "TfSamePool2d")
        : base(name)
    {
        if (kernelSize < 1 || stride < 1)
            throw new ArgumentOutOfRangeException(
                nameof(kernelSize),
                $"Kernel size and stride must be positive; got {kernelSize}, {stride}."
            );
        KernelSize = kernelSize;
        Stride = stride;
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        var pads = TfSame.Pads2d(input.shape[2], input.shape[3], KernelSize, Stride);
        using var padded = nn.functional.pad(
            input,
            pads,
            PaddingModes.Constant,
            double.NegativeInfinity
        );
        return nn.functional.max_pool2d(padded, [KernelSize, KernelSize], [Stride, Stride]);
    }

    /// <summary>TF "SAME" average pool: window sums of the zero-padded input divided by the number
    /// of real cells.</summary>
    public Tensor LinearSurrogate(Tensor input)
    {
        using var scope = NewDisposeScope();
        var pads = TfSame.Pads2d(input.shape[2], input.shape[3], KernelSize, Stride);
        long[] k = [KernelSize, KernelSize],
            s = [Stride, Stride];
        var sums = nn.functional.avg_pool2d(nn.functional.pad(input, pads), k, s);
        var ones = torch.ones(
            1,
            1,
            input.shape[2],
            input.shape[3],
            dtype: input.dtype,
            device: input.device
        );
        var counts = nn.functional.avg_pool2d(nn.functional.pad(ones, pads), k, s);
        return sums.div(counts).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// [W, W] weights of <see cref="LinearSurrogate"/>'s center output over a W×W input (per
    /// channel): 1/n on the n real cells of the center window, 0 elsewhere.
    /// </summary>
    public Tensor CenterAverageWeights(int width, ScalarType dtype = ScalarType.Float32)
    {
        if (width < 1)
            throw new ArgumentOutOfRangeException(
                nameof(width),
                $"width must be at least 1; got {width}."
            );
        long outSize = (width + Stride - 1) / Stride;
        long start = (outSize - 1) / 2 * Stride - TfSame.Pads(width, KernelSize, Stride).Before;
        long d0 = Math.Max(0, -start),
            d1 = Math.Min(KernelSize, width - start),
            n = d1 - d0;
        var a = zeros(width, width, dtype: dtype);
        var rows = TensorIndex.Slice(start + d0, start + d1);
        a[rows, rows] = 1.0 / (n * n);
        return a;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"TfSamePool2d(kernel={KernelSize}, stride={Stride}, padding=SAME)";
}
