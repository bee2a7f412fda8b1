using static TorchSharp.torch;

namespace Notebooks.Weights.Rendering;

/// <summary>
/// The pictures of the companion notebook's first sections, built from weight tensors (any source:
/// expanded weights, raw conv weights, a loaded model's parameters).
/// </summary>
public static class NotebookPictures
{
    /// <summary>
    /// "Visualizing the first layer": the first-layer filters [O, 3, kH, kW] (OIHW) in
    /// <paramref name="order"/> (e.g. the argsort of the first PCA component of |conv2d1_w| at (0,
    /// 0)), <paramref name="perRow"/> per row, as <c>show_ws</c>.
    /// </summary>
    public static ViewStack FirstLayerFilters(
        Tensor convWeight,
        IReadOnlyList<int> order,
        int perRow = 16,
        int displayWidth = 64
    )
    {
        ArgumentNullException.ThrowIfNull(order);
        if (perRow < 1)
            throw new ArgumentOutOfRangeException(nameof(perRow), perRow, "perRow must be >= 1");
        TensorData.RequireRank(
            convWeight,
            nameof(convWeight),
            "conv weights [O, 3, kH, kW] (OIHW)",
            4
        );
        if (order.Count != order.Distinct().Count())
            throw new ArgumentException("the filter order lists a unit twice", nameof(order));
        NeuronWithWeightRow.CheckUnits(
            order,
            (int)convWeight.shape[0],
            "first layer",
            nameof(order)
        );
        var stack = new ViewStack();
        for (int i = 0; i < order.Count; i += perRow)
        {
            var row = ImageRow.FirstLayerFilters(
                convWeight,
                order.Skip(i).Take(perRow).ToList(),
                displayWidth: displayWidth
            );
            stack.Add(i + perRow >= order.Count ? row : new ImageRow(row.Images)); // the color note once, under the last row
        }
        return stack;
    }

    /// <summary>
    /// "Top connections": the unit <paramref name="unit"/> of <paramref name="unitLayer"/>, then
    /// its strongest inputs ("weights to previous layer": <paramref name="toPrevious"/> [H, W,
    /// C_prev] = expanded weights W[..., :, unit]) and/or strongest uses ("weights to next layer":
    /// <paramref name="toNext"/> [H, W, C_next] = W[..., unit, :]), each a
    /// <see cref="NeuronWithWeightRow"/> of the <paramref name="top"/> units by L2 norm, scaled by
    /// the block's max |w|.
    /// </summary>
    public static ViewStack TopConnections(
        string unitLayer,
        int unit,
        string? previousLayer,
        Tensor? toPrevious,
        string? nextLayer,
        Tensor? toNext,
        int top = 10,
        Func<string, int, Image?>? featureVis = null
    )
    {
        if (toPrevious is null && toNext is null)
            throw new ArgumentException(
                "give weights to the previous layer, the next layer, or both"
            );
        var stack = new ViewStack();
        var self = featureVis?.Invoke(unitLayer, unit);
        stack.AddText($"{unitLayer}:{unit}");
        if (self is not null)
            stack.Add(
                self.With(
                    displayWidth: NeuronWithWeight.WidthFor(unitLayer) - 2,
                    label: $"{unitLayer}:{unit}"
                )
            );
        void Row(string? layer, Tensor? w, string title, string param)
        {
            if (w is null)
                return;
            if (string.IsNullOrEmpty(layer))
                throw new ArgumentException($"a layer name is needed with {param}", param);
            var units = NeuronWithWeightRow.TopUnits(w, top);
            stack.Add(
                NeuronWithWeightRow.Create(
                    layer,
                    units,
                    w,
                    featureVis: featureVis is null ? null : u => featureVis(layer, u),
                    title: title
                )
            );
        }
        Row(
            previousLayer,
            toPrevious,
            $"weights to previous layer ({previousLayer} → {unitLayer}:{unit})",
            nameof(toPrevious)
        );
        Row(
            nextLayer,
            toNext,
            $"weights to next layer ({unitLayer}:{unit} → {nextLayer})",
            nameof(toNext)
        );
        return stack;
    }
}
