using System.Globalization;
using System.Text;
using Notebooks.Weights.Models;
using static Notebooks.Weights.Rendering.Html;

namespace Notebooks.Weights.Explorer;

/// <summary>
/// The HTML of the explorer's pages (index, layer, unit). Pages are small: pictures are files
/// (<see cref="ExplorerAsset"/>), links are relative so the site opens from disk, and everything
/// works without JavaScript; the one script adds keyboard navigation (← → previous/next, ↑ up) and,
/// when served, progressive loading.
/// </summary>
public static class ExplorerPages
{
    /// <summary>The page at <paramref name="path"/>, or null when the site has no such
    /// page.</summary>
    public static ExplorerPage? Render(ExplorerSite site, string path)
    {
        ArgumentNullException.ThrowIfNull(site);
        if (path is "" or ExplorerPaths.Index)
            return Index(site);
        foreach (var l in site.Plan.Layers)
        {
            if (path == ExplorerPaths.LayerPage(l.Name))
                return Layer(site, l);
            var prefix = ExplorerPaths.Safe(l.Name) + "_";
            if (
                path.StartsWith(prefix, StringComparison.Ordinal)
                && path.EndsWith(".html", StringComparison.Ordinal)
                && int.TryParse(
                    path[prefix.Length..^5],
                    NumberStyles.None,
                    CultureInfo.InvariantCulture,
                    out var u
                )
                && site.HasPage(l.Name, u)
            )
                return Unit(site, l, u);
        }
        return null;
    }

    /// <summary>The index: the model and its layers (kind, channels, spatial size, banding, weight
    /// norms), with links.</summary>
    public static ExplorerPage Index(ExplorerSite site)
    {
        var b = new PageBuilder(site, ExplorerPaths.Index);
        var m = site.Model;
        b.Head($"{m.Name} — weight explorer");
        b.Crumbs((null, m.Name));
        b.Add($"<main><h1>{Escape(m.Name)} <span class=\"sub\">weight explorer</span></h1>");
        b.Add(
            $"<p class=\"lede\">Input {m.Input.Channels}×{m.Input.DefaultSize}×{m.Input.DefaultSize}, values in [{Num(m.Input.Min)}, {Num(m.Input.Max)}]. "
                + $"Each layer below links to its units: their feature visualizations ({site.FeatureVisSettings.Size} px, {site.FeatureVisSettings.Steps} steps), "
                + $"their weights as NMF factors, and their strongest connections by expanded weights ({site.Options.ExpandedWidth}×{site.Options.ExpandedWidth} crop).</p>"
        );
        b.Add(
            "<table class=\"layers\"><thead><tr><th>layer</th><th>kind</th><th>channels</th><th>spatial</th><th>kernel</th>"
                + "<th title=\"share of spatial weight variance along rows / columns (no banding: the baseline)\">banding H / V (baseline)</th>"
                + "<th title=\"Frobenius norm of the weight; per-unit input-weight L2 norms\">weight norm ‖W‖ · unit norms</th><th>NMF of weights</th></tr></thead><tbody>"
        );
        foreach (var l in site.Plan.Layers)
        {
            // Served: a layer not prepared yet shows placeholders that the page script fills in
            // (api/layer, one layer at a time), so the index appears at once; a static site is
            // prepared before its pages are written.
            var (band, norms) =
                !site.Served || site.IsPrepared(l.Name) ? LayerSummary(site, l) : ("…", "…");
            string pending = band == "…" ? $" data-pending=\"{Escape(l.Name)}\"" : "";
            b.Add(
                $"<tr{pending}><td><a class=\"layer-link\" href=\"{ExplorerPaths.LayerPage(l.Name)}\">{Escape(l.Name)}</a></td><td>{Escape(l.Kind)}</td>"
                    + $"<td class=\"num\">{l.Channels}</td><td class=\"num\">{l.Height}×{l.Width}</td><td class=\"num\">{l.WeightShape[2]}×{l.WeightShape[3]}×{l.WeightShape[1]}</td>"
                    + $"<td class=\"num banding\">{band}</td><td class=\"num norms\">{norms}</td>"
                    + $"<td><a href=\"{ExplorerPaths.LayerPage(l.Name)}\">{b.Img(new ExplorerAsset(ExplorerAssetKind.LayerNmf, l.Name), $"NMF grid of {l.Name}", "thumb")}</a></td></tr>"
            );
        }
        b.Add("</tbody></table>");
        var first = site.Plan.Layers[0];
        b.Nav(null, null, null, ExplorerPaths.LayerPage(first.Name), first.Name);
        b.Add("</main>");
        return b.Finish();
    }

    /// <summary>
    /// The index's statistics of a layer (computing its data on first use): banding "H / V
    /// (baseline)" (– without spatial extent) and the weight norms "‖W‖ · mean unit norm
    /// [min–max]".
    /// </summary>
    public static (string Banding, string Norms) LayerSummary(ExplorerSite site, ExplorerLayer l)
    {
        ArgumentNullException.ThrowIfNull(site);
        var d = site.Data(l.Name);
        var s = d.Statistics;
        var band = d.Banding is { } bd
            ? $"{bd.Horizontal:F2} / {bd.Vertical:F2} ({bd.BaselineHorizontal:F2})"
            : "–";
        var norms = s.UnitInputNorms;
        return (
            band,
            $"{Num(s.Frobenius)} · {Num(norms.Average())} [{Num(norms.Min())}–{Num(norms.Max())}]"
        );
    }

    /// <summary>
    /// A layer page: every unit's feature visualization over its NMF picture, the NMF grid and the
    /// weight histogram. Served, a layer whose data is not computed yet answers at once with every
    /// unit's card (link, label, feature visualization, which fills in as pictures do) and
    /// placeholders for what needs the data (the banding sentence, the NMF grid and histogram, each
    /// unit's NMF picture) that the page script fills in from <c>api/layer-page</c>
    /// (<see cref="LayerParts"/>); a static site is prepared first, so its pages are whole.
    /// </summary>
    public static ExplorerPage Layer(ExplorerSite site, ExplorerLayer l)
    {
        var b = new PageBuilder(site, ExplorerPaths.LayerPage(l.Name));
        bool ready = !site.Served || site.IsPrepared(l.Name);
        int i = IndexOf(site, l);
        var api = $"api/layer-page?layer={Uri.EscapeDataString(l.Name)}";
        b.Head($"{l.Name} — {site.Model.Name} weight explorer", ready ? null : api);
        b.Crumbs((ExplorerPaths.Index, site.Model.Name), (null, l.Name));
        var prev = i > 0 ? site.Plan.Layers[i - 1] : null;
        var next = i + 1 < site.Plan.Layers.Count ? site.Plan.Layers[i + 1] : null;
        b.Nav(
            prev is null ? null : ExplorerPaths.LayerPage(prev.Name),
            prev?.Name,
            ExplorerPaths.Index,
            next is null ? null : ExplorerPaths.LayerPage(next.Name),
            next?.Name
        );
        b.Add(
            $"<main><h1>{Escape(l.Name)} <span class=\"sub\">{Escape(l.Kind)} · {l.Channels} units · {l.Height}×{l.Width}</span></h1>"
        );
        if (ready)
        {
            LayerLede(b, site, l);
            LayerFigures(b, site, l);
        }
        else
            b.Add(
                $"<div class=\"deferred\" data-deferred=\"lede\" data-src=\"{api}\">"
                    + $"<p class=\"lede note\">Computing the weights of {Escape(l.Name)} (expanded weights, NMF, banding, histogram; once per layer): "
                    + "the NMF grid, the histogram and each unit's NMF picture appear here when ready.</p></div>"
                    + "<div class=\"deferred\" data-deferred=\"figures\"></div>"
            );
        var units = site.Units(l);
        b.Add(
            $"<h2>Units <span class=\"sub\">{units.Count} of {l.Channels}: feature visualization above the NMF picture of the unit's weights</span></h2><div class=\"cards\">"
        );
        foreach (var u in units)
            b.Add(
                $"<a class=\"card\" href=\"{ExplorerPaths.UnitPage(l.Name, u)}\">"
                    + b.Img(
                        new ExplorerAsset(ExplorerAssetKind.FeatureVis, l.Name, u),
                        $"feature visualization of {l.Name}:{u}",
                        "fv"
                    )
                    + (
                        ready
                            ? UnitNmfImg(b, l, u)
                            : "<span class=\"slot\" data-deferred=\"nmf\"></span>"
                    )
                    + $"<span class=\"label\">{u}</span></a>"
            );
        b.Add("</div></main>");
        return b.Finish() with
        {
            Awaits = ready ? [] : [l.Name],
            Deferred = ready
                ? []
                :
                [
                    new ExplorerAsset(ExplorerAssetKind.LayerNmf, l.Name),
                    new ExplorerAsset(ExplorerAssetKind.LayerHistogram, l.Name),
                    .. units.Select(u => new ExplorerAsset(ExplorerAssetKind.UnitNmf, l.Name, u)),
                ],
        };
    }

    /// <summary>
    /// The parts of a layer page that need the layer's data (computing it on first use), as HTML
    /// fragments: <c>Lede</c> (weight shape, inputs, banding), <c>Figures</c> (NMF grid and weight
    /// histogram) and <c>UnitNmf</c> (each unit's NMF picture, in card order). Null when the site
    /// has no such layer page.
    /// </summary>
    public static (string Lede, string Figures, IReadOnlyList<string> UnitNmf)? LayerParts(
        ExplorerSite site,
        string layer
    )
    {
        ArgumentNullException.ThrowIfNull(site);
        if (site.Plan.Layers.FirstOrDefault(x => x.Name == layer) is not { } l)
            return null;
        var b = new PageBuilder(site, ExplorerPaths.LayerPage(layer));
        LayerLede(b, site, l);
        var lede = b.Take();
        LayerFigures(b, site, l);
        var figures = b.Take();
        var nmf = site.Units(l).Select(u => UnitNmfImg(b, l, u)).ToList();
        return (lede, figures, nmf);
    }

    static string UnitNmfImg(PageBuilder b, ExplorerLayer l, int u) =>
        b.Img(
            new ExplorerAsset(ExplorerAssetKind.UnitNmf, l.Name, u),
            $"NMF of the weights of {l.Name}:{u}",
            "w"
        );

    static void LayerLede(PageBuilder b, ExplorerSite site, ExplorerLayer l)
    {
        var d = site.Data(l.Name);
        var bd = d.Banding;
        b.Add(
            $"<p class=\"lede\">Weight <code>{Escape(l.WeightLabel)}</code> [{string.Join("×", l.WeightShape)}], inputs from {Escape(l.Previous)}"
                + (l.Source != l.Previous ? $" (through {Escape(l.Source)})" : "")
                + ". "
                + (
                    bd is null
                        ? Escape(d.BandingNote ?? "")
                        : $"Banding: horizontal {bd.Horizontal:F2}, vertical {bd.Vertical:F2} (no banding ≈ {bd.BaselineHorizontal:F2})."
                )
                + "</p>"
        );
    }

    static void LayerFigures(PageBuilder b, ExplorerSite site, ExplorerLayer l)
    {
        var h = site.Data(l.Name).Statistics;
        b.Add(
            "<div class=\"figures\"><figure>"
                + b.Img(
                    new ExplorerAsset(ExplorerAssetKind.LayerNmf, l.Name),
                    $"NMF grid of {l.Name}",
                    "mosaic"
                )
                + "<figcaption>Every unit's weights reduced to 3 NMF factors, one color per factor consistently across the layer, units ordered by similarity.</figcaption></figure>"
                + "<figure>"
                + b.Img(
                    new ExplorerAsset(ExplorerAssetKind.LayerHistogram, l.Name),
                    $"weight histogram of {l.Name}",
                    "hist"
                )
                + $"<figcaption>Weight histogram: {h.Histogram.Counts.Length} bins over [{Num(h.Histogram.Edges[0])}, {Num(h.Histogram.Edges[^1])}]; "
                + $"mean {Num(h.Mean)}, std {Num(h.Std)}, ‖W‖ {Num(h.Frobenius)}.</figcaption></figure></div>"
        );
    }

    /// <summary>
    /// A unit page: large feature visualization, strongest inputs and outputs, its weights as NMF
    /// factors and per-input heatmaps. Served, a unit of a layer whose data is not computed yet
    /// (<see cref="UnitDataReady"/>) answers at once with what needs no layer data (breadcrumbs,
    /// pager, the unit's own feature visualization) and two placeholders that the page script fills
    /// in from <c>api/unit</c> (<see cref="UnitParts"/>); a static site is prepared first, so its
    /// pages are whole.
    /// </summary>
    public static ExplorerPage Unit(ExplorerSite site, ExplorerLayer l, int unit)
    {
        var b = new PageBuilder(site, ExplorerPaths.UnitPage(l.Name, unit));
        bool ready = !site.Served || UnitDataReady(site, l);
        var src =
            $"api/unit?layer={Uri.EscapeDataString(l.Name)}&amp;unit={unit.ToString(CultureInfo.InvariantCulture)}";
        b.Head($"{l.Name}:{unit} — {site.Model.Name} weight explorer", ready ? null : src);
        b.Crumbs(
            (ExplorerPaths.Index, site.Model.Name),
            (ExplorerPaths.LayerPage(l.Name), l.Name),
            (null, $"unit {unit}")
        );
        var (pl, pu) = Step(site, l, unit, -1);
        var (nl, nu) = Step(site, l, unit, +1);
        b.Nav(
            pl is null ? null : ExplorerPaths.UnitPage(pl, pu),
            pl is null ? null : $"{pl}:{pu}",
            ExplorerPaths.LayerPage(l.Name),
            nl is null ? null : ExplorerPaths.UnitPage(nl, nu),
            nl is null ? null : $"{nl}:{nu}"
        );
        b.Add(
            "<main><section class=\"hero\">"
                + b.Img(
                    new ExplorerAsset(ExplorerAssetKind.FeatureVis, l.Name, unit),
                    $"feature visualization of {l.Name}:{unit}",
                    "fv-large"
                )
                + $"<div class=\"facts\"><h1>{Escape(l.Name)}<span class=\"colon\">:</span>{unit}</h1><dl>"
                + $"<dt>layer</dt><dd>{Escape(l.Kind)}, {l.Channels} units, {l.Height}×{l.Width}</dd>"
                + (
                    site.Options.LucidHosted
                        ? "<dt>feature vis</dt><dd>Lucid's hosted image (InceptionV1 weight explorer)</dd></dl>"
                        : $"<dt>feature vis</dt><dd>{site.FeatureVisSettings.Size} px, {site.FeatureVisSettings.Steps} steps, objective: channel of {Escape(site.FeatureVisSettings.TargetLayer(site.Model, l.Name))}</dd></dl>"
                )
        );
        if (ready)
        {
            UnitFacts(b, site, l, unit);
            b.Add("</div></section>");
            UnitSections(b, site, l, unit);
        }
        else
        {
            b.Add(
                $"<div class=\"deferred\" data-deferred=\"facts\" data-src=\"{src}\"><p class=\"note\">Computing the expanded weights of {Escape(l.Name)}"
                    + (site.Plan.Next(l) is { } nx ? $" and {Escape(nx.Name)}" : "")
                    + " (once per layer): the weights, strongest connections and heatmaps appear here when ready.</p></div></div></section>"
                    + "<div class=\"deferred\" data-deferred=\"sections\"></div>"
            );
        }
        b.Add("</main>");
        return b.Finish() with
        {
            Awaits = ready
                ? []
                : new[] { l, site.Plan.Next(l) }
                    .OfType<ExplorerLayer>()
                    .Where(x => !site.IsPrepared(x.Name))
                    .Select(x => x.Name)
                    .ToList(),
        };
    }

    /// <summary>True when the data a unit page of <paramref name="l"/> needs is computed: the
    /// layer's and the next shown layer's (its outputs).</summary>
    public static bool UnitDataReady(ExplorerSite site, ExplorerLayer l)
    {
        ArgumentNullException.ThrowIfNull(site);
        return site.IsPrepared(l.Name)
            && (site.Plan.Next(l) is not { } next || site.IsPrepared(next.Name));
    }

    /// <summary>
    /// The parts of a unit page that need the layer's data (computing it on first use), as HTML
    /// fragments: <c>Facts</c> (input-weight norm, banding, NMF pictures; beside the feature
    /// visualization) and <c>Sections</c> (strongest inputs and outputs, every input's heatmap,
    /// spatial views, interaction). Null when the site has no such unit page.
    /// </summary>
    public static (string Facts, string Sections)? UnitParts(
        ExplorerSite site,
        string layer,
        int unit
    )
    {
        ArgumentNullException.ThrowIfNull(site);
        if (!site.HasPage(layer, unit) || site.Plan.Find(layer) is not { } l)
            return null;
        var b = new PageBuilder(site, ExplorerPaths.UnitPage(layer, unit));
        UnitFacts(b, site, l, unit);
        var facts = b.Take();
        UnitSections(b, site, l, unit);
        return (facts, b.Take());
    }

    static void UnitFacts(PageBuilder b, ExplorerSite site, ExplorerLayer l, int unit)
    {
        var d = site.Data(l.Name);
        var nb = d.Banding?.Neurons[unit];
        b.Add(
            "<dl class=\"unit-data\">"
                + $"<dt>input-weight norm</dt><dd>{Num(d.Statistics.UnitInputNorms[unit])} (layer mean {Num(d.Statistics.UnitInputNorms.Average())})</dd>"
                + (
                    nb is { } n
                        ? $"<dt>banding H / V</dt><dd>{n.Horizontal:F2} / {n.Vertical:F2} (baseline {n.Baseline:F2})</dd>"
                        : ""
                )
                + "</dl>"
                + "<div class=\"nmf\"><figure>"
                + b.Img(
                    new ExplorerAsset(ExplorerAssetKind.UnitNmf, l.Name, unit),
                    "NMF picture of the weights",
                    "w-med"
                )
                + "<figcaption>weights, NMF</figcaption></figure>"
        );
        int k = (int)d.Factors.AlignedFactors.shape[3];
        for (int f = 0; f < k; f++)
            b.Add(
                "<figure>"
                    + b.Img(
                        new ExplorerAsset(ExplorerAssetKind.UnitFactor, l.Name, unit, f),
                        $"NMF factor {f + 1}",
                        "w-med"
                    )
                    + $"<figcaption>factor {f + 1}</figcaption></figure>"
            );
        b.Add("</div>");
    }

    static void UnitSections(PageBuilder b, ExplorerSite site, ExplorerLayer l, int unit)
    {
        var d = site.Data(l.Name);
        var inRow = site.InputRow(l.Name, unit);
        var inTop = site.TopInputs(l.Name, unit);
        Row(
            b,
            site,
            $"Strongest inputs from {l.Previous}",
            $"expanded weights {l.Source} → {l.Name}:{unit}, sorted by L2 norm",
            l.Previous,
            inTop,
            c => new ExplorerAsset(ExplorerAssetKind.InputWeight, l.Name, unit, c),
            inRow.Legend!.Scale,
            "inputs"
        );
        if (site.OutputRow(l.Name, unit) is { } outRow && site.Plan.Next(l) is { } next)
            Row(
                b,
                site,
                $"Strongest outputs to {next.Name}",
                $"expanded weights {next.Source} → {next.Name} from this unit, sorted by L2 norm",
                next.Name,
                site.TopOutputs(l.Name, unit),
                c => new ExplorerAsset(ExplorerAssetKind.OutputWeight, l.Name, unit, c),
                outRow.Legend!.Scale,
                "outputs"
            );
        else
            b.Add(
                "<section><h2>Outputs</h2><p class=\"note\">This is the last conv layer of the model: its units feed no later conv layer.</p></section>"
            );

        int c1 = (int)d.Expanded.shape[2];
        b.Add(
            $"<section><h2>Weights from every input <span class=\"sub\">{c1} units of {Escape(l.Previous)}, in index order, 8 per row; one color scale: ±max|w|</span></h2>"
                + "<figure>"
                + b.Img(
                    new ExplorerAsset(ExplorerAssetKind.AllInputs, l.Name, unit),
                    $"expanded weights of {l.Name}:{unit} from every input",
                    "allin"
                )
                + "</figure></section>"
        );
        // The two sections that cost an optimization each come last, so a served page's cheaper
        // pictures are rendered first.
        if (site.ShowsSpatial(l))
        {
            int w = (int)d.Expanded.shape[0];
            b.Add(
                $"<section class=\"spatial\"><h2>Spatial-position views <span class=\"sub\">what each of the {w}×{w} positions of the weights from {Escape(l.Source)} looks for</span></h2><figure>"
                    + b.Img(
                        new ExplorerAsset(ExplorerAssetKind.Spatial, l.Name, unit),
                        $"spatial-position views of {l.Name}:{unit}",
                        "spatial"
                    )
                    + $"<figcaption>One feature visualization per position (Lucid's <code>vis_vecs</code>): the position's weight vector over {Escape(l.Source)}'s units "
                    + $"as a direction ({site.SpatialSize} px, {site.Options.FeatureVisSteps} steps), placed where the position is and faded toward gray by its weight norm.</figcaption></figure></section>"
            );
        }
        if (site.ShowsInteractions(l) && inTop.Count > 0)
        {
            var (a, _) = inTop[0];
            string from = $"{l.Previous}:{a}",
                to = $"{l.Name}:{unit}";
            int w = l.ExpandedWidth ?? site.Options.ExpandedWidth;
            b.Add(
                $"<section class=\"interaction\"><h2>Interaction with the strongest input <span class=\"sub\">{Escape(from)} → {Escape(to)}, "
                    + $"∂B/∂A over a {w}×{w} crop of {Escape(l.Source)}</span></h2><figure>"
                    + b.Img(
                        new ExplorerAsset(ExplorerAssetKind.Interaction, l.Name, unit, a),
                        $"interaction card {from} → {to}",
                        "interaction"
                    )
                    + $"<figcaption>Left to right: the expanded weight (the gradient at an all-zero image, linearized), the best-case image "
                    + $"(optimized {site.Options.InteractionSteps} steps at {site.Model.Input.DefaultSize} px to maximize Σ ∂B/∂A; minimize when no image excites) "
                    + "and its gradient map. One color scale for the maps: red raises B, blue lowers it.</figcaption></figure></section>"
            );
        }
    }

    static void Row(
        PageBuilder b,
        ExplorerSite site,
        string title,
        string subtitle,
        string layer,
        IReadOnlyList<(int Index, float Norm)> top,
        Func<int, ExplorerAsset> weightAsset,
        double scale,
        string cls
    )
    {
        b.Add(
            $"<section class=\"{cls}\"><h2>{Escape(title)} <span class=\"sub\">{Escape(subtitle)}</span></h2><div class=\"row\">"
        );
        foreach (var (idx, norm) in top)
        {
            var fv =
                layer == VisionModel.InputLayer
                    ? new ExplorerAsset(ExplorerAssetKind.InputSwatch, VisionModel.InputLayer, idx)
                    : new ExplorerAsset(ExplorerAssetKind.FeatureVis, layer, idx);
            var inner =
                b.Img(fv, $"{layer}:{idx}", "fv")
                + b.Img(weightAsset(idx), $"weights {layer}:{idx}", "w")
                + $"<span class=\"label\">{Escape(layer == VisionModel.InputLayer ? InputName(idx) : $"{layer}:{idx}")}</span><span class=\"norm\">‖w‖ {Num(norm)}</span>";
            b.Add(
                site.HasPage(layer, idx)
                    ? $"<a class=\"card\" href=\"{ExplorerPaths.UnitPage(layer, idx)}\">{inner}</a>"
                    : $"<div class=\"card\" title=\"{Escape(layer)} has no pages in this site\">{inner}</div>"
            );
        }
        b.Add(
            "</div><div class=\"legend\"><span>"
                + Num(-scale)
                + "</span>"
                + b.Img(
                    new ExplorerAsset(ExplorerAssetKind.Legend),
                    "weight color scale",
                    "legend-bar"
                )
                + "<span>"
                + Num(scale)
                + "</span><span class=\"note\">one scale for the row</span></div></section>"
        );
    }

    static string InputName(int c) =>
        c switch
        {
            0 => "input R",
            1 => "input G",
            2 => "input B",
            _ => $"input {c}",
        };

    static int IndexOf(ExplorerSite site, ExplorerLayer l) => site.Plan.Layers.ToList().IndexOf(l);

    /// <summary>The unit before/after (crossing into the neighbouring shown layer at the ends), or
    /// (null, -1).</summary>
    static (string? Layer, int Unit) Step(ExplorerSite site, ExplorerLayer l, int unit, int dir)
    {
        var units = site.Units(l);
        int pos = unit + dir;
        if (pos >= 0 && pos < units.Count)
            return (l.Name, units[pos]);
        int li = IndexOf(site, l) + dir;
        if (li < 0 || li >= site.Plan.Layers.Count)
            return (null, -1);
        var other = site.Plan.Layers[li];
        var ou = site.Units(other);
        return (other.Name, dir > 0 ? ou[0] : ou[^1]);
    }

    sealed class PageBuilder(ExplorerSite site, string path)
    {
        readonly StringBuilder _sb = new();
        readonly List<ExplorerAsset> _assets = [];

        public void Add(string html) => _sb.Append(html).Append('\n');

        // preload: the api URL of the page's placeholders, asked for as the head is read, before
        // the page's pictures take the browser's 6 connections (each held while its picture
        // renders).
        public void Head(string title, string? preload = null) =>
            Add(
                "<!DOCTYPE html><html lang=\"en\""
                    + (site.Served ? " data-served=\"1\"" : "")
                    + "><head><meta charset=\"utf-8\">"
                    + (
                        preload is null
                            ? ""
                            : $"<link rel=\"preload\" href=\"{preload}\" as=\"fetch\" crossorigin=\"anonymous\">"
                    )
                    + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"icon\" href=\"data:,\">"
                    + $"<title>{Escape(title)}</title><link rel=\"stylesheet\" href=\"{ExplorerPaths.Style}\"></head><body>"
            );

        public void Crumbs(params (string? Href, string Text)[] items) =>
            Add(
                "<nav class=\"crumbs\" aria-label=\"breadcrumbs\">"
                    + string.Join(
                        "<span class=\"sep\">›</span>",
                        items.Select(i =>
                            i.Href is null
                                ? $"<span aria-current=\"page\">{Escape(i.Text)}</span>"
                                : $"<a href=\"{i.Href}\">{Escape(i.Text)}</a>"
                        )
                    )
                    + "</nav>"
            );

        public void Nav(
            string? prev,
            string? prevText,
            string? up,
            string? next,
            string? nextText
        ) =>
            Add(
                "<nav class=\"pager\">"
                    + (
                        prev is null
                            ? "<span class=\"off\">← previous</span>"
                            : $"<a rel=\"prev\" href=\"{prev}\">← {Escape(prevText)}</a>"
                    )
                    + (up is null ? "" : $"<a rel=\"up\" href=\"{up}\">↑ up</a>")
                    + (
                        next is null
                            ? "<span class=\"off\">next →</span>"
                            : $"<a rel=\"next\" href=\"{next}\">{Escape(nextText)} →</a>"
                    )
                    + "<span class=\"keys\">keys: ← → ↑</span></nav>"
            );

        // Served, a picture that costs an optimization names its URL in data-queue-src: the page
        // script asks for at most a few of them at once (each request is held while its picture
        // renders), so the quick pictures and the api find a free connection of the browser's 6.
        public string Img(ExplorerAsset a, string alt, string cls)
        {
            _assets.Add(a);
            string src =
                !site.Served ? $"src=\"{a.Path}\""
                : ExplorerRenderOrder.Optimizes(a) ? $"data-queue-src=\"{a.Path}\""
                : $"src=\"{a.Path}\" loading=\"lazy\"";
            return $"<img class=\"{cls}\" {src} alt=\"{Escape(alt)}\" title=\"{Escape(alt)}\">";
        }

        /// <summary>The HTML added since the last call (a fragment of a page).</summary>
        public string Take()
        {
            var html = _sb.ToString();
            _sb.Clear();
            return html;
        }

        public ExplorerPage Finish()
        {
            Add(
                $"<footer>Notebooks.Weights weight explorer · {Escape(site.Model.Name)} · weights {Escape(site.Model.WeightsHash)}</footer>"
                    + $"<script src=\"{ExplorerPaths.Script}\"></script></body></html>"
            );
            return new ExplorerPage(path, _sb.ToString(), _assets.Distinct().ToList());
        }
    }
}
