using static TorchSharp.torch;

namespace Notebooks.Weights.Rendering;

/// <summary>A labelled row of images (Lucid <c>show(images, labels=...)</c>), optionally with a
/// caption explaining the colors.</summary>
public sealed class ImageRow : View
{
    /// <summary>The images; each one's <see cref="Image.Label"/> is its caption.</summary>
    public IReadOnlyList<Image> Images { get; }

    /// <summary>Optional heading.</summary>
    public string? Title { get; init; }

    /// <summary>Explains the color mapping (the legend of rows not drawn on the weight color
    /// scale).</summary>
    public string? LegendText { get; init; }

    /// <summary>Optional weight color legend (when the images are weight heatmaps).</summary>
    public ColorLegend? Legend { get; init; }

    /// <summary>A row of images.</summary>
    public ImageRow(IEnumerable<Image> images)
    {
        Images = images?.ToList() ?? throw new ArgumentNullException(nameof(images));
        if (Images.Count == 0)
            throw new ArgumentException("an image row needs at least one image", nameof(images));
    }

    /// <summary>
    /// A batch tensor [N, H, W], [N, H, W, 3] or [N, 3, H, W] as a row; <paramref name="labels"/>
    /// (one per image) default to the index; <paramref name="displayWidth"/> is each image's CSS
    /// width.
    /// </summary>
    public static ImageRow FromTensor(
        Tensor batch,
        IReadOnlyList<string>? labels = null,
        ImageDomain? domain = null,
        int? displayWidth = null
    )
    {
        TensorData.RequireRank(
            batch,
            nameof(batch),
            "a batch [N, H, W], [N, H, W, 3] or [N, 3, H, W]",
            3,
            4
        );
        int n = (int)batch.shape[0];
        if (n == 0)
            throw new ArgumentException("image batch is empty (N = 0)", nameof(batch));
        if (labels is not null && labels.Count != n)
            throw new ArgumentException(
                $"got {labels.Count} labels for {n} images",
                nameof(labels)
            );
        using var scope = NewDisposeScope();
        var images = new List<Image>();
        for (int i = 0; i < n; i++)
            images.Add(
                Image.FromTensor(
                    batch[i],
                    domain,
                    displayWidth,
                    labels?[i] ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture)
                )
            );
        return new ImageRow(images);
    }

    /// <summary>
    /// The notebook's <c>show_ws</c>: first-layer conv filters <paramref name="convWeight"/> [O, 3,
    /// kH, kW] (OIHW) as RGB images with gray as zero: <c>0.5 + 0.05 w / max|w_unit| + 0.45 w /
    /// max|w_all|</c> (w optionally scaled per unit by
    /// <paramref name="unitScales"/>, as <c>weights=</c>). Units are drawn in the order given (e.g.
    /// a PCA ordering).
    /// </summary>
    public static ImageRow FirstLayerFilters(
        Tensor convWeight,
        IReadOnlyList<int> units,
        IReadOnlyList<float>? unitScales = null,
        int displayWidth = 64
    )
    {
        TensorData.RequireRank(
            convWeight,
            nameof(convWeight),
            "conv weights [O, 3, kH, kW] (OIHW)",
            4
        );
        if (convWeight.shape[1] != 3)
            throw new ArgumentException(
                $"first-layer filters need 3 input channels (RGB); got shape {TensorData.Shape(convWeight)}",
                nameof(convWeight)
            );
        int o = (int)convWeight.shape[0];
        NeuronWithWeightRow.CheckUnits(units, o, "filters", nameof(units));
        if (unitScales is not null && unitScales.Count != units.Count)
            throw new ArgumentException(
                $"got {unitScales.Count} unit scales for {units.Count} units",
                nameof(unitScales)
            );
        using var scope = NewDisposeScope();
        TensorData.Floats(convWeight, nameof(convWeight));
        var w = convWeight.detach().cpu().to_type(ScalarType.Float32).permute(0, 2, 3, 1); // [O, kH, kW, 3]
        var idx = tensor(units.Select(u => (long)u).ToArray());
        var ws = w.index_select(0, idx);
        if (unitScales is not null)
            ws = ws * tensor(unitScales.ToArray()).view(-1, 1, 1, 1);
        var maxAll = w.abs().max().item<float>();
        if (maxAll == 0)
            throw new ArgumentException(
                "all filter weights are zero; nothing to show",
                nameof(convWeight)
            );
        var maxUnit = w.index_select(0, idx).abs().amax([1, 2, 3], keepdim: true).clamp_min(1e-30f);
        var img = 0.5f + 0.05f * ws / maxUnit + 0.45f * ws / maxAll;
        var row = FromTensor(
            img,
            units
                .Select(u => u.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .ToList(),
            ImageDomain.Unit,
            displayWidth
        );
        return new ImageRow(row.Images)
        {
            LegendText =
                "gray = 0, lighter = positive, darker = negative (0.5 + 0.05·w/max|w_unit| + 0.45·w/max|w_all|)",
        };
    }

    /// <inheritdoc />
    public override string ToHtml() =>
        "<div class=\"nw-image-row\">"
        + (
            Title is null
                ? ""
                : $"<div class=\"nw-title\" style=\"font:12px sans-serif;margin:4px 0\">{Html.Escape(Title)}</div>"
        )
        + $"<div style=\"display:flex;flex-wrap:wrap;align-items:flex-start\">{string.Join("", Images.Select(i => i.ToHtml()))}</div>"
        + (
            LegendText is null
                ? ""
                : $"<div class=\"nw-legend\" style=\"font:11px sans-serif;color:#555\">{Html.Escape(LegendText)}</div>"
        )
        + (Legend?.ToHtml() ?? "")
        + "</div>";

    /// <summary>PNG: the images at their CSS widths side by side with 2 px gaps.</summary>
    public override byte[] ToPng()
    {
        var sizes = Images
            .Select(i =>
                (
                    w: i.CssWidth,
                    h: Math.Max(1, (int)Math.Round(i.CssWidth * (double)i.Height / i.Width))
                )
            )
            .ToList();
        var c = new Canvas(sizes.Max(s => s.h), sizes.Sum(s => s.w + 2) - 2);
        int x = 0;
        for (int k = 0; k < Images.Count; k++)
        {
            c.Draw(Images[k], x, 0, sizes[k].w, sizes[k].h);
            x += sizes[k].w + 2;
        }
        return c.ToPng();
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"ImageRow of {Images.Count}: {string.Join(", ", Images.Select(i => i.Label))}";
}
