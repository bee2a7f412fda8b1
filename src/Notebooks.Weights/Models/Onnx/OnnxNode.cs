using Notebooks.Weights.Models.Onnx.Proto;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models.Onnx;

/// <summary>
/// One imported ONNX node as a TorchSharp module. The module's single tensor input is the node's
/// primary (first graph-dependent) input, so forward hooks see "input → this node's output"; the
/// node's other inputs (weights, second addends, concat parts, shape tensors) are handed over by
/// <see cref="OnnxGraphModule"/> just before the call.
/// </summary>
public sealed class OnnxNode : nn.Module<Tensor, Tensor>
{
    readonly Func<Tensor?[], Tensor> _compute;
    Tensor?[]? _pending;

    internal OnnxNode(
        string name,
        string opType,
        string nodeName,
        int primaryIndex,
        Func<Tensor?[], Tensor> compute
    )
        : base(name)
    {
        OpType = opType;
        NodeName = nodeName;
        PrimaryIndex = primaryIndex;
        _compute = compute;
    }

    /// <summary>ONNX operator type, e.g. "Conv".</summary>
    public string OpType { get; }

    /// <summary>The ONNX node name (or its first output when unnamed).</summary>
    public string NodeName { get; }

    /// <summary>Which ONNX input the module's tensor argument stands for.</summary>
    public int PrimaryIndex { get; }

    internal void SetInputs(Tensor?[] inputs) => _pending = inputs;

    /// <summary>Computes the node; <paramref name="input"/> replaces ONNX input
    /// <see cref="PrimaryIndex"/>.</summary>
    public override Tensor forward(Tensor input)
    {
        var ins = _pending is null ? [input] : (Tensor?[])_pending.Clone();
        _pending = null;
        if (ins.Length > PrimaryIndex)
            ins[PrimaryIndex] = input;
        try
        {
            return _compute(ins);
        }
        catch (System.Runtime.InteropServices.ExternalException e)
        {
            throw new ArgumentException(
                $"ONNX node '{NodeName}' ({OpType}) failed on inputs shaped {string.Join(", ", ins.Select(t => t is null ? "(none)" : "[" + string.Join(", ", t.shape) + "]"))}: {e.Message.Split('\n')[0]}",
                e
            );
        }
    }
}

/// <summary>
/// ONNX MaxPool that TorchSharp's <c>MaxPool2d</c> cannot express (asymmetric or "SAME" padding, or
/// padding larger than half the window): pads with -inf explicitly. In linearized runs its gradient
/// is that of average pooling over the same windows with padding excluded from the count
/// (<see cref="ILinearSurrogate"/>).
/// </summary>
public sealed class OnnxMaxPool : nn.Module<Tensor, Tensor>, ILinearSurrogate
{
    internal OnnxMaxPool(
        string name,
        string nodeName,
        long[] kernel,
        long[] strides,
        long[] dilations,
        Func<Tensor, long[]> pads,
        bool ceilMode
    )
        : base(name)
    {
        NodeName = nodeName;
        Kernel = kernel;
        Strides = strides;
        Dilations = dilations;
        _pads = pads;
        CeilMode = ceilMode;
    }

    readonly Func<Tensor, long[]> _pads;

    /// <summary>The ONNX node name.</summary>
    public string NodeName { get; }

    /// <summary>Window [kH, kW].</summary>
    public long[] Kernel { get; }

    /// <summary>Strides [sH, sW].</summary>
    public long[] Strides { get; }

    /// <summary>Dilations [dH, dW].</summary>
    public long[] Dilations { get; }

    /// <summary>ONNX ceil_mode.</summary>
    public bool CeilMode { get; }

    /// <summary>ONNX pads [top, left, bottom, right] for an input (fixed, or computed for auto_pad
    /// SAME_*).</summary>
    public long[] Pads(Tensor input) => _pads(input);

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        var p = _pads(input);
        var x = nn.functional.pad(
            input,
            [p[1], p[3], p[0], p[2]],
            PaddingModes.Constant,
            double.NegativeInfinity
        );
        return nn.functional.max_pool2d(x, Kernel, Strides, [0, 0], Dilations, CeilMode);
    }

    /// <inheritdoc/>
    public Tensor LinearSurrogate(Tensor input)
    {
        if (Dilations.Any(d => d != 1))
            throw new NotSupportedException(
                $"Linearizing dilated MaxPool '{NodeName}' (dilations [{string.Join(", ", Dilations)}]) is not supported: average pooling has no dilation."
            );
        return Ops.OnnxSpatialOps.AveragePoolExcludingPad(
            input,
            Kernel,
            Strides,
            _pads(input),
            CeilMode
        );
    }
}
