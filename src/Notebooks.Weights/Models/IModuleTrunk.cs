namespace Notebooks.Weights.Models;

/// <summary>
/// A module whose main path is a chain of its top-level children (InceptionV1: <c>conv2d0</c> …
/// <c>mixed5b</c>): each of them cuts the graph (everything after it depends on the input only
/// through it), known by construction, so callers need not search for the cuts by running the
/// model layer by layer (<see cref="Walkthrough.WalkthroughGraph.Cuts"/>). Side branches that leave
/// the chain and do not feed it (InceptionV1's auxiliary heads) are not part of it.
/// </summary>
public interface IModuleTrunk
{
    /// <summary>The top-level children on the main path with a spatial output, in execution
    /// order.</summary>
    IReadOnlyList<string> Trunk { get; }
}
