using System.Numerics;
using static TorchSharp.torch;

namespace Notebooks.Weights.Decomposition;

/// <summary>Shared validation: every bad input fails with a message naming the input and what was
/// expected.</summary>
static class InputChecks
{
    public static void NonEmptyFinite(Tensor x, string name)
    {
        if (x.numel() == 0)
            throw new ArgumentException(
                $"{name} is empty (shape [{string.Join(", ", x.shape)}]); expected at least one value.",
                name
            );
        if (!x.is_floating_point())
            return;
        using var scope = NewDisposeScope();
        var bad = x.isfinite().logical_not();
        long nBad = bad.sum().item<long>();
        if (nBad == 0)
            return;
        long flat = bad.reshape(-1).nonzero()[0, 0].item<long>();
        var idx = Unravel(flat, x.shape);
        double v = x.reshape(-1)[flat].to_type(ScalarType.Float64).item<double>();
        throw new ArgumentException(
            $"{name} has {nBad} non-finite value(s) (NaN/Inf), first {v} at [{string.Join(", ", idx)}]; expected finite numbers.",
            name
        );
    }

    public static void NonNegative(Tensor x, string name)
    {
        using var scope = NewDisposeScope();
        double min = x.min().to_type(ScalarType.Float64).item<double>();
        if (min >= 0)
            return;
        long flat = x.reshape(-1).argmin().item<long>();
        throw new ArgumentException(
            $"{name} has negative values (min {min:G6} at [{string.Join(", ", Unravel(flat, x.shape))}]); NMF needs non-negative data. "
                + "For signed weights use one-sided NMF: ChannelReducer.FitTransformPosNeg(x, axis) or PosNeg.Split(x, axis) "
                + "(CLI: weights nmf --posneg-axis A).",
            name
        );
    }

    /// <summary>The same finite / non-negative checks on a flat float32 copy (one pass, no tensor
    /// temporaries).</summary>
    public static void FiniteNonNegative<T>(ReadOnlySpan<T> data, long[] shape, string name)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // SIMD fast path: x − x is 0 for finite x and NaN otherwise; any NaN or negative value
        // falls through to the scalar scan that builds the message.
        var vec = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(data);
        var minV = Vector<T>.Zero;
        var bad = Vector<T>.Zero;
        for (int j = 0; j < vec.Length; j++)
        {
            var v = vec[j];
            minV = Vector.Min(minV, v);
            bad += v - v;
        }
        bool clean =
            Vector.GreaterThanOrEqualAll(minV, Vector<T>.Zero)
            && Vector.EqualsAll(bad, Vector<T>.Zero);
        for (int i = vec.Length * Vector<T>.Count; i < data.Length && clean; i++)
            clean = T.IsFinite(data[i]) && data[i] >= T.Zero;
        if (clean)
            return;
        long firstBad = -1,
            nBad = 0,
            argMin = -1;
        T min = T.Zero;
        for (int i = 0; i < data.Length; i++)
        {
            T v = data[i];
            if (!T.IsFinite(v))
            {
                nBad++;
                if (firstBad < 0)
                    firstBad = i;
            }
            else if (v < min)
            {
                min = v;
                argMin = i;
            }
        }
        if (nBad > 0)
            throw new ArgumentException(
                $"{name} has {nBad} non-finite value(s) (NaN/Inf), first {data[(int)firstBad]} at [{string.Join(", ", Unravel(firstBad, shape))}]; expected finite numbers.",
                name
            );
        if (argMin >= 0)
            throw new ArgumentException(
                $"{name} has negative values (min {double.CreateTruncating(min):G6} at [{string.Join(", ", Unravel(argMin, shape))}]); NMF needs non-negative data. "
                    + "For signed weights use one-sided NMF: ChannelReducer.FitTransformPosNeg(x, axis) or PosNeg.Split(x, axis) "
                    + "(CLI: weights nmf --posneg-axis A).",
                name
            );
    }

    public static long[] Unravel(long flat, long[] shape)
    {
        var idx = new long[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }

    public static long NormalizeAxis(long axis, long rank, string name)
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
            throw new ArgumentOutOfRangeException(
                name,
                $"{name} {axis} is out of range for a tensor of rank {rank}; expected -{rank}..{rank - 1}."
            );
        return a;
    }
}
