namespace Notebooks.Weights.Models.InceptionV1;

/// <summary>
/// TensorFlow "SAME" padding: output size <c>ceil(in / stride)</c>, total padding
/// <c>max((out - 1) * stride + kernel - in, 0)</c>, the smaller half before and the larger half
/// after. For InceptionV1 at 224 px this gives conv2d0 (2, 3) and the stride-2 max pools (0, 1), as
/// in the fidelity sheet; at other sizes it gives what TF computes (lucent hard-codes the 224 px
/// values).
/// </summary>
public static class TfSame
{
    /// <summary>(before, after) padding of one spatial axis.</summary>
    public static (long Before, long After) Pads(long size, long kernel, long stride)
    {
        if (size < 1)
            throw new ArgumentOutOfRangeException(
                nameof(size),
                $"Spatial size must be positive; got {size}."
            );
        long output = (size + stride - 1) / stride;
        long total = Math.Max((output - 1) * stride + kernel - size, 0);
        return (total / 2, total - total / 2);
    }

    /// <summary>Padding of an NCHW tensor in <c>F.pad</c> order: (left, right, top,
    /// bottom).</summary>
    public static long[] Pads2d(long height, long width, long kernel, long stride)
    {
        var (t, b) = Pads(height, kernel, stride);
        var (l, r) = Pads(width, kernel, stride);
        return [l, r, t, b];
    }
}
