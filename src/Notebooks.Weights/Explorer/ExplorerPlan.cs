using Notebooks.Weights.Models;

namespace Notebooks.Weights.Explorer;

/// <summary>
/// Which layers a weight explorer shows and how they connect. Candidates are the model's top-level spatial layers
/// whose module holds exactly one conv weight [C_out, C_in, kH, kW] with C_out equal to the layer's channels (for the
/// bundled model conv2d0..conv2d3). Each candidate's previous layer is the candidate before it; the expanded weights
/// run from the layer right before it (<see cref="ExplorerLayer.Source"/>) so they are exactly what
/// <see cref="Weights.ExpandedWeights"/> computes for the notebook's pairs (<c>maxpool0 → conv2d1</c>, ...).
/// </summary>
public sealed class ExplorerPlan
{
    /// <summary>Every explorable layer of the model, in execution order.</summary>
    public IReadOnlyList<ExplorerLayer> Candidates { get; }
    /// <summary>The layers that get pages, in execution order.</summary>
    public IReadOnlyList<ExplorerLayer> Layers { get; }

    ExplorerPlan(IReadOnlyList<ExplorerLayer> candidates, IReadOnlyList<ExplorerLayer> layers) { Candidates = candidates; Layers = layers; }

    /// <summary>The candidate called <paramref name="name"/>, or null.</summary>
    public ExplorerLayer? Find(string name) => Candidates.FirstOrDefault(l => l.Name == name);

    /// <summary>The candidate after <paramref name="layer"/> (whose inputs are this layer's units), or null for the last.</summary>
    public ExplorerLayer? Next(ExplorerLayer layer) => Candidates.FirstOrDefault(l => l.Previous == layer.Name);

    /// <summary>True when <paramref name="layer"/> gets pages.</summary>
    public bool IsExplored(string layer) => Layers.Any(l => l.Name == layer);

    /// <summary>
    /// Resolves the plan. Unknown layer names throw <see cref="UnknownLayerException"/> (with the nearest names); a known
    /// layer that is not a conv layer, or a model without any, throws <see cref="ArgumentException"/> listing the explorable ones.
    /// </summary>
    public static ExplorerPlan Create(VisionModel model, IReadOnlyList<string>? layers = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        IReadOnlyList<LayerInfo> table;
        try { table = model.Layers(); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.Runtime.InteropServices.ExternalException)
        {
            throw new ArgumentException($"Model '{model.Name}' cannot be explored: its forward pass on a {model.Input.DefaultSize} px input failed ({e.Message}).", e);
        }
        var top = table.Where(l => l.Name == VisionModel.InputLayer || !model.Layer(l.Name).ModulePath.Contains('.')).ToList();
        var parameters = model.Module.named_parameters().Select(p => (p.name, shape: p.parameter.shape)).ToList();
        var candidates = new List<ExplorerLayer>();
        string previous = VisionModel.InputLayer;
        for (int i = 1; i < top.Count; i++)
        {
            var info = top[i];
            if (!info.IsSpatial) continue;
            var path = model.Layer(info.Name).ModulePath;
            var convs = parameters.Where(p => p.shape.Length == 4 && p.shape[0] == info.Channels
                                              && (p.name.StartsWith(path + ".", StringComparison.Ordinal))).ToList();
            if (convs.Count != 1) continue;
            var source = top[i - 1];
            var prevInfo = top.First(l => l.Name == previous);
            // The inputs are shown as the previous conv layer's units when only channel-preserving pooling lies between.
            bool passThrough = top.SkipWhile(l => l.Name != previous).Skip(1).TakeWhile(l => l.Name != info.Name)
                .All(l => l.Channels == prevInfo.Channels && l.Kind.Contains("Pool", StringComparison.OrdinalIgnoreCase));
            var shown = passThrough && source.Channels == prevInfo.Channels ? previous : source.Name;
            if (convs[0].shape[1] != source.Channels) continue; // the conv does not read the layer before it
            candidates.Add(new ExplorerLayer(info.Name, info.Kind, (int)info.Channels, info.Height, info.Width, convs[0].name, convs[0].shape, shown, source.Name));
            previous = info.Name;
        }
        if (candidates.Count == 0)
            throw new ArgumentException($"Model '{model.Name}' cannot be explored: none of its layers is a conv layer (a top-level spatial layer with one conv weight [C_out, C_in, kH, kW]). " +
                                        $"Its layers: {string.Join(", ", top.Skip(1).Select(l => $"{l.Name} ({l.Kind})"))}.");
        if (layers is null) return new ExplorerPlan(candidates, candidates);
        if (layers.Count == 0) throw new ArgumentException("The layer list is empty; name at least one layer or leave it out for every conv layer.", nameof(layers));
        var chosen = new List<ExplorerLayer>();
        foreach (var name in layers)
        {
            model.Layer(name); // unknown names: nearest valid names
            var c = candidates.FirstOrDefault(l => l.Name == name)
                    ?? throw new ArgumentException($"Layer '{name}' of {model.Name} is not a conv layer the explorer can show; explorable layers: {string.Join(", ", candidates.Select(l => l.Name))}.", nameof(layers));
            if (chosen.Contains(c)) throw new ArgumentException($"Layer '{name}' is listed twice.", nameof(layers));
            chosen.Add(c);
        }
        return new ExplorerPlan(candidates, candidates.Where(chosen.Contains).ToList());
    }
}
