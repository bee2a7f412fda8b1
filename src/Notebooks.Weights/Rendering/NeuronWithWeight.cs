using static TorchSharp.torch;

namespace Notebooks.Weights.Rendering;

/// <summary>
/// The notebook's <c>neuron_with_weight</c>: a column with the unit's feature visualization above
/// its weight image, labelled "layer:unit" and with the raw weight range. Widths follow the
/// notebook per layer (mixed3a/3b 60 px, 4a 100, 4b 110, 4c 120, 4d/4e 130, 5a/5b 150, others 60;
/// at least 70 px; images are width − 2 px). Without a feature visualization a gray placeholder box
/// of the same size stands in (the notebook linked to precomputed images on a web server; these
/// pictures never depend on one).
/// </summary>
public sealed class NeuronWithWeight : View
{
    static readonly Dictionary<string, int> LayerWidths = new()
    {
        ["mixed3a"] = 60,
        ["mixed3b"] = 60,
        ["mixed4a"] = 100,
        ["mixed4b"] = 110,
        ["mixed4c"] = 120,
        ["mixed4d"] = 130,
        ["mixed4e"] = 130,
        ["mixed5a"] = 150,
        ["mixed5b"] = 150,
    };

    /// <summary>Layer name of the unit.</summary>
    public string Layer { get; }

    /// <summary>Channel index of the unit.</summary>
    public int Unit { get; }

    /// <summary>The weight picture (a heatmap or an RGB image such as collapsed NMF
    /// factors).</summary>
    public Image Weight { get; }

    /// <summary>The feature visualization, or null for the placeholder.</summary>
    public Image? FeatureVis { get; }

    /// <summary>Extra caption line, usually the raw weight range.</summary>
    public string? Detail { get; }

    /// <summary>Column width in CSS pixels.</summary>
    public int Width { get; }

    /// <summary>The notebook's per-layer width (minimum 70).</summary>
    public static int WidthFor(string layer) =>
        Math.Max(70, LayerWidths.GetValueOrDefault(layer, 60));

    /// <summary>A column from a ready weight image.</summary>
    public NeuronWithWeight(
        string layer,
        int unit,
        Image weight,
        Image? featureVis = null,
        string? detail = null,
        int? displayWidth = null
    )
    {
        ArgumentException.ThrowIfNullOrEmpty(layer);
        ArgumentNullException.ThrowIfNull(weight);
        if (unit < 0)
            throw new ArgumentOutOfRangeException(nameof(unit), unit, "unit index must be >= 0");
        Layer = layer;
        Unit = unit;
        Weight = weight;
        FeatureVis = featureVis;
        Detail = detail;
        Width = displayWidth ?? WidthFor(layer);
        if (Width < 4)
            throw new ArgumentOutOfRangeException(
                nameof(displayWidth),
                Width,
                "displayWidth must be at least 4 CSS px"
            );
    }

    /// <summary>
    /// A column from weights: [H, W] → weight heatmap (normalized by
    /// <paramref name="normalization"/>, default max |w|); [H, W, 3] → RGB image that must already
    /// lie in [0, 1] (e.g. collapsed NMF factors), shown in domain (0, 1).
    /// </summary>
    public static NeuronWithWeight FromWeights(
        string layer,
        int unit,
        Tensor weights,
        WeightNormalization? normalization = null,
        Image? featureVis = null,
        int? displayWidth = null
    )
    {
        TensorData.RequireRank(
            weights,
            nameof(weights),
            "[H, W] (weights) or [H, W, 3] (an RGB picture of weights)",
            2,
            3
        );
        if (weights.dim() == 2)
        {
            var h = WeightColorScale.Heatmap(weights, normalization);
            return new NeuronWithWeight(
                layer,
                unit,
                h.Image,
                featureVis,
                h.RangeText,
                displayWidth
            );
        }
        if (weights.shape[2] != 3)
            throw new ArgumentException(
                $"weights must be [H, W] or [H, W, 3]; got {TensorData.Shape(weights)}",
                nameof(weights)
            );
        var img = Image.FromTensor(weights, ImageDomain.Unit);
        float lo,
            hi;
        using (NewDisposeScope())
            (lo, hi) = (weights.min().item<float>(), weights.max().item<float>());
        if (lo < -0.01 || hi > WeightColorScale.Tolerance)
            throw new ArgumentOutOfRangeException(
                nameof(weights),
                $"an RGB weight picture must lie in [0, 1]; got values in [{lo}, {hi}] (divide by the max first, as the notebook's W_nmf /= W_nmf.max())"
            );
        return new NeuronWithWeight(
            layer,
            unit,
            img,
            featureVis,
            $"rgb [{Html.Num(lo)}, {Html.Num(hi)}]",
            displayWidth
        );
    }

    /// <summary>"layer:unit".</summary>
    public string Title => $"{Layer}:{Unit}";

    internal int ImageSize => Width - 2;

    /// <inheritdoc />
    public override string ToHtml()
    {
        int s = ImageSize;
        var fv = FeatureVis is { } f
            ? f.ImgTag(
                cssWidth: s,
                cssHeight: s,
                cssClass: "featurevis",
                title: $"feature visualization of {Title}"
            )
            : $"<div class=\"featurevis-placeholder\" title=\"no feature visualization given\" style=\"width:{s}px;height:{s}px;background:#e0e0e0;font:9px sans-serif;color:#888;display:flex;align-items:center;justify-content:center\">no vis</div>";
        return $"<div class=\"nw-neuron\" style=\"display:inline-block;margin-right:2px;margin-bottom:4px;vertical-align:top\">"
            + $"<div style=\"image-rendering:pixelated;display:flex;flex-direction:column;width:{s}px\">{fv}"
            + Weight.ImgTag(
                cssWidth: s,
                cssHeight: s,
                cssClass: "weight",
                title: $"weights of {Title} {Detail}"
            )
            + $"<div class=\"nw-label\" title=\"{Html.Escape(Title)}\" style=\"font:10px sans-serif;text-align:center;overflow-wrap:anywhere\">{Html.Escape(Title)}</div>"
            + (
                Detail is null
                    ? ""
                    : $"<div class=\"nw-range\" style=\"font:9px sans-serif;color:#666;text-align:center;overflow-wrap:anywhere\">{Html.Escape(Detail)}</div>"
            )
            + "</div></div>";
    }

    internal void DrawTo(Canvas c, int x, int y)
    {
        int s = ImageSize;
        if (FeatureVis is { } f)
            c.Draw(f, x, y, s, s);
        else
            c.Fill(x, y, s, s, 224, 224, 224);
        c.Draw(Weight, x, y + s, s, s);
    }

    /// <summary>PNG: feature visualization (or gray placeholder) above the weight image, each
    /// (width − 2) px square.</summary>
    public override byte[] ToPng()
    {
        var c = new Canvas(2 * ImageSize, ImageSize);
        DrawTo(c, 0, 0);
        return c.ToPng();
    }

    /// <inheritdoc />
    public override string ToString() => $"NeuronWithWeight {Title} {Detail}";
}
