namespace Notebooks.Weights.Models;

/// <summary>
/// A module whose children form an explicit dataflow graph (an imported ONNX graph): for every
/// child module, in execution order, the child modules whose outputs it reads ("" is the model
/// input). Lets callers reason about the graph, e.g. whether one layer cuts everything another
/// depends on (<see cref="Connections.LayerCuts"/>).
/// </summary>
public interface IModuleGraph
{
    /// <summary>Child module name → the child modules (and "" for the model input) it reads, in
    /// execution order.</summary>
    IReadOnlyList<(string Module, IReadOnlyList<string> Inputs)> ModuleInputs { get; }
}
