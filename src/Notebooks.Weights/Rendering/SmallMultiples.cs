using System.Globalization;
using System.Text;
using static TorchSharp.torch;

namespace Notebooks.Weights.Rendering;

/// <summary>
/// Small multiples of the weights between two families of units (the article's curve-detector
/// figure): a table with one row per unit of the earlier layer and one column per unit of the later
/// layer, each cell the [H, W] weight heatmap. All cells share one scale (max |w| over the
/// selection by default) and one legend.
/// </summary>
public sealed class SmallMultiples : View
{
    readonly Image[,] _cells;

    /// <summary>Earlier layer name.</summary>
    public string FromLayer { get; }

    /// <summary>Later layer name.</summary>
    public string ToLayer { get; }

    /// <summary>Row units (earlier layer).</summary>
    public IReadOnlyList<int> FromUnits { get; }

    /// <summary>Column units (later layer).</summary>
    public IReadOnlyList<int> ToUnits { get; }

    /// <summary>Shared legend.</summary>
    public ColorLegend Legend { get; }

    /// <summary>Cell size in CSS pixels.</summary>
    public int CellSize { get; }

    /// <summary>Optional heading.</summary>
    public string? Title { get; private init; }

    /// <summary>Optional feature visualizations (layer, unit) → image shown in the row and column
    /// headers, as in the article's figure.</summary>
    public Func<string, int, Image?>? FeatureVis { get; private init; }

    SmallMultiples(
        Image[,] cells,
        string fromLayer,
        IReadOnlyList<int> fromUnits,
        string toLayer,
        IReadOnlyList<int> toUnits,
        ColorLegend legend,
        int cellSize
    )
    {
        _cells = cells;
        FromLayer = fromLayer;
        ToLayer = toLayer;
        FromUnits = fromUnits;
        ToUnits = toUnits;
        Legend = legend;
        CellSize = cellSize;
    }

    /// <summary>The heatmap of row <paramref name="row"/>, column <paramref name="col"/>.</summary>
    public Image Cell(int row, int col) => _cells[row, col];

    /// <summary>
    /// From expanded weights [H, W, C1, C2] (the notebook's <c>get_expanded_weights</c> layout):
    /// cell (i, j) shows <c>W[:, :, fromUnits[i], toUnits[j]]</c>.
    /// </summary>
    public static SmallMultiples Create(
        Tensor weights,
        string fromLayer,
        IReadOnlyList<int> fromUnits,
        string toLayer,
        IReadOnlyList<int> toUnits,
        WeightNormalization? normalization = null,
        int cellSize = 48,
        Func<string, int, Image?>? featureVis = null,
        string? title = null
    )
    {
        TensorData.RequireRank(
            weights,
            nameof(weights),
            "[H, W, C_from, C_to] expanded weights",
            4
        );
        int h = (int)weights.shape[0],
            w = (int)weights.shape[1],
            c1 = (int)weights.shape[2],
            c2 = (int)weights.shape[3];
        NeuronWithWeightRow.CheckUnits(fromUnits, c1, fromLayer, nameof(fromUnits));
        NeuronWithWeightRow.CheckUnits(toUnits, c2, toLayer, nameof(toUnits));
        var all = TensorData.Floats(weights, nameof(weights));
        var slices = new float[fromUnits.Count, toUnits.Count][];
        var selected = new List<float>();
        for (int i = 0; i < fromUnits.Count; i++)
        for (int j = 0; j < toUnits.Count; j++)
        {
            var s = new float[h * w];
            for (int p = 0; p < h * w; p++)
                s[p] = all[(p * c1 + fromUnits[i]) * c2 + toUnits[j]];
            slices[i, j] = s;
            selected.AddRange(s);
        }
        double scale = (normalization ?? WeightNormalization.MaxAbs).Divisor(selected.ToArray());
        var norm = WeightNormalization.DivideBy(scale);
        var cells = new Image[fromUnits.Count, toUnits.Count];
        for (int i = 0; i < fromUnits.Count; i++)
        for (int j = 0; j < toUnits.Count; j++)
            cells[i, j] = WeightColorScale.Heatmap(slices[i, j], h, w, norm).Image;
        return new SmallMultiples(
            cells,
            fromLayer,
            fromUnits.ToList(),
            toLayer,
            toUnits.ToList(),
            new ColorLegend(scale),
            cellSize
        )
        {
            FeatureVis = featureVis,
            Title = title,
        };
    }

    /// <inheritdoc />
    public override string ToHtml()
    {
        var sb = new StringBuilder();
        sb.Append("<div class=\"nw-small-multiples\">");
        if (Title is not null)
            sb.Append(
                CultureInfo.InvariantCulture,
                $"<div class=\"nw-title\" style=\"font:12px sans-serif;margin:4px 0\">{Html.Escape(Title)}</div>"
            );
        sb.Append("<table style=\"border-collapse:collapse;font:10px sans-serif\"><tr>");
        sb.Append(
            CultureInfo.InvariantCulture,
            $"<th style=\"text-align:right;padding:2px\">{Html.Escape(FromLayer)} ↓ / {Html.Escape(ToLayer)} →</th>"
        );
        foreach (var u in ToUnits)
            sb.Append(
                CultureInfo.InvariantCulture,
                $"<th style=\"padding:2px;vertical-align:bottom\">{Vis(ToLayer, u)}{Html.Escape($"{ToLayer}:{u}")}</th>"
            );
        sb.Append("</tr>");
        for (int i = 0; i < FromUnits.Count; i++)
        {
            sb.Append(
                CultureInfo.InvariantCulture,
                $"<tr><th style=\"text-align:right;padding:2px;white-space:nowrap\">{Html.Escape($"{FromLayer}:{FromUnits[i]}")}{Vis(FromLayer, FromUnits[i])}</th>"
            );
            for (int j = 0; j < ToUnits.Count; j++)
                sb.Append("<td style=\"padding:1px\">")
                    .Append(
                        _cells[i, j]
                            .ImgTag(
                                CellSize,
                                "weight",
                                $"{FromLayer}:{FromUnits[i]} → {ToLayer}:{ToUnits[j]}",
                                CellSize
                            )
                    )
                    .Append("</td>");
            sb.Append("</tr>");
        }
        sb.Append("</table>").Append(Legend.ToHtml()).Append("</div>");
        return sb.ToString();
    }

    string Vis(string layer, int unit) =>
        FeatureVis?.Invoke(layer, unit) is { } img
            ? $"<div>{img.ImgTag(CellSize, "featurevis", $"{layer}:{unit}", CellSize)}</div>"
            : "";

    /// <summary>PNG: the cells in a grid with 2 px white gaps and the legend bar
    /// underneath.</summary>
    public override byte[] ToPng()
    {
        int rows = FromUnits.Count,
            cols = ToUnits.Count,
            step = CellSize + 2;
        var c = new Canvas(rows * step + 12, Math.Max(cols * step, 120));
        for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            c.Draw(_cells[i, j], j * step, i * step, CellSize, CellSize);
        c.Draw(ColorLegend.Gradient(), 0, rows * step + 2, 120, 10);
        return c.ToPng();
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"SmallMultiples {FromLayer}[{string.Join(",", FromUnits)}] -> {ToLayer}[{string.Join(",", ToUnits)}]";
}
