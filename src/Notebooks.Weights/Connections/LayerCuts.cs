using Notebooks.Weights.Models;

namespace Notebooks.Weights.Connections;

/// <summary>
/// Cuts of a model's dataflow graph (<see cref="IModuleGraph"/>): a layer cuts the graph between
/// the input and a later layer when every path from the input to that layer passes through it (it
/// dominates the later layer). Expanded weights need layer1 to be such a cut: they feed a crop as
/// layer1, and a path around it (a residual skip, a parallel branch) would still carry the
/// full-size input.
/// </summary>
public static class LayerCuts
{
    /// <summary>
    /// The modules that cut the graph between the input and <paramref name="targetModule"/>, in
    /// execution order (the target itself included); null when the model's module does not expose
    /// its graph.
    /// </summary>
    public static IReadOnlyList<string>? Cuts(VisionModel model, string targetModule)
    {
        if (model.Module is not IModuleGraph g)
            return null;
        var graph = g.ModuleInputs;
        var order = graph.Select(n => n.Module).ToList();
        if (!order.Contains(targetModule))
            return null;
        // Ancestors of the target that the input reaches: the only candidates.
        var inputsOf = graph.ToDictionary(n => n.Module, n => n.Inputs);
        var ancestors = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>([targetModule]);
        while (stack.Count > 0)
            foreach (var p in inputsOf.GetValueOrDefault(stack.Pop()) ?? [])
                if (p.Length > 0 && ancestors.Add(p))
                    stack.Push(p);
        return order
            .Where(m =>
                (ancestors.Contains(m) || m == targetModule)
                && !Reaches(graph, targetModule, avoid: m)
            )
            .ToList();
    }

    /// <summary>Whether the input reaches <paramref name="target"/> without passing through
    /// <paramref name="avoid"/>.</summary>
    static bool Reaches(
        IReadOnlyList<(string Module, IReadOnlyList<string> Inputs)> graph,
        string target,
        string avoid
    ) => PathAvoiding(graph, target, avoid) is not null;

    /// <summary>The execution-order path from the input to <paramref name="target"/> avoiding
    /// <paramref name="avoid"/>, or null.</summary>
    static List<string>? PathAvoiding(
        IReadOnlyList<(string Module, IReadOnlyList<string> Inputs)> graph,
        string target,
        string avoid
    )
    {
        if (avoid == target)
            return null;
        var from = new Dictionary<string, string>(StringComparer.Ordinal) { [""] = "" };
        foreach (var (m, ins) in graph) // execution order is topological: one pass finds every reachable module
        {
            if (m == avoid)
                continue;
            var p = ins.FirstOrDefault(from.ContainsKey);
            if (p is not null)
                from[m] = p;
        }
        if (!from.ContainsKey(target))
            return null;
        var path = new List<string>();
        for (var m = target; m.Length > 0; m = from[m])
            path.Add(m);
        path.Reverse();
        return path;
    }

    /// <summary>
    /// Throws when <paramref name="layer1"/> does not cut the graph between the input and
    /// <paramref name="layer2"/>, naming a path around it and the nearest cuts before and after it.
    /// Does nothing for models that do not expose their graph, or when layer1 is the input.
    /// </summary>
    public static void EnsureCut(VisionModel model, string layer1, string layer2)
    {
        if (layer1 == VisionModel.InputLayer || model.Module is not IModuleGraph g)
            return;
        string m1 = model.Layer(layer1).ModulePath,
            m2 = model.Layer(layer2).ModulePath;
        var cuts = Cuts(model, m2);
        if (cuts is null || cuts.Contains(m1))
            return;
        var graph = g.ModuleInputs;
        var order = graph.Select(n => n.Module).ToList();
        int i1 = order.IndexOf(m1);
        var before = cuts.Where(c => order.IndexOf(c) < i1)
            .TakeLast(3)
            .Select(c => Display(model, c))
            .ToList();
        var after = cuts.Where(c => order.IndexOf(c) > i1 && c != m2)
            .Take(3)
            .Select(c => Display(model, c))
            .ToList();
        // Where the path around layer1 joins layer1's descendants (e.g. a residual Add).
        var descendants = new HashSet<string>(StringComparer.Ordinal) { m1 };
        foreach (var (m, ins) in graph)
            if (ins.Any(descendants.Contains))
                descendants.Add(m);
        var around = PathAvoiding(graph, m2, m1)!;
        int join = around.FindIndex(descendants.Contains);
        string how =
            join > 0
                ? $"'{Display(model, around[join - 1])}' feeds '{Display(model, around[join])}' without passing through it"
                : $"the path {string.Join(" → ", around.TakeLast(3).Select(m => $"'{Display(model, m)}'"))} avoids it";
        throw new ArgumentException(
            $"layer1 '{layer1}' does not cut {model.Name}'s graph between the input and layer2 '{layer2}': {how} (a residual skip or parallel branch). "
                + $"Expanded weights feed a crop as layer1, so layer1 must cut the graph between input and layer2 (everything layer2 depends on flows through it). "
                + $"Nearest cuts: before '{layer1}': {(before.Count > 0 ? string.Join(", ", before) : "none")}; after it: {(after.Count > 0 ? string.Join(", ", after) : $"none before '{layer2}'")}."
        );
    }

    /// <summary>A module's shortest layer name (a friendly alias such as <c>layer1</c> when there
    /// is one).</summary>
    static string Display(VisionModel model, string module) =>
        model
            .LayerNames.Where(n =>
                n != VisionModel.InputLayer && model.Layer(n).ModulePath == module
            )
            .OrderBy(n => n.Length)
            .ThenBy(n => n, StringComparer.Ordinal)
            .FirstOrDefault()
        ?? module;
}
