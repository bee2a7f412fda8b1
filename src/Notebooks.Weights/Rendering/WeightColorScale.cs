using static TorchSharp.torch;

namespace Notebooks.Weights.Rendering;

/// <summary>How weights are brought into [-1, 1] before coloring.</summary>
public abstract record WeightNormalization
{
    /// <summary>Divide by the max |w| of the tensor being drawn (for a single unit's [H, W] slice
    /// or a unit's [H, W, C] block).</summary>
    public static WeightNormalization MaxAbs { get; } = new MaxAbsNormalization();

    /// <summary>No normalization: the values must already lie in [-1.01, 1.01] (the notebook's
    /// assertion), else an error says so.</summary>
    public static WeightNormalization None { get; } = new DivisorNormalization(1, true);

    /// <summary>Divide by a given positive scale, e.g. the max |w| of the whole unit when drawing
    /// one channel.</summary>
    public static WeightNormalization DivideBy(double scale)
    {
        if (!double.IsFinite(scale) || scale <= 0)
            throw new ArgumentOutOfRangeException(
                nameof(scale),
                scale,
                "normalization scale must be finite and > 0"
            );
        return new DivisorNormalization(scale, false);
    }

    /// <summary>The divisor for these values (the scale the legend shows as ±1).</summary>
    public abstract double Divisor(ReadOnlySpan<float> values);

    sealed record MaxAbsNormalization : WeightNormalization
    {
        public override double Divisor(ReadOnlySpan<float> values)
        {
            double m = 0;
            foreach (var v in values)
                m = Math.Max(m, Math.Abs(v));
            return m > 0 ? m : 1; // all-zero weights: draw neutral gray rather than divide by zero
        }

        public override string ToString() => "max |w|";
    }

    sealed record DivisorNormalization(double Scale, bool IsNone) : WeightNormalization
    {
        public override double Divisor(ReadOnlySpan<float> values) => Scale;

        public override string ToString() => IsNone ? "none" : $"÷{Html.Num(Scale)}";
    }
}

/// <summary>
/// The diverging weight color scale of the companion notebook (<c>weight_color_scale</c>):
/// piecewise linear on x ∈ [-1, 1]: 0 → f7f7f7, 0.5 → f4a582, 1 → ca0020 for positive x; mirrored
/// for negative x with 92c5de, 0571b0. Inputs are weights divided by the unit's max |w|. |x| ≤
/// <see cref="Tolerance"/> is required as in the notebook; values in (1, 1.01] extrapolate the last
/// segment and are clipped to [0, 1] at encoding, exactly as Lucid would.
/// </summary>
public static class WeightColorScale
{
    /// <summary>Largest |x| accepted (the notebook's assertion).</summary>
    public const double Tolerance = 1.01;

    /// <summary>Color of 0.</summary>
    public static readonly (float R, float G, float B) Zero = Hex("f7f7f7");

    /// <summary>Color of +0.5.</summary>
    public static readonly (float R, float G, float B) PositiveMid = Hex("f4a582");

    /// <summary>Color of +1.</summary>
    public static readonly (float R, float G, float B) PositiveMax = Hex("ca0020");

    /// <summary>Color of -0.5.</summary>
    public static readonly (float R, float G, float B) NegativeMid = Hex("92c5de");

    /// <summary>Color of -1.</summary>
    public static readonly (float R, float G, float B) NegativeMax = Hex("0571b0");

    /// <summary>Parses "rrggbb" into floats in [0, 1] (the notebook's <c>C</c>).</summary>
    public static (float R, float G, float B) Hex(string rrggbb) =>
        (
            Convert.ToInt32(rrggbb[0..2], 16) / 255f,
            Convert.ToInt32(rrggbb[2..4], 16) / 255f,
            Convert.ToInt32(rrggbb[4..6], 16) / 255f
        );

    /// <summary>The color of a normalized weight x. Throws for NaN or |x| &gt; 1.01.</summary>
    public static (float R, float G, float B) Color(double x)
    {
        if (double.IsNaN(x))
            throw new ArgumentException("weight is NaN; cannot color it", nameof(x));
        if (Math.Abs(x) > Tolerance)
            throw new ArgumentOutOfRangeException(
                nameof(x),
                x,
                $"normalized weight must satisfy |x| <= {Tolerance}; divide by the unit's max |w| (WeightNormalization.MaxAbs)"
            );
        var (mid, max) = x < 0 ? (NegativeMid, NegativeMax) : (PositiveMid, PositiveMax);
        double a = Math.Abs(x);
        if (a < 0.5)
            return Lerp(Zero, mid, a * 2);
        return Lerp(mid, max, (a - 0.5) * 2);
    }

    static (float, float, float) Lerp(
        (float R, float G, float B) a,
        (float R, float G, float B) b,
        double t
    ) =>
        (
            (float)((1 - t) * a.R + t * b.R),
            (float)((1 - t) * a.G + t * b.G),
            (float)((1 - t) * a.B + t * b.B)
        );

    /// <summary>
    /// The notebook's <c>weight_heatmap</c>: a 2-D weight tensor [H, W] to an RGB image in domain
    /// (0, 1).
    /// <paramref name="normalization"/> defaults to <see cref="WeightNormalization.MaxAbs"/>; with
    /// <see cref="WeightNormalization.None"/> values beyond ±1.01 are an error naming the worst
    /// one.
    /// </summary>
    public static WeightImage Heatmap(
        Tensor weights,
        WeightNormalization? normalization = null,
        string? label = null
    )
    {
        TensorData.RequireRank(
            weights,
            nameof(weights),
            "a 2-D [H, W] weight slice (select a unit and an input channel first)",
            2
        );
        var data = TensorData.Floats(weights, nameof(weights));
        return Heatmap(
            data,
            (int)weights.shape[0],
            (int)weights.shape[1],
            normalization ?? WeightNormalization.MaxAbs,
            label
        );
    }

    /// <summary><see cref="Heatmap(Tensor, WeightNormalization?, string?)"/> on a row-major H*W
    /// array.</summary>
    public static WeightImage Heatmap(
        float[] weights,
        int height,
        int width,
        WeightNormalization normalization,
        string? label = null
    )
    {
        if (weights.Length != height * width)
            throw new ArgumentException(
                $"expected {height}x{width} = {height * width} weights, got {weights.Length}",
                nameof(weights)
            );
        if (weights.Length == 0)
            throw new ArgumentException("weights are empty; nothing to draw", nameof(weights));
        TensorData.CheckFinite(weights, [height, width], "weights");
        double divisor = normalization.Divisor(weights);
        var px = new float[height * width * 3];
        for (int i = 0; i < weights.Length; i++)
        {
            double x = weights[i] / divisor;
            if (Math.Abs(x) > Tolerance)
                throw new ArgumentOutOfRangeException(
                    nameof(weights),
                    $"weight {weights[i]} at [{i / width}, {i % width}] normalizes to {x:G4} (normalization {normalization}); the color scale needs |x| <= {Tolerance}. Use WeightNormalization.MaxAbs or DivideBy(the unit's max |w|)"
                );
            var (r, g, b) = Color(x);
            px[i * 3] = r;
            px[i * 3 + 1] = g;
            px[i * 3 + 2] = b;
        }
        float min = weights.Min(),
            max = weights.Max();
        var img = new Image(height, width, 3, px, ImageDomain.Unit) { Label = label };
        return new WeightImage(img, divisor, min, max);
    }
}

/// <summary>A weight heatmap with the numbers it was drawn from: the normalization
/// <see cref="Scale"/> (±1 on the legend) and the raw min/max.</summary>
public sealed record WeightImage(Image Image, double Scale, float Min, float Max)
{
    /// <summary>"[min, max]" of the raw weights.</summary>
    public string RangeText => $"[{Html.Num(Min)}, {Html.Num(Max)}]";
}
