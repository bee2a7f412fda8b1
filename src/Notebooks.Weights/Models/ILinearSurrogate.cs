using static TorchSharp.torch;

namespace Notebooks.Weights.Models;

/// <summary>
/// A nonlinear module whose gradient is replaced in "linearized" runs (expanded weights): the
/// forward value stays the module's own, the gradient becomes the gradient of
/// <see cref="LinearSurrogate"/>. Stock <c>nn.ReLU</c> (surrogate: identity) and
/// <c>nn.MaxPool2d</c> (surrogate: average pooling with the same window) are handled without this
/// interface; custom modules (TF-"SAME" max pooling, imported ONNX pools) implement it.
/// </summary>
public interface ILinearSurrogate
{
    /// <summary>The linear operation whose gradient replaces this module's gradient in expanded
    /// weights.</summary>
    Tensor LinearSurrogate(Tensor input);
}
