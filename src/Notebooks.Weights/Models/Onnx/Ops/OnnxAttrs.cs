using Notebooks.Weights.Models.Onnx.Proto;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models.Onnx.Ops;

/// <summary>Attribute access of one ONNX node, with errors that name the node.</summary>
internal sealed class OnnxAttrs(OnnxNodeProto node, string nodeName, string source)
{
    public string NodeName => nodeName;

    public bool Has(string name) => node.Attributes.ContainsKey(name);

    OnnxAttribute? Get(string name) => node.Attributes.GetValueOrDefault(name);

    public long Int(string name, long def) => Get(name) is { } at ? at.I : def;

    public long RequiredInt(string name) => Get(name) is { } at ? at.I : throw Missing(name);

    public float Float(string name, float def) => Get(name) is { } at ? at.F : def;

    public string String(string name, string def) => Get(name) is { } at ? at.S : def;

    public long[]? Ints(string name) => Get(name) is { } at ? at.Ints.ToArray() : null;

    /// <summary>A TENSOR attribute (e.g. ConstantOfShape's value), or null when absent.</summary>
    public Tensor? TensorValue(string name) =>
        Get(name) is { T: { } t } ? OnnxTensorReader.Read(t, source) : null;

    public Tensor ConstantValue()
    {
        if (TensorValue("value") is { } v)
            return v;
        if (Get("value_float") is { } f)
            return tensor(f.F);
        if (Get("value_floats") is { } fs)
            return tensor(fs.Floats.ToArray());
        if (Get("value_int") is { } i)
            return tensor(i.I);
        if (Get("value_ints") is { } iss)
            return tensor(iss.Ints.ToArray());
        throw Unsupported(
            $"Constant without a value/value_float(s)/value_int(s) attribute (has: {string.Join(", ", node.Attributes.Keys)})"
        );
    }

    public InvalidDataException Missing(string name) =>
        new(
            $"ONNX node '{nodeName}' ({node.OpType}) in '{source}' lacks required attribute '{name}'."
        );

    public NotSupportedException Unsupported(string what) =>
        new($"ONNX node '{nodeName}' ({node.OpType}) in '{source}': {what} is not supported.");

    public InvalidDataException Invalid(string what) =>
        new($"ONNX node '{nodeName}' ({node.OpType}) in '{source}': {what}.");
}
