namespace Notebooks.Weights.Connections;

/// <summary>How <see cref="ExpandedWeights"/> computes its result (all give the same values up to
/// float rounding).</summary>
public enum ExpandedWeightsMethod
{
    /// <summary>
    /// The closed form when layer2's module implements <see cref="Models.ICenterJacobian"/> and
    /// takes layer1 as its input (e.g. an InceptionV1 mixed block from the layer before it:
    /// mixed3a→mixed3b, maxpool4→mixed4a), checked against backpropagation on a few channels; on an
    /// imported ONNX graph, the kernels composed node by node from layer1 to layer2 when every
    /// operator on the way composes and no window at layer2's center reaches padding (exact by
    /// construction); batched backpropagation otherwise.
    /// </summary>
    Auto,

    /// <summary>Always batched backpropagation through the linearized model (the reference
    /// definition).</summary>
    Autograd,

    /// <summary>Only the closed form; an error when it does not apply or disagrees with
    /// backpropagation.</summary>
    ClosedForm,
}
