using Notebooks.Weights.Connections;
using Notebooks.Weights.Models;
using Notebooks.Weights.Walkthrough;

namespace Notebooks.Weights.Explorer;

/// <summary>
/// Which layers a weight explorer shows and how they connect. Candidates are the model's top-level
/// spatial layers whose module holds exactly one conv weight [C_out, C_in, kH, kW] with C_out equal
/// to the layer's channels (for the bundled model conv2d0..conv2d3). Each candidate's previous
/// layer is the candidate before it; the expanded weights run from the layer right before it
/// (<see cref="ExplorerLayer.Source"/>) so they are exactly what
/// <see cref="Connections.ExpandedWeights"/> computes for the notebook's pairs (<c>maxpool0 →
/// conv2d1</c>, ...).
/// <para>
/// Models without such layers (ResNet18, InceptionV1, ONNX imports, whose top-level layers are
/// blocks or graph nodes) are explored at the <b>cuts</b> of their graph that have a kernel before
/// them (<see cref="WalkthroughGraph.Cuts"/>: ResNet18's conv1 and block outputs layer1.0 …
/// layer4.x), as Lucid's InceptionV1 explorer shows its mixed blocks. A model that reports its main
/// path (<see cref="IModuleTrunk"/>: InceptionV1) gets its conv layers on it (conv2d0 … conv2d2)
/// and then its cuts from it (mixed3a … mixed5b, <see cref="TrunkCuts"/>) without running it
/// layer by layer, and no auxiliary head. Such a layer has no single conv weight: its weights are
/// the expanded weights from the cut before it (<see cref="ExplorerLayer.WeightParameter"/> is
/// null), and every statistic, banding score and NMF picture of the layer is taken of them.
/// </para>
/// </summary>
public sealed class ExplorerPlan
{
    /// <summary>Every explorable layer of the model, in execution order.</summary>
    public IReadOnlyList<ExplorerLayer> Candidates { get; }

    /// <summary>The layers that get pages, in execution order.</summary>
    public IReadOnlyList<ExplorerLayer> Layers { get; }

    ExplorerPlan(IReadOnlyList<ExplorerLayer> candidates, IReadOnlyList<ExplorerLayer> layers)
    {
        Candidates = candidates;
        Layers = layers;
    }

    /// <summary>The candidate called <paramref name="name"/>, or null.</summary>
    public ExplorerLayer? Find(string name) => Candidates.FirstOrDefault(l => l.Name == name);

    /// <summary>The candidate after <paramref name="layer"/> (whose inputs are this layer's units),
    /// or null for the last.</summary>
    public ExplorerLayer? Next(ExplorerLayer layer) =>
        Candidates.FirstOrDefault(l => l.Previous == layer.Name);

    /// <summary>True when <paramref name="layer"/> gets pages.</summary>
    public bool IsExplored(string layer) => Layers.Any(l => l.Name == layer);

    /// <summary>
    /// Resolves the plan. Unknown layer names throw <see cref="UnknownLayerException"/> (with the
    /// nearest names); a known layer that is not a conv layer, or a model without any, throws
    /// <see cref="ArgumentException"/> listing the explorable ones.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="layers">The layers that get pages (null: every candidate).</param>
    /// <param name="expandedWidth">Crop width of the expanded weights into graph-cut layers (before
    /// rounding up to their stride).</param>
    public static ExplorerPlan Create(
        VisionModel model,
        IReadOnlyList<string>? layers = null,
        int expandedWidth = 5
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        IReadOnlyList<LayerInfo> table;
        try
        {
            table = model.Layers();
        }
        catch (Exception e)
            when (e
                    is ArgumentException
                        or InvalidOperationException
                        or System.Runtime.InteropServices.ExternalException
            )
        {
            throw new ArgumentException(
                $"Model '{model.Name}' cannot be explored: its forward pass on a {model.Input.DefaultSize} px input failed ({e.Message}).",
                e
            );
        }
        var top = table
            .Where(l =>
                l.Name == VisionModel.InputLayer || !model.Layer(l.Name).ModulePath.Contains('.')
            )
            .ToList();
        var parameters = model
            .Module.named_parameters()
            .Select(p => (p.name, shape: p.parameter.shape))
            .ToList();
        var candidates = new List<ExplorerLayer>();
        string previous = VisionModel.InputLayer;
        for (int i = 1; i < top.Count; i++)
        {
            var info = top[i];
            if (!info.IsSpatial)
                continue;
            var path = model.Layer(info.Name).ModulePath;
            var convs = parameters
                .Where(p =>
                    p.shape.Length == 4
                    && p.shape[0] == info.Channels
                    && (p.name.StartsWith(path + ".", StringComparison.Ordinal))
                )
                .ToList();
            if (convs.Count != 1)
                continue;
            var source = top[i - 1];
            var prevInfo = top.First(l => l.Name == previous);
            // The inputs are shown as the previous conv layer's units when only channel-preserving
            // pooling or local response normalization (InceptionV1's conv2d0 → maxpool0 →
            // localresponsenorm0 → conv2d1) lies between.
            bool passThrough = top.SkipWhile(l => l.Name != previous)
                .Skip(1)
                .TakeWhile(l => l.Name != info.Name)
                .All(l => l.Channels == prevInfo.Channels && IsChannelPreserving(l.Kind));
            var shown =
                passThrough && source.Channels == prevInfo.Channels ? previous : source.Name;
            if (convs[0].shape[1] != source.Channels)
                continue; // the conv does not read the layer before it
            candidates.Add(
                new ExplorerLayer(
                    info.Name,
                    info.Kind,
                    (int)info.Channels,
                    info.Height,
                    info.Width,
                    convs[0].name,
                    convs[0].shape,
                    shown,
                    source.Name
                )
            );
            previous = info.Name;
        }
        if (model.Module is IModuleTrunk { Trunk: var trunk })
        {
            // A model that knows its main path (InceptionV1): its conv layers on it, then its cuts
            // after the last of them (mixed3a … mixed5b), read from the path (TrunkCuts, through
            // WalkthroughGraph.Cuts) with no forward pass per layer; the auxiliary heads are off
            // the path.
            var onTrunk = trunk.ToHashSet(StringComparer.Ordinal);
            candidates = candidates
                .Where(c => onTrunk.Contains(model.Layer(c.Name).ModulePath))
                .ToList();
            candidates.AddRange(
                CutCandidates(model, expandedWidth, candidates.LastOrDefault(), table)
            );
        }
        else
        {
            if (candidates.Count > 1)
                candidates = OnOutputPath(model, table, candidates);
            // Models without such conv layers (ResNet18, ONNX imports): the cuts of the graph.
            if (candidates.Count == 0)
                candidates.AddRange(CutCandidates(model, expandedWidth, null, table));
        }
        if (candidates.Count == 0)
            throw new ArgumentException(
                $"Model '{model.Name}' cannot be explored: none of its layers is a conv layer (a top-level spatial layer with one conv weight [C_out, C_in, kH, kW]) "
                    + "and its graph has no cut with a kernel before it (a block output such as ResNet's layer1.0 or InceptionV1's mixed3a). "
                    + $"Its layers: {string.Join(", ", top.Skip(1).Select(l => $"{l.Name} ({l.Kind})"))}."
            );
        if (layers is null)
            return new ExplorerPlan(candidates, candidates);
        if (layers.Count == 0)
            throw new ArgumentException(
                "The layer list is empty; name at least one layer or leave it out for every conv layer.",
                nameof(layers)
            );
        var chosen = new List<ExplorerLayer>();
        foreach (var name in layers)
        {
            model.Layer(name); // unknown names: nearest valid names
            var c = candidates.FirstOrDefault(l => l.Name == name)
                ?? throw new ArgumentException(
                    $"Layer '{name}' of {model.Name} is not a layer the explorer can show (a conv layer, or a cut of the graph with a kernel before it); explorable layers: {string.Join(", ", candidates.Select(l => l.Name))}.",
                    nameof(layers)
                );
            if (chosen.Contains(c))
                throw new ArgumentException($"Layer '{name}' is listed twice.", nameof(layers));
            chosen.Add(c);
        }
        return new ExplorerPlan(candidates, candidates.Where(chosen.Contains).ToList());
    }

    /// <summary>
    /// The candidates the model's output (its last layer) depends on: a conv layer whose output,
    /// replaced by noise, leaves the output unchanged is off the main path (InceptionV1's auxiliary
    /// heads, <c>head0_bottleneck</c> and <c>head1_bottleneck</c>) and is left out; a kept layer
    /// that read a left-out one shows its own source as inputs. One forward pass per candidate at
    /// the model's input size (seeded); when none would remain, all are kept.
    /// </summary>
    static List<ExplorerLayer> OnOutputPath(
        VisionModel model,
        IReadOnlyList<LayerInfo> table,
        List<ExplorerLayer> candidates
    )
    {
        var output = table[^1].Name;
        if (candidates.Any(c => c.Name == output))
            return candidates;
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var noGrad = TorchSharp.torch.no_grad();
        var gen = new TorchSharp.torch.Generator(0);
        int s = model.Input.DefaultSize;
        var x = model.Preprocess(
            TorchSharp.torch.rand([1, model.Input.Channels, s, s], generator: gen)
        );
        var baseline = model.Run(
            x,
            new RunOptions { Capture = [output, .. candidates.Select(c => c.Name)] }
        );
        var kept = candidates
            .Where(c =>
            {
                using var step = TorchSharp.torch.NewDisposeScope();
                var noise =
                    TorchSharp.torch.randn(baseline[c.Name].shape, generator: gen)
                    * (baseline[c.Name].std() + 1);
                var changed = model.Run(
                    x,
                    new RunOptions
                    {
                        Capture = [output],
                        Replace = new Dictionary<string, TorchSharp.torch.Tensor>
                        {
                            [c.Name] = noise,
                        },
                    }
                )[output];
                return (changed - baseline[output]).abs().max().item<float>() > 0;
            })
            .ToList();
        if (kept.Count == 0 || kept.Count == candidates.Count)
            return candidates;
        return kept.Select(c =>
                kept.Any(k => k.Name == c.Previous) || c.Previous == VisionModel.InputLayer
                    ? c
                    : c with
                    {
                        Previous = c.Source,
                    }
            )
            .ToList();
    }

    /// <summary>Parameter-free per-channel layers that keep a unit's identity: pooling and local
    /// response normalization.</summary>
    static bool IsChannelPreserving(string kind) =>
        kind.Contains("Pool", StringComparison.OrdinalIgnoreCase)
        || kind.Equals("LRN", StringComparison.OrdinalIgnoreCase)
        || kind.Contains("LocalResponseNorm", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The cuts of the model's graph with a kernel before them that come after
    /// <paramref name="after"/> (the last conv layer found by the first rule, whose inputs the
    /// first of them shows), each reading the cut before it (its
    /// <see cref="ExplorerLayer.Source"/>; the input for the first). Inputs are shown as the
    /// previous explorable layer's units when only kernel-free cuts with its channels (pooling) lie
    /// between. The expanded-weights width is
    /// <paramref name="baseWidth"/> rounded up to a multiple of the stride between the two layers
    /// and at most the source's map size (Derive's rule: fixed-padding graphs need an even window
    /// into a stride-2 block).
    /// </summary>
    static List<ExplorerLayer> CutCandidates(
        VisionModel model,
        int baseWidth,
        ExplorerLayer? after,
        IReadOnlyList<LayerInfo> table
    )
    {
        IReadOnlyList<GraphCut> cuts;
        try
        {
            cuts = WalkthroughGraph.Cuts(model);
        }
        catch (ArgumentException)
        {
            return [];
        }
        var input = table.First(l => l.Name == VisionModel.InputLayer);
        int start = after is null ? -1 : table.ToList().FindIndex(l => l.Name == after.Name);
        var result = new List<ExplorerLayer>();
        for (int i = 0; i < cuts.Count; i++)
        {
            var c = cuts[i];
            if (!c.Weighted || c.Position <= start)
                continue;
            var source = i == 0 ? input : cuts[i - 1].Info;
            string sourceName = i == 0 ? VisionModel.InputLayer : cuts[i - 1].Layer;
            var previous = result.Count == 0 ? after : result[^1];
            // Only kernel-free cuts (pooling) keeping the previous explorable layer's channels lie
            // between: show its units. (every cut between two explorable ones is kernel-free by
            // construction).
            bool passThrough =
                previous is not null
                && cuts.Take(i).Any(x => x.Layer == previous.Name)
                && cuts.Take(i)
                    .SkipWhile(x => x.Layer != previous.Name)
                    .Skip(1)
                    .All(x => x.Info.Channels == previous.Channels);
            string shown =
                i == 0 ? VisionModel.InputLayer
                : passThrough ? previous!.Name
                : sourceName;
            long stride = Math.Max(1, source.Height / Math.Max(1, c.Info.Height));
            int width = (int)
                Math.Min(
                    (baseWidth + stride - 1) / stride * stride,
                    Math.Min(source.Height, source.Width)
                );
            result.Add(
                new ExplorerLayer(
                    c.Layer,
                    c.Info.Kind,
                    (int)c.Info.Channels,
                    c.Info.Height,
                    c.Info.Width,
                    null,
                    [c.Info.Channels, source.Channels, width, width],
                    shown,
                    sourceName
                )
                {
                    ExpandedWidth = width,
                }
            );
        }
        return result;
    }
}
