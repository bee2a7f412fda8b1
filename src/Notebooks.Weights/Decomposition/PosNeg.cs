using static TorchSharp.torch;

namespace Notebooks.Weights.Decomposition;

/// <summary>
/// The companion notebook's "posneg" trick for one-sided NMF: make signed data non-negative by
/// concatenating max(0, x) and max(0, −x) along an axis, factorize, then recombine the two halves
/// as <c>y[:N] − y[N:]</c>.
/// </summary>
public static class PosNeg
{
    /// <summary>cat([max(0, x), max(0, −x)], axis): size N along <paramref name="axis"/> becomes
    /// 2N.</summary>
    public static Tensor Split(Tensor x, long axis = -1)
    {
        long a = InputChecks.NormalizeAxis(axis, x.dim(), "posneg axis");
        using var scope = NewDisposeScope();
        return cat([x.clamp_min(0), (-x).clamp_min(0)], a).MoveToOuterDisposeScope();
    }

    /// <summary>Inverse of <see cref="Split"/> for signed values: y[:N] − y[N:] along
    /// <paramref name="axis"/> (size 2N → N).</summary>
    public static Tensor Merge(Tensor y, long axis = 0)
    {
        long a = InputChecks.NormalizeAxis(axis, y.dim(), "posneg axis");
        long size = y.shape[a];
        if (size % 2 != 0)
            throw new ArgumentException(
                $"posneg merge needs an even size along axis {axis} (positive half then negative half); got {size}.",
                nameof(y)
            );
        using var scope = NewDisposeScope();
        return (
            y.narrow(a, 0, size / 2) - y.narrow(a, size / 2, size / 2)
        ).MoveToOuterDisposeScope();
    }
}
