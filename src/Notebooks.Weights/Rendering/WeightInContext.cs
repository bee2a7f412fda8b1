using static TorchSharp.torch;

namespace Notebooks.Weights.Rendering;

/// <summary>
/// One connection "with context" (the notebook's curve-detector cell): the earlier unit's feature
/// visualization, the [H, W] weight heatmap between the two units, and the later unit's feature
/// visualization, labelled "from → to" with the weight range and a legend. Missing feature
/// visualizations show gray placeholders.
/// </summary>
public sealed class WeightInContext : View
{
    /// <summary>Earlier unit, e.g. ("mixed3a", 147).</summary>
    public (string Layer, int Unit) From { get; }

    /// <summary>Later unit, e.g. ("mixed3b", 379).</summary>
    public (string Layer, int Unit) To { get; }

    /// <summary>The heatmap and its numbers.</summary>
    public WeightImage Weight { get; }

    /// <summary>Feature visualization of <see cref="From"/>, or null.</summary>
    public Image? FromVis { get; }

    /// <summary>Feature visualization of <see cref="To"/>, or null.</summary>
    public Image? ToVis { get; }

    /// <summary>Size of each picture in CSS px.</summary>
    public int Size { get; }

    /// <summary>
    /// <paramref name="weights"/> is the [H, W] slice <c>W[:, :, from, to]</c>;
    /// <paramref name="normalization"/> defaults to its own max |w|. The notebook divides by
    /// <c>W[:, :, :, unit].max()</c>, the signed max over all inputs of the later unit, which can
    /// push strong negative weights past −1 (then clipped by <c>show</c>); to compare across inputs
    /// pass <see cref="WeightNormalization.DivideBy"/> with the unit's max |w| instead, which never
    /// clips.
    /// </summary>
    public WeightInContext(
        string fromLayer,
        int fromUnit,
        string toLayer,
        int toUnit,
        Tensor weights,
        WeightNormalization? normalization = null,
        Image? fromVis = null,
        Image? toVis = null,
        int size = 128
    )
    {
        ArgumentException.ThrowIfNullOrEmpty(fromLayer);
        ArgumentException.ThrowIfNullOrEmpty(toLayer);
        if (fromUnit < 0)
            throw new ArgumentOutOfRangeException(
                nameof(fromUnit),
                fromUnit,
                "unit index must be >= 0"
            );
        if (toUnit < 0)
            throw new ArgumentOutOfRangeException(
                nameof(toUnit),
                toUnit,
                "unit index must be >= 0"
            );
        if (size < 8)
            throw new ArgumentOutOfRangeException(nameof(size), size, "size must be at least 8 px");
        From = (fromLayer, fromUnit);
        To = (toLayer, toUnit);
        Weight = WeightColorScale.Heatmap(weights, normalization);
        FromVis = fromVis;
        ToVis = toVis;
        Size = size;
    }

    string Cell(Image? img, string label, string cls) =>
        "<figure style=\"display:inline-block;margin:2px 6px;text-align:center;vertical-align:top\">"
        + (
            img?.ImgTag(Size, cls, label, Size)
            ?? $"<div class=\"featurevis-placeholder\" title=\"no feature visualization given\" style=\"width:{Size}px;height:{Size}px;background:#e0e0e0;font:10px sans-serif;color:#888;display:flex;align-items:center;justify-content:center\">no vis</div>"
        )
        + $"<figcaption class=\"nw-label\" style=\"font:11px sans-serif\">{Html.Escape(label)}</figcaption></figure>";

    /// <inheritdoc />
    public override string ToHtml() =>
        "<div class=\"nw-context\"><div style=\"white-space:nowrap\">"
        + Cell(FromVis, $"{From.Layer}:{From.Unit}", "featurevis")
        + "<span style=\"font:16px sans-serif;vertical-align:top;line-height:128px\">→</span>"
        + Cell(
            Weight.Image,
            $"{From.Layer}:{From.Unit} → {To.Layer}:{To.Unit} {Weight.RangeText}",
            "weight"
        )
        + "<span style=\"font:16px sans-serif;vertical-align:top;line-height:128px\">→</span>"
        + Cell(ToVis, $"{To.Layer}:{To.Unit}", "featurevis")
        + "</div>"
        + new ColorLegend(Weight.Scale).ToHtml()
        + "</div>";

    /// <summary>PNG: the three pictures side by side with 8 px gaps (placeholders gray), legend bar
    /// underneath.</summary>
    public override byte[] ToPng()
    {
        var c = new Canvas(Size + 14, 3 * Size + 16);
        if (FromVis is { } f)
            c.Draw(f, 0, 0, Size, Size);
        else
            c.Fill(0, 0, Size, Size, 224, 224, 224);
        c.Draw(Weight.Image, Size + 8, 0, Size, Size);
        if (ToVis is { } t)
            c.Draw(t, 2 * Size + 16, 0, Size, Size);
        else
            c.Fill(2 * Size + 16, 0, Size, Size, 224, 224, 224);
        c.Draw(ColorLegend.Gradient(), 0, Size + 4, 120, 10);
        return c.ToPng();
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"WeightInContext {From.Layer}:{From.Unit} -> {To.Layer}:{To.Unit} {Weight.RangeText}";
}
