using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models.InceptionV1;

/// <summary>
/// A TF "SAME" convolution followed by ReLU, the unit of Lucid's InceptionV1: child <c>conv</c>
/// (the <c>_pre_relu</c> tensor) and child <c>relu</c> (the layer itself). Stride-1 convs with odd
/// kernels pad symmetrically inside the <c>nn.Conv2d</c>; strided convs (conv2d0) pad
/// asymmetrically by <see cref="TfSame"/> just before the conv, so <c>conv</c> sees exactly what
/// TF's Conv2D sees.
/// </summary>
public sealed class ConvRelu : nn.Module<Tensor, Tensor>, ICenterJacobian
{
    readonly Conv2d conv;
    readonly ReLU relu;

    /// <summary>Kernel size (square).</summary>
    public long KernelSize { get; }

    /// <summary>Stride.</summary>
    public long Stride { get; }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }

    /// <summary>Output channels.</summary>
    public long OutChannels { get; }

    /// <summary>A <paramref name="kernelSize"/>² conv from <paramref name="inChannels"/> to
    /// <paramref name="outChannels"/> with bias, then ReLU.</summary>
    public ConvRelu(
        long inChannels,
        long outChannels,
        long kernelSize,
        long stride = 1,
        string name = "ConvRelu"
    )
        : base(name)
    {
        if (stride == 1 && kernelSize % 2 == 0)
            throw new ArgumentException(
                $"Even kernel size {kernelSize} needs asymmetric SAME padding at stride 1; not supported."
            );
        (InChannels, OutChannels, KernelSize, Stride) = (
            inChannels,
            outChannels,
            kernelSize,
            stride
        );
        conv = nn.Conv2d(
            inChannels,
            outChannels,
            kernelSize,
            stride: stride,
            padding: stride == 1 ? (kernelSize - 1) / 2 : 0,
            bias: true
        );
        relu = nn.ReLU();
        RegisterComponents();
    }

    /// <summary>
    /// When true, each forward keeps its pre-ReLU output for <see cref="TakePreRelu"/> (set by an
    /// <see cref="InceptionMixedBlock"/> for its concatenated branches, which builds Lucid's
    /// <c>mixedXX_pre_relu</c>).
    /// </summary>
    internal bool KeepPreRelu { get; init; }
    Tensor? _preRelu;

    /// <summary>The pre-ReLU output of the last forward (once; null afterwards). Needs
    /// <see cref="KeepPreRelu"/>.</summary>
    internal Tensor TakePreRelu()
    {
        var t = _preRelu
            ?? throw new InvalidOperationException(
                "No pre-ReLU output kept: call forward first (with KeepPreRelu)."
            );
        _preRelu = null;
        return t;
    }

    /// <summary>The convolution (its output is the <c>_pre_relu</c> layer).</summary>
    public Conv2d Conv => conv;

    /// <summary>The kernel placed where it meets a W×W input at the output's center (taps outside
    /// the input dropped, as the zero padding drops them).</summary>
    public Tensor CenterJacobian(int width)
    {
        if (width < 1)
            throw new ArgumentOutOfRangeException(
                nameof(width),
                $"width must be at least 1; got {width}."
            );
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        long outSize = (width + Stride - 1) / Stride; // TF "SAME" (stride 1: the conv's own symmetric padding)
        long before =
            Stride == 1 ? (KernelSize - 1) / 2 : TfSame.Pads(width, KernelSize, Stride).Before;
        long start = (outSize - 1) / 2 * Stride - before; // input row (and column) of kernel tap 0
        long d0 = Math.Max(0, -start),
            d1 = Math.Min(KernelSize, width - start);
        var j = zeros(
            OutChannels,
            InChannels,
            width,
            width,
            dtype: conv.weight.dtype,
            device: conv.weight.device
        );
        var rows = TensorIndex.Slice(start + d0, start + d1);
        var taps = TensorIndex.Slice(d0, d1);
        j[TensorIndex.Colon, TensorIndex.Colon, rows, rows] = conv.weight.detach()[
            TensorIndex.Colon,
            TensorIndex.Colon,
            taps,
            taps
        ];
        return j.MoveToOuterDisposeScope();
    }

    /// <summary>The [C_out, C_in] matrix of a 1x1, stride-1 convolution.</summary>
    internal Tensor PointwiseMatrix()
    {
        if (KernelSize != 1 || Stride != 1)
            throw new InvalidOperationException(
                $"PointwiseMatrix needs a 1x1 stride-1 conv; this one is {KernelSize}x{KernelSize} stride {Stride}."
            );
        return conv.weight.detach()[.., .., 0, 0];
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        if (Stride == 1)
            return Activate(conv.call(input));
        var pads = TfSame.Pads2d(input.shape[2], input.shape[3], KernelSize, Stride);
        using var padded = nn.functional.pad(input, pads);
        return Activate(conv.call(padded));
    }

    Tensor Activate(Tensor pre)
    {
        if (KeepPreRelu)
            _preRelu = pre;
        return relu.call(pre);
    }
}
