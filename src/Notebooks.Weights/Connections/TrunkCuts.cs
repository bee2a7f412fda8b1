using Notebooks.Weights.Models;

namespace Notebooks.Weights.Connections;

/// <summary>
/// The cuts of a model that reports its main path (<see cref="IModuleTrunk"/>: InceptionV1's
/// <c>conv2d0</c> … <c>mixed5b</c>): every top-level child on the path cuts the graph by
/// construction, so they are read from the path and the model's layer table (its one forward pass)
/// instead of being searched for by one forward pass per layer. Both the walkthrough
/// (<see cref="Walkthrough.WalkthroughGraph.Cuts"/>) and the weight explorer
/// (<see cref="Explorer.ExplorerPlan"/>) take a trunk model's cuts from here.
/// </summary>
public static class TrunkCuts
{
    /// <summary>
    /// The cuts of <paramref name="model"/>'s main path, in execution order: its spatial top-level
    /// layers, each named by the shortest layer name of its module (at the position of the module's
    /// last layer); <see cref="GraphCut.Weighted"/> when the module holds a conv weight (on a chain
    /// the only kernel between the previous cut and this one is its own). Every spatial module on
    /// the path is its own cut, so the notebook's layers keep their names (<c>conv2d2</c>,
    /// <c>localresponsenorm1</c>, <c>maxpool1</c>, <c>mixed3a</c>: its factor directions in conv2d2
    /// and its pair maxpool1 → mixed3a). Null when the model's
    /// module does not report its main path.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model reports a module on its main path that
    /// none of its layers runs.</exception>
    public static IReadOnlyList<GraphCut>? Cuts(VisionModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Module is not IModuleTrunk { Trunk: var trunk })
            return null;
        var table = model.Layers();
        var convModules = model
            .Module.named_parameters()
            .Where(p => p.parameter.shape.Length == 4)
            .Select(p => p.name.Split('.')[0])
            .ToHashSet(StringComparer.Ordinal);
        var cuts = new List<GraphCut>();
        foreach (var module in trunk)
        {
            var rows = table
                .Select((l, i) => (l, i))
                .Where(t =>
                    t.l.Name != VisionModel.InputLayer && model.Layer(t.l.Name).ModulePath == module
                )
                .ToList();
            if (rows.Count == 0)
                throw new InvalidOperationException(
                    $"Model '{model.Name}' reports '{module}' on its main path, but it has no such layer."
                );
            var (info, position) = rows[^1];
            if (!info.IsSpatial)
                continue;
            var name = rows.Select(t => t.l.Name).OrderBy(n => n.Length).First();
            cuts.Add(new GraphCut(name, position, info, convModules.Contains(module)));
        }
        return cuts;
    }
}
