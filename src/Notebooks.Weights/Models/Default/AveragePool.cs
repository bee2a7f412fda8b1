using static TorchSharp.torch;

namespace Notebooks.Weights.Models.Default;

/// <summary>Average pooling over all spatial positions (<c>[N,C,1,1]</c>) or over x only
/// (<c>[N,C,H,1]</c>), keeping 4-D shape.</summary>
public sealed class AveragePool : nn.Module<Tensor, Tensor>
{
    /// <summary>True: average over width only; false: over height and width.</summary>
    public bool XOnly { get; }

    /// <summary>Creates the pooling; <paramref name="xOnly"/> averages along x (width)
    /// only.</summary>
    public AveragePool(bool xOnly)
        : base(xOnly ? "AveragePoolX" : "GlobalAveragePool")
    {
        XOnly = xOnly;
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) =>
        XOnly ? input.mean([3], keepdim: true) : input.mean([2, 3], keepdim: true);
}
