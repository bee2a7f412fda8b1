using static TorchSharp.torch;

namespace Notebooks.Weights.Models;

/// <summary>
/// A module whose linearized Jacobian from its input to the center of its output is known in closed
/// form (ReLU's gradient taken as identity and max pooling's as its average-pooling surrogate's, as
/// in expanded weights). When layer2 is such a module and layer1 is exactly its input,
/// <see cref="Connections.ExpandedWeights"/> uses this instead of backpropagating every output
/// channel (after checking a few channels against the backpropagated ones).
/// </summary>
public interface ICenterJacobian
{
    /// <summary>
    /// <c>[C_out, C_in, W, W]</c>: d output[c_out, (H'−1)/2, (W'−1)/2] / d input[c_in, y, x] for an
    /// input of
    /// <paramref name="width"/> × <paramref name="width"/> positions (H' × W' the output size for
    /// that input).
    /// </summary>
    Tensor CenterJacobian(int width);

    /// <summary>
    /// Widths of the output channel groups computed by different parts of the module (a block's
    /// concatenated branches, in order); the check against backpropagation covers both ends of
    /// each. Empty when there are none.
    /// </summary>
    IReadOnlyList<long> ChannelGroups => [];
}
