using static TorchSharp.torch;

namespace Notebooks.Weights.Rendering;

/// <summary>Copies tensors to checked float arrays for drawing.</summary>
internal static class TensorData
{
    /// <summary>Float32 copy in C order. Throws for null, empty, NaN or infinite values, naming
    /// <paramref name="what"/>.</summary>
    public static float[] Floats(Tensor? t, string what)
    {
        ArgumentNullException.ThrowIfNull(t, what);
        if (t.numel() == 0)
            throw new ArgumentException(
                $"{what} is empty (shape [{string.Join(", ", t.shape)}]); nothing to draw",
                what
            );
        using var scope = NewDisposeScope();
        var data = t.detach()
            .cpu()
            .to_type(ScalarType.Float32)
            .contiguous()
            .data<float>()
            .ToArray();
        CheckFinite(data, t.shape, what);
        return data;
    }

    /// <summary>Throws naming the first NaN/infinite element by its index.</summary>
    public static void CheckFinite(float[] data, long[] shape, string what)
    {
        for (int i = 0; i < data.Length; i++)
        {
            if (float.IsFinite(data[i]))
                continue;
            var idx = new long[shape.Length];
            long r = i;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                idx[d] = r % shape[d];
                r /= shape[d];
            }
            int bad = data.Count(v => !float.IsFinite(v));
            throw new ArgumentException(
                $"{what} has {bad} non-finite value(s); first is {data[i]} at [{string.Join(", ", idx)}]",
                what
            );
        }
    }

    public static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";

    public static void RequireRank(Tensor t, string what, string expected, params int[] ranks)
    {
        ArgumentNullException.ThrowIfNull(t, what);
        if (!ranks.Contains((int)t.dim()))
            throw new ArgumentException(
                $"{what} must be {expected}; got rank {t.dim()} shape {Shape(t)}",
                what
            );
    }
}
