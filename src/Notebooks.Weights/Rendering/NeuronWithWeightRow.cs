using static TorchSharp.torch;

namespace Notebooks.Weights.Rendering;

/// <summary>
/// The notebook's <c>neuron_with_weight_row</c> (and <c>_preselected</c>):
/// <see cref="NeuronWithWeight"/> columns side by side with a title and a color legend.
/// </summary>
public sealed class NeuronWithWeightRow : View
{
    /// <summary>The columns.</summary>
    public IReadOnlyList<NeuronWithWeight> Neurons { get; }

    /// <summary>Heading above the row (escaped), e.g. "weights to previous layer".</summary>
    public string? Title { get; }

    /// <summary>The legend, or null when the pictures are not on the weight color scale (RGB
    /// factors).</summary>
    public ColorLegend? Legend { get; }

    /// <summary>A row of ready columns.</summary>
    public NeuronWithWeightRow(
        IEnumerable<NeuronWithWeight> neurons,
        string? title = null,
        ColorLegend? legend = null
    )
    {
        Neurons = neurons?.ToList() ?? throw new ArgumentNullException(nameof(neurons));
        if (Neurons.Count == 0)
            throw new ArgumentException("a neuron row needs at least one unit", nameof(neurons));
        Title = title;
        Legend = legend;
    }

    /// <summary>
    /// <c>neuron_with_weight_row(layer, units, W)</c>: <paramref name="weights"/> is [H, W, C] (the
    /// weights of one unit of the other layer to the C units of <paramref name="layer"/>); column n
    /// shows <c>W[..., n]</c>. All columns share one scale: by default the max |w| over the whole
    /// [H, W, C] block, as the notebook's <c>W / abs(W).max()</c>.
    /// </summary>
    public static NeuronWithWeightRow Create(
        string layer,
        IReadOnlyList<int> units,
        Tensor weights,
        WeightNormalization? normalization = null,
        Func<int, Image?>? featureVis = null,
        string? title = null
    )
    {
        TensorData.RequireRank(
            weights,
            nameof(weights),
            "[H, W, C]: one unit's weights over the C units of the layer",
            3
        );
        ArgumentNullException.ThrowIfNull(units);
        int c = (int)weights.shape[2];
        CheckUnits(units, c, layer, nameof(units));
        var all = TensorData.Floats(weights, nameof(weights));
        double scale = (normalization ?? WeightNormalization.MaxAbs).Divisor(all);
        var norm = WeightNormalization.DivideBy(scale);
        int h = (int)weights.shape[0],
            w = (int)weights.shape[1];
        var cols = new List<NeuronWithWeight>();
        foreach (var u in units)
        {
            var slice = new float[h * w];
            for (int i = 0; i < h * w; i++)
                slice[i] = all[i * c + u];
            var img = WeightColorScale.Heatmap(slice, h, w, norm);
            cols.Add(
                new NeuronWithWeight(layer, u, img.Image, featureVis?.Invoke(u), img.RangeText)
            );
        }
        return new NeuronWithWeightRow(cols, title, new ColorLegend(scale));
    }

    /// <summary>
    /// <c>neuron_with_weight_row_preselected(layer, units, Ws)</c>: column i shows
    /// <paramref name="pictures"/>[i] for unit <paramref name="units"/>[i]; each picture is [H, W]
    /// weights (heatmap; shared scale: max |w| over all) or an [H, W, 3] RGB picture in [0, 1].
    /// </summary>
    public static NeuronWithWeightRow Preselected(
        string layer,
        IReadOnlyList<int> units,
        IReadOnlyList<Tensor> pictures,
        string? title = null,
        Func<int, Image?>? featureVis = null,
        WeightNormalization? normalization = null
    )
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(pictures);
        if (units.Count != pictures.Count)
            throw new ArgumentException(
                $"got {units.Count} units but {pictures.Count} pictures; they pair up one to one",
                nameof(pictures)
            );
        if (units.Count == 0)
            throw new ArgumentException("a neuron row needs at least one unit", nameof(units));
        CheckUnits(units, int.MaxValue, layer, nameof(units));
        bool heat = pictures.All(p => p.dim() == 2);
        ColorLegend? legend = null;
        WeightNormalization? norm = null;
        if (heat)
        {
            double scale = normalization is null
                ? pictures
                    .Select(p =>
                        (double)TensorData.Floats(p, nameof(pictures)).Max(v => Math.Abs(v))
                    )
                    .Max()
                : normalization.Divisor(TensorData.Floats(pictures[0], nameof(pictures)));
            if (scale <= 0)
                scale = 1;
            norm = WeightNormalization.DivideBy(scale);
            legend = new ColorLegend(scale);
        }
        var cols = units
            .Select(
                (u, i) =>
                    NeuronWithWeight.FromWeights(layer, u, pictures[i], norm, featureVis?.Invoke(u))
            )
            .ToList();
        return new NeuronWithWeightRow(cols, title, legend);
    }

    /// <summary>
    /// The notebook's "top connections": units of the C axis of [H, W, C]
    /// <paramref name="weights"/> sorted by decreasing L2 norm of their [H, W] slice (ties keep
    /// index order), first <paramref name="top"/>.
    /// </summary>
    public static int[] TopUnits(Tensor weights, int top)
    {
        TensorData.RequireRank(weights, nameof(weights), "[H, W, C]", 3);
        int c = (int)weights.shape[2];
        if (top < 1)
            throw new ArgumentOutOfRangeException(nameof(top), top, "top must be >= 1");
        if (top > c)
            throw new ArgumentOutOfRangeException(
                nameof(top),
                top,
                $"top {top} is more than the {c} units available"
            );
        var all = TensorData.Floats(weights, nameof(weights));
        var norms = new double[c];
        for (int i = 0; i < all.Length; i++)
            norms[i % c] += (double)all[i] * all[i];
        return Enumerable
            .Range(0, c)
            .OrderByDescending(i => norms[i])
            .ThenBy(i => i)
            .Take(top)
            .ToArray();
    }

    internal static void CheckUnits(IReadOnlyList<int> units, int count, string layer, string param)
    {
        if (units.Count == 0)
            throw new ArgumentException("the unit list is empty", param);
        if (count != int.MaxValue && units.Count > count)
            throw new ArgumentException(
                $"{units.Count} units requested but layer {layer} has only {count}",
                param
            );
        foreach (var u in units)
            if (u < 0 || u >= count)
                throw new ArgumentOutOfRangeException(
                    param,
                    u,
                    $"unit {u} is out of range for layer {layer} with {count} units (0..{count - 1})"
                );
    }

    /// <inheritdoc />
    public override string ToHtml() =>
        "<div class=\"nw-row-block\" style=\"margin-top:2px\">"
        + (
            Title is null
                ? ""
                : $"<div class=\"nw-title\" style=\"font:12px sans-serif;margin:4px 0\">{Html.Escape(Title)}</div>"
        )
        +
        // Rows of 15–20 units wrap onto several lines instead of running off the page.
        $"<div class=\"nw-row\" style=\"display:flex;flex-wrap:wrap;align-items:flex-start\">{string.Join("", Neurons.Select(n => n.ToHtml()))}</div>"
        + (Legend?.ToHtml() ?? "")
        + "</div>";

    /// <summary>PNG: the columns side by side with 2 px gaps, legend bar (if any)
    /// underneath.</summary>
    public override byte[] ToPng()
    {
        int width = Neurons.Sum(n => n.ImageSize + 2) - 2;
        int height = Neurons.Max(n => 2 * n.ImageSize) + (Legend is null ? 0 : 14);
        var c = new Canvas(height, Math.Max(width, 120));
        int x = 0;
        foreach (var n in Neurons)
        {
            n.DrawTo(c, x, 0);
            x += n.ImageSize + 2;
        }
        if (Legend is not null)
            c.Draw(ColorLegend.Gradient(), 0, height - 10, 120, 10);
        return c.ToPng();
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"NeuronWithWeightRow {Title} ({string.Join(", ", Neurons.Select(n => n.Title))})";
}
