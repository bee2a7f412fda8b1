namespace Notebooks.Weights.Explorer;

/// <summary>
/// One conv layer the explorer knows: its table row, the conv weight that produces it (PyTorch
/// layout [C_out, C_in, kH, kW]) and how it connects to the conv layer before it.
/// <see cref="Source"/> is the layer the expanded weights start from (the layer right before this
/// one, e.g. <c>maxpool0</c> for <c>conv2d1</c>); <see cref="Previous"/> is the layer whose units
/// those inputs are shown as (the previous conv layer when only channel-preserving pooling lies
/// between, else <see cref="Source"/> itself; "input" for the first layer). A layer that is a cut
/// of the graph rather than one conv (a ResNet block output) has no <see cref="WeightParameter"/>:
/// its weights are the expanded weights from <see cref="Source"/>, <see cref="WeightShape"/> [C,
/// C_source, W, W].
/// </summary>
public sealed record ExplorerLayer(
    string Name,
    string Kind,
    int Channels,
    long Height,
    long Width,
    string? WeightParameter,
    long[] WeightShape,
    string Previous,
    string Source
)
{
    /// <summary>Crop width of the expanded weights from <see cref="Source"/> (null:
    /// <see cref="ExplorerOptions.ExpandedWidth"/>).</summary>
    public int? ExpandedWidth { get; init; }

    /// <summary>The name the weights are shown under: the conv parameter, or "expanded weights
    /// Source → Name".</summary>
    public string WeightLabel => WeightParameter ?? $"expanded weights {Source} → {Name}";

    /// <summary>True when the inputs are the model's input channels (no feature visualization for
    /// them).</summary>
    public bool PreviousIsInput => Previous == Models.VisionModel.InputLayer;
}
