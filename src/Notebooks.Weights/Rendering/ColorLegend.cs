namespace Notebooks.Weights.Rendering;

/// <summary>The legend of the weight color scale: a gradient from -scale (blue) through 0 (gray) to
/// +scale (red).</summary>
public sealed class ColorLegend : View
{
    /// <summary>The weight value drawn at ±1 (the normalization divisor).</summary>
    public double Scale { get; }

    /// <summary>Caption before the bar.</summary>
    public string Caption { get; }

    /// <summary>A legend for weights divided by <paramref name="scale"/>.</summary>
    public ColorLegend(double scale, string caption = "weight")
    {
        if (!double.IsFinite(scale) || scale <= 0)
            throw new ArgumentOutOfRangeException(
                nameof(scale),
                scale,
                "legend scale must be finite and > 0"
            );
        Scale = scale;
        Caption = caption;
    }

    /// <summary>The gradient as a 1 x 101 image over x = -1..1.</summary>
    public static Image Gradient()
    {
        const int n = 101;
        var px = new float[n * 3];
        for (int i = 0; i < n; i++)
        {
            var (r, g, b) = WeightColorScale.Color(-1 + 2.0 * i / (n - 1));
            px[i * 3] = r;
            px[i * 3 + 1] = g;
            px[i * 3 + 2] = b;
        }
        return new Image(1, n, 3, px, ImageDomain.Unit);
    }

    /// <inheritdoc />
    public override string ToHtml() =>
        $"<div class=\"nw-legend\" style=\"font:11px sans-serif;display:flex;align-items:center;gap:4px;margin:2px 0\">"
        + $"<span>{Html.Escape(Caption)}</span><span>{Html.Num(-Scale)}</span>"
        + Gradient()
            .ImgTag(
                cssWidth: 120,
                cssHeight: 10,
                cssClass: "nw-legend-bar",
                title: "weight color scale: -1 0571b0, -0.5 92c5de, 0 f7f7f7, 0.5 f4a582, 1 ca0020"
            )
        + $"<span>{Html.Num(Scale)}</span></div>";

    /// <inheritdoc />
    public override byte[] ToPng()
    {
        var c = new Canvas(10, 120);
        c.Draw(Gradient(), 0, 0, 120, 10);
        return c.ToPng();
    }

    /// <inheritdoc />
    public override string ToString() => $"ColorLegend ±{Html.Num(Scale)}";
}
