using Notebooks.Weights.Models;

namespace Notebooks.Weights.Connections;

/// <summary>One cut of a model's graph: a spatial layer that everything after it depends on only
/// through it (found by <see cref="Walkthrough.WalkthroughGraph.Cuts"/>, or read from the main path
/// the model reports by <see cref="TrunkCuts"/>).</summary>
/// <param name="Layer">The layer (the shortest name among layers computing the same
/// tensor).</param>
/// <param name="Position">Its index in <see cref="VisionModel.Layers"/> (execution order).</param>
/// <param name="Info">Its shape at the default input size.</param>
/// <param name="Weighted">True when a layer with a kernel runs between the previous cut and this
/// one (a conv block, not just pooling).</param>
public sealed record GraphCut(string Layer, int Position, LayerInfo Info, bool Weighted);
