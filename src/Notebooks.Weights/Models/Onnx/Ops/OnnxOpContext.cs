using Notebooks.Weights.Models.Onnx.Proto;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models.Onnx.Ops;

/// <summary>
/// What an operator family needs to build one node's module: the node, its attributes, names, opset
/// and primary input, and helpers that read inputs with errors naming the node.
/// </summary>
internal sealed class OnnxOpContext(
    OnnxNodeProto node,
    string moduleName,
    string nodeName,
    int opset,
    int primary,
    string source
)
{
    public OnnxNodeProto Node { get; } = node;
    public string ModuleName { get; } = moduleName;
    public string NodeName { get; } = nodeName;
    public int Opset { get; } = opset;
    public int Primary { get; } = primary;
    public string Source { get; } = source;
    public string OpType => Node.OpType;
    public OnnxAttrs A { get; } = new(node, nodeName, source);

    /// <summary>A module computing <paramref name="f"/> from the node's inputs.</summary>
    public OnnxNode N(Func<Tensor?[], Tensor> f) =>
        new(ModuleName, Node.OpType, NodeName, Primary, f);

    /// <summary>Required input <paramref name="i"/>.</summary>
    public Tensor In(Tensor?[] ins, int i) =>
        i < ins.Length && ins[i] is { } t
            ? t
            : throw new InvalidDataException(
                $"ONNX node '{NodeName}' ({Node.OpType}) in '{Source}' is missing required input {i}."
            );

    /// <summary>Optional input <paramref name="i"/> (null when omitted or empty-named).</summary>
    public static Tensor? Opt(Tensor?[] ins, int i) => i < ins.Length ? ins[i] : null;

    /// <summary>Shape text for errors.</summary>
    public static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";
}
