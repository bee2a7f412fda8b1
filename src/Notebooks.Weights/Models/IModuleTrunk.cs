namespace Notebooks.Weights.Models;

/// <summary>
/// A module whose main path is a chain of its top-level children (InceptionV1: <c>conv2d0</c> …
/// <c>mixed5b</c>): each of them cuts the graph (everything after it depends on the input only
/// through it), known by construction, so the cuts are read from it
/// (<see cref="Connections.TrunkCuts"/>, which <see cref="Walkthrough.WalkthroughGraph.Cuts"/> and
/// the explorer's plan use) instead of searched for by running the model layer by layer. Side
/// branches that leave
/// the chain and do not feed it (InceptionV1's auxiliary heads) are not part of it.
/// </summary>
public interface IModuleTrunk
{
    /// <summary>The top-level children on the main path with a spatial output, in execution
    /// order.</summary>
    IReadOnlyList<string> Trunk { get; }
}
