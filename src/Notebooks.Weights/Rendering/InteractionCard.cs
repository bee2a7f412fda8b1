using System.Globalization;
using System.Text;
using Notebooks.Weights.Interactions;
using static TorchSharp.torch;

namespace Notebooks.Weights.Rendering;

/// <summary>
/// The card for a pair of units A → B: the expanded weight (all-zero image, linearized), the best
/// case (optimized image, its gradient map and total against the expanded weight's), per-example
/// gradient maps under B's top images (B's position marked on each image) and the factors over all
/// images (each case's map with the images loading most on it). All gradient maps share one color
/// scale (the largest |gradient| shown), so their strengths compare directly. Sections without data
/// (no images, no best case) are left out with a note saying so.
/// </summary>
public sealed class InteractionCard : View
{
    readonly string _model;
    readonly UnitRef _from,
        _to;
    readonly int _width;
    readonly Image _expanded;
    readonly double _expandedTotal;
    readonly (Image Image, Image Map, double Achieved, string Note, string Goal)? _best;
    readonly List<(Image Image, Image Map, string Caption, double Y, double X)> _examples = [];
    readonly List<(Image Map, List<(Image Image, string Caption)> Top, string Caption)> _factors =
    [];
    readonly string? _examplesNote,
        _factorsNote;
    readonly double _scale;
    readonly bool _linearized;
    readonly int _imageCount;
    readonly (int H, int W) _mapSize;

    /// <summary>Size of each picture in CSS px.</summary>
    public int Size { get; init; } = 96;

    /// <summary>
    /// A card from computed parts. <paramref name="expanded"/> is the [W, W] expanded weight;
    /// <paramref name="examples"/> the per-example maps of <paramref name="images"/> ([N, 3, H, W]
    /// in [0, 1], row i = the image of map i, named by
    /// <paramref name="names"/>); the first <paramref name="shown"/> examples are drawn (pass them
    /// best first).
    /// </summary>
    public InteractionCard(
        string model,
        UnitRef from,
        UnitRef to,
        Tensor expanded,
        BestCaseInteraction? best = null,
        PerExampleInteractions? examples = null,
        Tensor? images = null,
        IReadOnlyList<string>? names = null,
        InteractionFactors? factors = null,
        int shown = 8
    )
    {
        ArgumentNullException.ThrowIfNull(expanded);
        if (examples is not null && (images is null || images.shape[0] != examples.Count))
            throw new ArgumentException(
                $"Per-example maps need their {examples?.Count} images (got {(images is null ? "none" : images.shape[0].ToString(CultureInfo.InvariantCulture))}).",
                nameof(images)
            );
        if (names is not null && examples is not null && names.Count != examples.Count)
            throw new ArgumentException(
                $"Expected {examples.Count} image names; got {names.Count}.",
                nameof(names)
            );
        if (shown < 1)
            throw new ArgumentOutOfRangeException(
                nameof(shown),
                $"shown must be at least 1; got {shown}."
            );
        _model = model;
        _from = from;
        _to = to;
        _width = (int)expanded.shape[0];
        _linearized = examples?.Linearized ?? false;
        _imageCount = examples?.Count ?? 0;
        using var scope = NewDisposeScope();
        var all = new List<Tensor> { expanded.abs().max() };
        if (best is not null)
            all.Add(best.Map.abs().max());
        int show = Math.Min(shown, examples?.Count ?? 0);
        if (examples is not null)
            all.Add(examples.Maps[..show].abs().max());
        if (factors is not null)
            all.Add(factors.Cases.abs().max());
        _scale = Math.Max(1e-12, all.Max(t => t.item<float>()));
        var norm = WeightNormalization.DivideBy(_scale);
        Image Heat(Tensor m, string label) =>
            WeightColorScale.Heatmap(m.to(ScalarType.Float32), norm, label).Image;
        string Name(int i) => names is not null ? names[i] : $"image {i}";

        _expandedTotal = expanded.sum().item<float>();
        _expanded = Heat(expanded, $"expanded weight · Σ {Html.Num(_expandedTotal)}");
        if (best is not null)
            _best = (
                Image.FromTensor(best.Image, label: "best-case image"),
                Heat(best.Map, $"best case · Σ {Html.Num(best.Achieved)}"),
                best.Achieved,
                (
                    best.Direction == BestCaseDirection.Inhibitory
                        ? "The inhibitory best case: no image made A excite B; "
                        : ""
                )
                    + $"B at ({best.Position.Y}, {best.Position.X}) = {Html.Num(best.BValue)}"
                    + (
                        best.SmoothedRelus > 0
                            ? $"; searched with {best.SmoothedRelus} smoothed ReLU gradient(s), re-measured exactly"
                            : ""
                    ),
                best.Direction == BestCaseDirection.Inhibitory ? "minimize" : "maximize"
            );
        if (examples is not null && images is not null)
        {
            _mapSize = examples.Layer2Size;
            for (int i = 0; i < show; i++)
            {
                var (py, px) = examples.Positions[i];
                var map = examples.Maps[i];
                _examples.Add(
                    (
                        Image.FromTensor(images[i]),
                        Heat(map, ""),
                        $"{Name(i)} · B {Html.Num(examples.BValues[i])} at ({py}, {px}) · Σ {Html.Num(map.sum().item<float>())}",
                        py,
                        px
                    )
                );
            }
        }
        else
            _examplesNote =
                "No images given: pass --images DIR (JPEG/PNG) for per-example maps and factors.";
        if (factors is not null && images is not null)
        {
            var loads = factors.Loadings.contiguous().data<double>().ToArray();
            for (int f = 0; f < factors.Count; f++)
            {
                var top = factors
                    .TopImages[f]
                    .Select(i =>
                        (
                            Image.FromTensor(images[i]),
                            $"{Name(i)} · {Html.Num(loads[i * factors.Count + f])}"
                        )
                    )
                    .ToList();
                int share = (int)
                    Math.Round(
                        100.0
                            * Enumerable
                                .Range(0, _imageCount)
                                .Count(i =>
                                    Enumerable
                                        .Range(0, factors.Count)
                                        .MaxBy(k => loads[i * factors.Count + k]) == f
                                )
                            / Math.Max(1, _imageCount)
                    );
                _factors.Add(
                    (
                        Heat(factors.Cases[f], ""),
                        top,
                        $"case {f + 1} · Σ {Html.Num(factors.Cases[f].sum().item<float>())} · main case of {share}% of images"
                    )
                );
            }
            _factorsNote =
                $"{factors.Algorithm} into {factors.Count} cases over {_imageCount} images (relative error {Html.Num(factors.RelativeError)})"
                + (
                    factors.Algorithm == Decomposition.ReductionAlgorithm.Pca
                        ? "; PCA cases are deviations from the mean map"
                        : "; NMF on posneg, loadings scaled to [0, 1]"
                );
        }
        else if (examples is not null)
            _factorsNote = "Factors not computed.";
    }

    static string Fig(string inner, string caption, int width) =>
        $"<figure style=\"display:inline-block;margin:4px 6px;vertical-align:top;text-align:center;width:{width}px\">{inner}"
        + $"<figcaption style=\"font:11px/1.3 sans-serif;color:#333\">{caption}</figcaption></figure>";

    string Marked(Image img, double y, double x, long h2, long w2)
    {
        double top = (y + 0.5) / h2 * 100,
            left = (x + 0.5) / w2 * 100;
        return $"<div style=\"position:relative;display:inline-block;width:{Size}px;height:{Size}px\">{img.ImgTag(Size, "interaction-image", null, Size)}"
            + $"<div title=\"B's position\" style=\"position:absolute;top:calc({top:F1}% - 5px);left:calc({left:F1}% - 5px);width:8px;height:8px;border:1px solid #fff;outline:1px solid #000\"></div></div>";
    }

    /// <inheritdoc />
    public override string ToHtml()
    {
        var sb = new StringBuilder();
        string H(string t) => $"<h4 style=\"font:600 14px sans-serif;margin:14px 0 4px\">{t}</h4>";
        string P(string t) =>
            $"<p style=\"font:12px/1.4 sans-serif;color:#444;margin:2px 0 6px;max-width:900px\">{t}</p>";
        sb.Append(
            "<div class=\"interaction-card\" style=\"border:1px solid #ccc;border-radius:6px;padding:10px 14px;max-width:1000px\">"
        );
        // h3/h4: the card sits inside pages (notebooks, the tour) whose h2s are their sections.
        sb.Append(
            CultureInfo.InvariantCulture,
            $"<h3 style=\"font:600 17px sans-serif;margin:0 0 4px\">{Html.Escape(_from.ToString())} → {Html.Escape(_to.ToString())} <span style=\"font-weight:400;color:#666\">({Html.Escape(_model)}, {_width}×{_width} crop of {Html.Escape(_from.Layer)} around B)</span></h3>"
        );
        sb.Append(
            P(
                $"Each map is ∂B/∂A over A's {_width}×{_width} neighbourhood of B's position (red: raising A raises B; blue: lowers it). "
                    + $"All maps share one scale: ±{Html.Num(_scale)}. Σ is the map's total."
            )
        );
        sb.Append(new ColorLegend(_scale, "∂B/∂A").ToHtml());
        sb.Append(H("Expanded weight and best case"));
        sb.Append(
            Fig(
                _expanded.ImgTag(Size, "weight", null, Size),
                Html.Escape(_expanded.Label),
                Size + 30
            )
        );
        if (_best is { } b)
        {
            sb.Append(
                Fig(b.Image.ImgTag(Size, "best-image", null, Size), "best-case image", Size + 10)
            );
            sb.Append(
                Fig(b.Map.ImgTag(Size, "weight", null, Size), Html.Escape(b.Map.Label), Size + 30)
            );
            string ratio =
                Math.Abs(_expandedTotal) > 1e-12
                    ? $" ({Html.Num(b.Achieved / _expandedTotal)}× the expanded weight's Σ {Html.Num(_expandedTotal)})"
                    : $" (expanded weight's Σ {Html.Num(_expandedTotal)})";
            sb.Append(
                P(
                    $"Best case: an image optimized to {b.Goal} Σ ∂B/∂A reaches <b>{Html.Num(b.Achieved)}</b>{ratio}. {Html.Escape(b.Note)}."
                )
            );
        }
        else
            sb.Append(P("Best case not computed."));
        sb.Append(
            H($"Per-example interactions ({(_linearized ? "linearized" : "real")} gradients)")
        );
        if (_examples.Count > 0)
        {
            long h2 = Math.Max(1, _mapSize.H),
                w2 = Math.Max(1, _mapSize.W);
            sb.Append(
                P(
                    $"B's top {_examples.Count} of {_imageCount} images, best first; the square marks B's position (its cell of B's {h2}×{w2} map, scaled to the image)."
                )
            );
            sb.Append("<div>");
            foreach (var e in _examples)
                sb.Append(
                    Fig(
                        Marked(e.Image, e.Y, e.X, h2, w2)
                            + "<br>"
                            + e.Map.ImgTag(Size, "weight", null, Size),
                        Html.Escape(e.Caption),
                        Size + 24
                    )
                );
            sb.Append("</div>");
        }
        else if (_examplesNote is not null)
            sb.Append(P(Html.Escape(_examplesNote)));
        if (_factors.Count > 0 || _factorsNote is not null)
        {
            sb.Append(H("Factors over the images: the major cases"));
            if (_factorsNote is not null)
                sb.Append(P(Html.Escape(_factorsNote)));
            foreach (var (map, top, caption) in _factors)
            {
                sb.Append(
                    "<div style=\"display:flex;align-items:flex-start;gap:4px;border-top:1px solid #eee;padding-top:4px\">"
                );
                sb.Append(
                    Fig(map.ImgTag(Size, "weight", null, Size), Html.Escape(caption), Size + 40)
                );
                foreach (var (img, cap) in top)
                    sb.Append(
                        Fig(
                            img.ImgTag(Size * 3 / 4, "interaction-image", null, Size * 3 / 4),
                            Html.Escape(cap),
                            Size
                        )
                    );
                sb.Append("</div>");
            }
        }
        sb.Append("</div>");
        return sb.ToString();
    }

    /// <summary>
    /// The compact entry point (for a unit page's interaction panel or a notebook cell): the card
    /// of A → B computed from the model alone. Always the expanded weight; with
    /// <paramref name="images01"/> ([N, C, H, W] in [0, 1]) the per-example maps of B's
    /// <paramref name="top"/> top-activating images and, when <paramref name="factors"/> &gt; 0 and
    /// there are at least 2 of them, their NMF factors; with <paramref name="best"/> the best case.
    /// </summary>
    public static InteractionCard ForPair(
        Models.VisionModel model,
        UnitRef from,
        UnitRef to,
        Tensor? images01 = null,
        int width = 5,
        int top = 6,
        int factors = 0,
        BestCaseOptions? best = null
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        if (top < 1)
            throw new ArgumentOutOfRangeException(
                nameof(top),
                $"top must be at least 1; got {top}."
            );
        if (factors < 0)
            throw new ArgumentOutOfRangeException(
                nameof(factors),
                $"factors must be 0 (none) or positive; got {factors}."
            );
        Interaction.CheckPair(model, from, to, width);
        using var scope = NewDisposeScope();
        var expanded = Interaction.ExpandedWeight(model, from, to, width);
        using var bestCase = best is null
            ? null
            : BestCaseInteraction.Optimize(model, from, to, width, best);
        if (images01 is null)
            return new InteractionCard(model.Name, from, to, expanded, bestCase);
        var (idx, _) = Interaction.TopActivating(model, to, images01, top);
        var chosen = images01.index_select(
            0,
            tensor(idx.Select(i => (long)i).ToArray(), ScalarType.Int64)
        );
        using var examples = Interaction.PerExample(model, from, to, chosen, width);
        using var found =
            factors > 0 && examples.Count >= 2
                ? InteractionFactors.Compute(examples, Math.Min(factors, examples.Count))
                : null;
        return new InteractionCard(
            model.Name,
            from,
            to,
            expanded,
            bestCase,
            examples,
            chosen,
            idx.Select(i => $"image {i}").ToList(),
            found,
            shown: top
        );
    }

    /// <summary>PNG: expanded weight, best case and per-example maps in one row, factor maps in a
    /// second row (labels are HTML-only).</summary>
    public override byte[] ToPng()
    {
        var first = new List<Image> { _expanded };
        if (_best is { } b)
        {
            first.Add(b.Image);
            first.Add(b.Map);
        }
        first.AddRange(_examples.Select(e => e.Map));
        var second = _factors.Select(f => f.Map).ToList();
        int s = Size,
            gap = 6,
            cols = Math.Max(first.Count, Math.Max(1, second.Count));
        var c = new Canvas(second.Count > 0 ? 2 * s + gap : s, cols * (s + gap));
        for (int i = 0; i < first.Count; i++)
            c.Draw(first[i], i * (s + gap), 0, s, s);
        for (int i = 0; i < second.Count; i++)
            c.Draw(second[i], i * (s + gap), s + gap, s, s);
        return c.ToPng();
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"InteractionCard {_from} -> {_to} ({_examples.Count} examples, {_factors.Count} factors{(_best is null ? "" : ", best case")})";
}
