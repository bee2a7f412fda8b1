using static TorchSharp.torch;

namespace Notebooks.Weights.Models;

/// <summary>Options of <see cref="VisionModel.Run"/>: which layers to capture, where to stop, what
/// to substitute, whether to linearize.</summary>
public sealed class RunOptions
{
    /// <summary>Layers whose outputs are returned (the pseudo-layer "input" is the preprocessed
    /// input).</summary>
    public IReadOnlyCollection<string> Capture { get; init; } = [];

    /// <summary>
    /// Layer outputs replaced by given tensors (the forward continues from them, like feeding an
    /// intermediate tensor in TF). Replacing "input" replaces the model input itself.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor>? Replace { get; init; }

    /// <summary>
    /// Straight-through linearization used by expanded weights: ReLU gradients become identity and
    /// max-pool gradients become average-pool gradients (same window), forward values unchanged.
    /// See <see cref="ILinearSurrogate"/>.
    /// </summary>
    public bool Linearize { get; init; }

    /// <summary>
    /// With <see cref="Linearize"/>: also give clamps (ONNX <c>Clip</c>, which is how ReLU6 is
    /// exported; TorchSharp <c>ReLU6</c>/<c>Hardtanh</c>) the identity gradient, as ReLU gets. Off
    /// by default: Lucid's override names only <c>Relu</c>, so a clamp keeps its real gradient
    /// (zero where the value is clipped).
    /// </summary>
    public bool LinearizeClip { get; init; }

    /// <summary>
    /// Lucid's redirected ReLU gradient (<see cref="RedirectedReluGradient"/>) on every
    /// <c>nn.ReLU</c>/<c>nn.ReLU6</c> module: forward values unchanged, a dead unit gets the
    /// gradient that pushes it towards activation. Used by feature visualization for its first
    /// steps (Lucid's <c>relu_gradient_override</c>). Excludes <see cref="Linearize"/>.
    /// </summary>
    public bool RedirectReluGradient { get; init; }

    /// <summary>Stop the forward once every captured layer has been computed (default
    /// true).</summary>
    public bool StopEarly { get; init; } = true;
}
