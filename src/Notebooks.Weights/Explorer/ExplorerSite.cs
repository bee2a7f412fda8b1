using Notebooks.Weights.Connections;
using Notebooks.Weights.Decomposition;
using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Models;
using Notebooks.Weights.Rendering;
using static TorchSharp.torch;

namespace Notebooks.Weights.Explorer;

/// <summary>
/// A weight explorer for one model (the InceptionV1 weight explorer of Lucid's companion notebook,
/// for any model the project loads): pages (<see cref="ExplorerPages"/>) and the pictures they link
/// (<see cref="ExplorerAsset"/>), all drawn with the library's views. Feature visualizations come
/// from a <see cref="FeatureVisCache"/> (rendered once, on disk); NMF grids, banding, statistics
/// and expanded weights are computed once per layer, on first need (<see cref="Data"/>;
/// <see cref="Prepare"/> computes them all up front for a static site). Used by
/// <see cref="ExplorerSiteWriter"/> (a static site) and by <c>weights explore --serve</c>.
/// </summary>
public sealed class ExplorerSite : IDisposable
{
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, ExplorerLayerData> _data =
        new(StringComparer.Ordinal);
    readonly object _modelLock = new();

    /// <summary>The model.</summary>
    public VisionModel Model { get; }

    /// <summary>Which layers are shown and how they connect.</summary>
    public ExplorerPlan Plan { get; }

    /// <summary>The settings.</summary>
    public ExplorerOptions Options { get; }

    /// <summary>Settings of every feature visualization of the site.</summary>
    public FeatureVisSettings FeatureVisSettings { get; }

    /// <summary>The disk cache of feature visualizations.</summary>
    public FeatureVisCache FeatureVisCache { get; }

    /// <summary>True when pages are served (they load <see cref="ExplorerPaths.Script"/> with
    /// progressive loading).</summary>
    public bool Served { get; set; }

    ExplorerSite(VisionModel model, ExplorerPlan plan, ExplorerOptions options)
    {
        Model = model;
        Plan = plan;
        Options = options;
        int size = options.FeatureVisSize ?? Math.Min(128, model.Input.DefaultSize);
        FeatureVisSettings = new FeatureVisSettings(size, options.FeatureVisSteps, options.Seed);
        FeatureVisCache = new FeatureVisCache(options.FeatureVisCacheRoot)
        {
            UseLucidHosted = options.LucidHosted,
            LucidBaseUrl = options.LucidBaseUrl ?? FeatureVisCache.LucidHostedBaseUrl,
        };
    }

    /// <summary>An explorer of <paramref name="model"/> (not owned). Bad settings or layers throw
    /// with the reason (see <see cref="ExplorerPlan.Create"/>).</summary>
    public static ExplorerSite Create(VisionModel model, ExplorerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new ExplorerOptions();
        options.Validate();
        if (model.Input.Channels != 3)
            throw new ArgumentException(
                $"Model '{model.Name}' cannot be visualized: feature visualization optimizes RGB images, but the model takes {model.Input.Channels} input channel(s)."
            );
        if (
            options.LucidHosted
            && !string.Equals(
                model.Name,
                Models.InceptionV1.InceptionV1Model.Name,
                StringComparison.OrdinalIgnoreCase
            )
        )
            throw new ArgumentException(
                $"Lucid hosted feature visualizations only for InceptionV1; model '{model.Name}' must be rendered locally (drop --lucid-hosted)."
            );
        return new ExplorerSite(
            model,
            ExplorerPlan.Create(model, options.Layers, options.ExpandedWidth),
            options
        );
    }

    /// <summary>The units of <paramref name="layer"/> that get pages (all, or the first
    /// <see cref="ExplorerOptions.UnitsPerLayer"/>).</summary>
    public IReadOnlyList<int> Units(ExplorerLayer layer) =>
        Enumerable
            .Range(0, Math.Min(layer.Channels, Options.UnitsPerLayer ?? int.MaxValue))
            .ToList();

    /// <summary>True when unit <paramref name="unit"/> of <paramref name="layer"/> has a
    /// page.</summary>
    public bool HasPage(string layer, int unit) =>
        Plan.Layers.FirstOrDefault(l => l.Name == layer) is { } l
        && unit >= 0
        && unit < Units(l).Count;

    /// <summary>Every page path of the site: the index, then per layer its page and its units'
    /// pages.</summary>
    public IEnumerable<string> PagePaths()
    {
        yield return ExplorerPaths.Index;
        foreach (var l in Plan.Layers)
        {
            yield return ExplorerPaths.LayerPage(l.Name);
            foreach (var u in Units(l))
                yield return ExplorerPaths.UnitPage(l.Name, u);
        }
    }

    /// <summary>Computes the per-layer data of every shown layer and of the layers after them
    /// (whose inputs they are).</summary>
    public void Prepare(
        Action<ExplorerProgress>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        var needed = Plan
            .Layers.Concat(Plan.Layers.Select(Plan.Next).OfType<ExplorerLayer>())
            .Distinct()
            .ToList();
        for (int i = 0; i < needed.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Invoke(new ExplorerProgress("layers", i, needed.Count, needed[i].Name));
            Data(needed[i].Name);
        }
        progress?.Invoke(new ExplorerProgress("layers", needed.Count, needed.Count));
    }

    /// <summary>True when the data of <paramref name="layer"/> is computed (<see cref="Data"/>
    /// returns at once).</summary>
    public bool IsPrepared(string layer) => _data.ContainsKey(layer);

    /// <summary>
    /// The computed data of candidate layer <paramref name="layer"/>, computed on first use, once
    /// (thread-safe: concurrent callers of a layer being prepared wait for it; the model is used by
    /// one computation at a time).
    /// </summary>
    public ExplorerLayerData Data(string layer)
    {
        if (_data.TryGetValue(layer, out var ready))
            return ready;
        lock (_modelLock)
        {
            if (_data.TryGetValue(layer, out var d))
                return d;
            var l = Plan.Find(layer)
                ?? throw new ArgumentException(
                    $"'{layer}' is not an explorable layer of {Model.Name}.",
                    nameof(layer)
                );
            using var scope = NewDisposeScope();
            Tensor expanded;
            try
            {
                expanded = ExpandedWeights
                    .Get(Model, l.Source, l.Name, l.ExpandedWidth ?? Options.ExpandedWidth)
                    .detach()
                    .to_type(ScalarType.Float32)
                    .cpu();
            }
            catch (Exception e)
                when (e
                        is InvalidOperationException
                            or ArgumentException
                            or System.Runtime.InteropServices.ExternalException
                )
            {
                throw new InvalidOperationException(
                    $"Model '{Model.Name}' cannot be explored: the expanded weights {l.Source} -> {l.Name} failed ({e.Message}).",
                    e
                );
            }
            // A graph-cut layer's weights are its expanded weights [W, W, C_prev, C] as [C, C_prev,
            // W, W].
            var weight = l.WeightParameter is { } p
                ? Model.Parameters[p].detach().to_type(ScalarType.Float32).cpu().clone()
                : expanded.permute(3, 2, 0, 1).contiguous();
            var stats = LayerStatistics.Of(l.WeightLabel, weight);
            LayerBanding? banding = null;
            string? note = null;
            try
            {
                banding = BandingScore.ForLayer(weight);
            }
            catch (ArgumentException e)
            {
                note = e.Message;
            }
            // 3 factors per unit, fewer when a unit's weights have fewer positions or inputs (a 1×1
            // conv such as InceptionV1's conv2d1).
            int factors = (int)
                Math.Min(3, Math.Min(weight.shape[2] * weight.shape[3], weight.shape[1]));
            var grid = LayerFactorGrid.Compute(
                weight,
                factors,
                new NmfOptions { Components = factors, Seed = Options.Seed }
            );
            d = new ExplorerLayerData
            {
                Layer = l,
                Weight = weight.DetachFromDisposeScope(),
                Statistics = stats,
                Banding = banding,
                BandingNote = note,
                Factors = grid,
                Expanded = expanded.DetachFromDisposeScope(),
            };
            foreach (var t in new[] { grid.Images, grid.AlignedFactors, grid.Palette })
                t.DetachFromDisposeScope();
            _data[layer] = d;
            return d;
        }
    }

    /// <summary>The <see cref="ExplorerOptions.TopK"/> strongest inputs of a unit (by
    /// expanded-weight norm; <see cref="TopConnections.In"/>).</summary>
    public IReadOnlyList<(int Index, float Norm)> TopInputs(string layer, int unit)
    {
        var d = Data(layer);
        using var scope = NewDisposeScope();
        return TopConnections
            .In(d.Expanded, unit, Math.Min(Options.TopK, (int)d.Expanded.shape[2]))
            .Select(c => (c.Index, c.Norm))
            .ToList();
    }

    /// <summary>The strongest outputs of a unit into the next explorable layer, or an empty list
    /// for the last layer.</summary>
    public IReadOnlyList<(int Index, float Norm)> TopOutputs(string layer, int unit)
    {
        if (Plan.Next(Plan.Find(layer)!) is not { } next)
            return [];
        var d = Data(next.Name);
        using var scope = NewDisposeScope();
        return TopConnections
            .Out(d.Expanded, unit, Math.Min(Options.TopK, (int)d.Expanded.shape[3]))
            .Select(c => (c.Index, c.Norm))
            .ToList();
    }

    /// <summary>The top-inputs row of a unit: <see cref="NeuronWithWeightRow.Create"/> over
    /// <c>W[..., unit]</c> (one color scale for the row).</summary>
    public NeuronWithWeightRow InputRow(string layer, int unit)
    {
        var d = Data(layer);
        using var scope = NewDisposeScope();
        return NeuronWithWeightRow.Create(
            d.Layer.Previous,
            TopInputs(layer, unit).Select(c => c.Index).ToList(),
            d.Expanded.select(3, unit),
            title: $"strongest inputs from {d.Layer.Previous}"
        );
    }

    /// <summary>The top-outputs row of a unit (<c>W[..., unit, :]</c> of the next layer), or null
    /// for the last layer.</summary>
    public NeuronWithWeightRow? OutputRow(string layer, int unit)
    {
        if (Plan.Next(Plan.Find(layer)!) is not { } next)
            return null;
        var d = Data(next.Name);
        using var scope = NewDisposeScope();
        return NeuronWithWeightRow.Create(
            next.Name,
            TopOutputs(layer, unit).Select(c => c.Index).ToList(),
            d.Expanded.select(2, unit),
            title: $"strongest outputs to {next.Name}"
        );
    }

    /// <summary>True when the feature visualization of the unit is in the disk cache.</summary>
    public bool HasFeatureVis(string layer, int unit) => File.Exists(FeatureVisFile(layer, unit));

    /// <summary>The units of <paramref name="layer"/> among <paramref name="units"/> whose feature
    /// visualization is not in the disk cache (not downloaded yet, with
    /// <see cref="ExplorerOptions.LucidHosted"/>).</summary>
    public IReadOnlyList<int> MissingFeatureVis(string layer, IEnumerable<int> units) =>
        Options.LucidHosted
            ? units.Distinct().Where(u => !HasFeatureVis(layer, u)).ToList()
            : FeatureVisCache.Missing(Model, layer, units, FeatureVisSettings);

    /// <summary>The file of a unit's feature visualization: rendered (in the cache), or Lucid's
    /// hosted image once downloaded.</summary>
    string FeatureVisFile(string layer, int unit) =>
        Options.LucidHosted
            ? FeatureVisCache.LucidHostedPath(layer, unit)
            : FeatureVisCache.PathFor(Model, layer, unit, FeatureVisSettings);

    /// <summary>
    /// Renders (or reads) the feature visualizations of <paramref name="units"/> of
    /// <paramref name="layer"/> in batches of <see cref="ExplorerOptions.FeatureVisBatch"/>. A
    /// model whose feature visualization fails throws <see cref="InvalidOperationException"/>
    /// saying it cannot be visualized, with the cause.
    /// </summary>
    public void RenderFeatureVis(
        string layer,
        IReadOnlyList<int> units,
        Action<RenderProgress>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        if (Options.LucidHosted)
        {
            // Downloads (once, into <cache>/lucid-hosted/); no model work, so no model lock.
            foreach (var u in MissingFeatureVis(layer, units))
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                FeatureVisCache.GetLucidHosted(Model, layer, u, cancellationToken);
            }
            return;
        }
        var todo = FeatureVisCache.Missing(Model, layer, units, FeatureVisSettings).ToList();
        for (int s = 0; s < todo.Count; s += Options.FeatureVisBatch)
        {
            var batch = todo.GetRange(s, Math.Min(Options.FeatureVisBatch, todo.Count - s));
            lock (_modelLock)
            {
                try
                {
                    using var scope = NewDisposeScope();
                    FeatureVisCache.GetOrRender(
                        Model,
                        layer,
                        batch,
                        FeatureVisSettings,
                        progress,
                        cancellationToken
                    );
                }
                catch (Exception e)
                    when (e is not OperationCanceledException
                        && e
                            is ArgumentException
                                or InvalidOperationException
                                or System.Runtime.InteropServices.ExternalException
                    )
                {
                    throw new InvalidOperationException(
                        $"Model '{Model.Name}' cannot be visualized: feature visualization of {layer} units {string.Join(",", batch.Take(4))}{(batch.Count > 4 ? ",..." : "")} failed: {e.Message.Split('\n')[0]}",
                        e
                    );
                }
            }
        }
    }

    /// <summary>The PNG of <paramref name="asset"/>, drawn with the library's views (feature
    /// visualizations rendered if missing).</summary>
    public byte[] RenderAsset(ExplorerAsset asset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(asset);
        switch (asset.Kind)
        {
            case ExplorerAssetKind.Legend:
                return new ColorLegend(1).ToPng();
            case ExplorerAssetKind.InputSwatch:
            {
                var px = new float[3];
                if (asset.Unit is >= 0 and < 3)
                    px[asset.Unit] = 1;
                else
                    Array.Fill(px, 0.5f);
                return new Image(1, 1, 3, px).ToPng(16);
            }
            case ExplorerAssetKind.Spatial:
                return SpatialViews(asset.Layer, asset.Unit, cancellationToken)
                    .ToPng(Math.Max(1, 96 / SpatialSize));
            case ExplorerAssetKind.Interaction:
                return InteractionPanel(asset.Layer, asset.Unit, asset.Other).ToPng();
            case ExplorerAssetKind.FeatureVis:
            {
                RenderFeatureVis(asset.Layer, [asset.Unit], null, cancellationToken);
                using var scope = NewDisposeScope();
                var t = ImageFiles.Load(FeatureVisFile(asset.Layer, asset.Unit));
                return Image.FromTensor(t).ToPng();
            }
        }
        var d = Data(asset.Layer);
        CheckUnit(
            d.Layer,
            asset.Unit,
            asset.Kind == ExplorerAssetKind.LayerNmf
                || asset.Kind == ExplorerAssetKind.LayerHistogram
        );
        using (NewDisposeScope())
        {
            int kh = (int)d.Weight.shape[2];
            int scale = Math.Max(1, 48 / Math.Max(1, kh));
            switch (asset.Kind)
            {
                case ExplorerAssetKind.UnitNmf:
                    return Image
                        .FromTensor(d.Factors.Images[asset.Unit], ImageDomain.Unit)
                        .ToPng(scale);
                case ExplorerAssetKind.UnitFactor:
                {
                    var aligned = d.Factors.AlignedFactors[asset.Unit]; // [kH, kW, K]
                    int k = (int)aligned.shape[2];
                    if (asset.Other < 0 || asset.Other >= k)
                        throw new ArgumentOutOfRangeException(
                            nameof(asset),
                            $"factor {asset.Other} does not exist; units have {k} NMF factors."
                        );
                    var mask = zeros(k, dtype: aligned.dtype);
                    mask[asset.Other] = tensor(1.0, dtype: aligned.dtype);
                    return Image
                        .FromTensor(CollapseChannels.Collapse(aligned * mask), ImageDomain.Unit)
                        .ToPng(scale);
                }
                case ExplorerAssetKind.InputWeight:
                case ExplorerAssetKind.OutputWeight:
                {
                    var row =
                        asset.Kind == ExplorerAssetKind.InputWeight
                            ? InputRow(asset.Layer, asset.Unit)
                            : OutputRow(asset.Layer, asset.Unit);
                    var n = row?.Neurons.FirstOrDefault(c => c.Unit == asset.Other)
                        ?? throw new ArgumentException(
                            $"{asset.Other} is not among the top connections of {asset.Layer}:{asset.Unit}.",
                            nameof(asset)
                        );
                    return n.Weight.ToPng(Math.Max(1, 48 / n.Weight.Height));
                }
                case ExplorerAssetKind.AllInputs:
                    return AllInputsGrid(d, asset.Unit).ToPng(10);
                case ExplorerAssetKind.LayerNmf:
                    return Image
                        .FromTensor(d.Factors.Mosaic(columns: 16), ImageDomain.Unit)
                        .ToPng(Math.Max(1, 24 / Math.Max(1, kh)));
                case ExplorerAssetKind.LayerHistogram:
                {
                    var h = d.Statistics.Histogram;
                    return new Rendering.Histogram(
                        h.Counts.Select(c => (int)c).ToList(),
                        h.Edges[0],
                        h.Edges[^1]
                    ).ToPng();
                }
            }
        }
        throw new ArgumentOutOfRangeException(nameof(asset), asset.Kind, "unknown asset kind");
    }

    /// <summary>True when unit pages show the spatial-position views (served, or
    /// <see cref="ExplorerOptions.Spatial"/>; not when the inputs are the model's input
    /// channels).</summary>
    public bool ShowsSpatial(ExplorerLayer layer) =>
        (Served || Options.Spatial) && !layer.PreviousIsInput;

    /// <summary>Pixel size of each spatial-position view:
    /// <see cref="ExplorerOptions.SpatialSize"/>, at most the feature-vis size.</summary>
    public int SpatialSize => Math.Min(Options.SpatialSize, FeatureVisSettings.Size);

    /// <summary>
    /// The spatial-position views of <paramref name="unit"/> of <paramref name="layer"/> (the
    /// notebook's <c>build_img_grid(vis_vecs(layer1, W[..., unit]))</c>): for every position of its
    /// [W, W, C_source] expanded weights from <see cref="ExplorerLayer.Source"/>, a feature
    /// visualization of that position's weight vector as a direction of the source layer
    /// (<see cref="NotebookHelpers.VisVecs"/>: <c>direction_neuron</c>, all positions in one batch,
    /// cached on disk per vector), tiled in place and faded by the position's weight norm.
    /// Positions without weight stay gray.
    /// </summary>
    public Image SpatialViews(string layer, int unit, CancellationToken cancellationToken = default)
    {
        var l = Plan.Find(layer)
            ?? throw new ArgumentException(
                $"'{layer}' is not an explorable layer of {Model.Name}.",
                nameof(layer)
            );
        CheckUnit(l, unit, false);
        if (l.PreviousIsInput)
            throw new ArgumentException(
                $"Layer {layer} reads the model's input channels: it has no spatial-position views.",
                nameof(layer)
            );
        var d = Data(layer);
        lock (_modelLock)
        {
            using var scope = NewDisposeScope();
            var vecs = d.Expanded.select(3, unit).contiguous(); // [W, W, C_source]
            try
            {
                using var r = NotebookHelpers.VisVecs(
                    Model,
                    l.Source,
                    vecs,
                    size: SpatialSize,
                    steps: Options.FeatureVisSteps,
                    seed: Options.Seed,
                    skipZero: true,
                    cancellationToken: cancellationToken,
                    cache: FeatureVisCache
                );
                // A unit with no weight at all from the source has nothing to fade by (every view
                // is gray then).
                return ImgGrid.Build(
                    r.Images,
                    r.Magnitudes.max().item<float>() > 0 ? r.Magnitudes : null
                );
            }
            catch (Exception e)
                when (e is not OperationCanceledException
                    && e
                        is ArgumentException
                            or InvalidOperationException
                            or System.Runtime.InteropServices.ExternalException
                )
            {
                throw new InvalidOperationException(
                    $"Model '{Model.Name}' cannot be visualized: the spatial-position views of {layer}:{unit} (directions of {l.Source}) failed: {e.Message.Split('\n')[0]}",
                    e
                );
            }
        }
    }

    /// <summary>True when unit pages show the interaction panel (served, or
    /// <see cref="ExplorerOptions.Interactions"/>; not for inputs that are the model's input
    /// channels).</summary>
    public bool ShowsInteractions(ExplorerLayer layer) =>
        (Served || Options.Interactions) && !layer.PreviousIsInput;

    /// <summary>
    /// The interaction card (issue 20's view, <see cref="InteractionCard.ForPair"/>) of input
    /// <paramref name="input"/> (a unit of the layer's <see cref="ExplorerLayer.Source"/>, which
    /// the top-inputs row indexes) → <paramref name="unit"/> of <paramref name="layer"/>, over the
    /// layer's expanded-weights crop: the expanded weight and the best case, an image optimized for
    /// <see cref="ExplorerOptions.InteractionSteps"/> steps at the model's input size (seeded).
    /// </summary>
    public InteractionCard InteractionPanel(string layer, int unit, int input)
    {
        var l = Plan.Find(layer)
            ?? throw new ArgumentException(
                $"'{layer}' is not an explorable layer of {Model.Name}.",
                nameof(layer)
            );
        CheckUnit(l, unit, false);
        if (l.PreviousIsInput)
            throw new ArgumentException(
                $"Layer {layer} reads the model's input channels: it has no interaction panel.",
                nameof(layer)
            );
        if (input < 0 || input >= l.WeightShape[1])
            throw new ArgumentOutOfRangeException(
                nameof(input),
                input,
                $"input {input} is out of range for {l.Source} with {l.WeightShape[1]} channels."
            );
        // At the model's input size: smaller images shrink the deep layers' maps below the crop
        // (ResNet18 layer4 at 128 px: 4×4) and the best case found there was no excitation at all
        // (an all-zero map); at 224 px it is 1.15× the expanded weight.
        var best = new Interactions.BestCaseOptions
        {
            Steps = Options.InteractionSteps,
            Seed = Options.Seed,
        };
        lock (_modelLock)
        {
            try
            {
                return InteractionCard.ForPair(
                    Model,
                    new Interactions.UnitRef(l.Source, input),
                    new Interactions.UnitRef(l.Name, unit),
                    width: l.ExpandedWidth ?? Options.ExpandedWidth,
                    best: best
                );
            }
            catch (Exception e)
                when (e
                        is ArgumentException
                            or InvalidOperationException
                            or System.Runtime.InteropServices.ExternalException
                )
            {
                throw new InvalidOperationException(
                    $"The interaction {l.Source}:{input} -> {layer}:{unit} of {Model.Name} failed: {e.Message.Split('\n')[0]}",
                    e
                );
            }
        }
    }

    /// <summary>
    /// Every input's expanded-weight heatmap of a unit (one color scale: the unit's max |w|), tiled
    /// 8 per row in input order with <see cref="ImgGrid.Build"/>; empty cells of the last row are
    /// light gray.
    /// </summary>
    public Image AllInputsGrid(ExplorerLayerData d, int unit)
    {
        using var scope = NewDisposeScope();
        var w = d.Expanded.select(3, unit).contiguous(); // [W, W, C1]
        int s = (int)w.shape[0],
            c1 = (int)w.shape[2],
            cols = Math.Min(8, c1),
            rows = (c1 + cols - 1) / cols;
        var all = w.data<float>().ToArray();
        var norm = WeightNormalization.DivideBy(WeightNormalization.MaxAbs.Divisor(all));
        var cells = new float[rows * cols * s * s * 3];
        Array.Fill(cells, 0.9f);
        for (int i = 0; i < c1; i++)
        {
            var slice = new float[s * s];
            for (int p = 0; p < s * s; p++)
                slice[p] = all[p * c1 + i];
            var img = WeightColorScale.Heatmap(slice, s, s, norm).Image;
            for (int y = 0; y < s; y++)
            for (int x = 0; x < s; x++)
            for (int c = 0; c < 3; c++)
                cells[((i * s + y) * s + x) * 3 + c] = img[y, x, c];
        }
        return ImgGrid.Build(tensor(cells, [rows, cols, s, s, 3]));
    }

    static void CheckUnit(ExplorerLayer layer, int unit, bool layerAsset)
    {
        if (layerAsset)
            return;
        if (unit < 0 || unit >= layer.Channels)
            throw new ArgumentOutOfRangeException(
                nameof(unit),
                unit,
                $"unit {unit} is out of range for layer {layer.Name} with {layer.Channels} channels."
            );
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_modelLock)
        {
            foreach (var d in _data.Values)
                d.Dispose();
            _data.Clear();
        }
    }
}
