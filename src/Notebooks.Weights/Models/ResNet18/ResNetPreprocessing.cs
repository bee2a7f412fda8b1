using Notebooks.Weights.Models.Onnx;
using Notebooks.Weights.Models.Onnx.Proto;
using Notebooks.Weights.Runtime;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models.ResNet18;

/// <summary>
/// The ML.NET DnnImageFeaturizer preprocessing graph (<c>ResNetPreprocess.onnx</c>) as an
/// <see cref="InputSpec"/>. The file is exactly <c>Split(axis 1) → Concat(B, G, R) →
/// Sub(MeanImage)</c> on a 0..255 RGB image: RGB → BGR, minus a [1, 3, 224, 224] ImageNet mean
/// image (BGR order; channel means about 103.1, 115.9, 123.2). The spec maps [0, 1] RGB images to
/// that: <c>255 x</c>, channels reversed, minus the mean image. Any other graph is refused, naming
/// what differs, so the spec never silently disagrees with the file.
/// </summary>
public static class ResNetPreprocessing
{
    /// <summary>Reads <paramref name="path"/> and returns the input spec it describes (3 channels,
    /// the mean image's size).</summary>
    public static InputSpec Load(string path)
    {
        TorchRuntime.EnsureLoaded();
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"ResNet preprocessing file not found: {Path.GetFullPath(path)}",
                path
            );
        var proto = OnnxProtoParser.ParseModel(File.ReadAllBytes(path), path);
        var g = proto.Graph
            ?? throw new InvalidDataException($"'{path}' has no graph: not an ONNX model file.");
        string Ops() => string.Join(" → ", g.Nodes.Select(n => n.OpType));
        if (
            g.Nodes.Count != 3
            || g.Nodes[0].OpType != "Split"
            || g.Nodes[1].OpType != "Concat"
            || g.Nodes[2].OpType != "Sub"
        )
            throw new InvalidDataException(
                $"'{path}' computes {Ops()}; the ResNet preprocessing this loader implements is Split → Concat → Sub (RGB → BGR, minus a mean image)."
            );
        var (split, concat, sub) = (g.Nodes[0], g.Nodes[1], g.Nodes[2]);
        var input = g.Inputs.Single(i => g.Initializers.All(t => t.Name != i.Name)).Name;
        bool Axis1(OnnxNodeProto n) => n.Attributes.TryGetValue("axis", out var a) && a.I == 1;
        if (
            split.Inputs.Count != 1
            || split.Inputs[0] != input
            || split.Outputs.Count != 3
            || !Axis1(split)
        )
            throw new InvalidDataException(
                $"'{path}': the Split node must cut the graph input '{input}' into 3 channels along axis 1."
            );
        if (!Axis1(concat) || !concat.Inputs.SequenceEqual(split.Outputs.AsEnumerable().Reverse()))
            throw new InvalidDataException(
                $"'{path}': the Concat node must join the Split's outputs in reverse order along axis 1 (RGB → BGR); it joins {string.Join(", ", concat.Inputs)} of {string.Join(", ", split.Outputs)}."
            );
        if (
            sub.Inputs.Count != 2
            || sub.Inputs[0] != concat.Outputs[0]
            || g.Outputs.Count != 1
            || g.Outputs[0].Name != sub.Outputs[0]
        )
            throw new InvalidDataException(
                $"'{path}': the graph output must be the BGR image minus an initializer (Sub)."
            );
        var meanProto = g.Initializers.FirstOrDefault(t => t.Name == sub.Inputs[1])
            ?? throw new InvalidDataException(
                $"'{path}': the subtracted value '{sub.Inputs[1]}' is not an initializer (a mean image)."
            );
        using var scope = NewDisposeScope();
        var mean = OnnxTensorReader.Read(meanProto, path).to_type(ScalarType.Float32);
        if (mean.dim() != 4 || mean.shape[0] != 1 || mean.shape[1] != 3)
            throw new InvalidDataException(
                $"'{path}': mean image '{meanProto.Name}' has shape [{string.Join(", ", mean.shape)}]; expected [1, 3, H, W]."
            );
        var image = mean[0].contiguous().MoveToOuterDisposeScope();
        image.DetachFromDisposeScope();
        return new InputSpec(3, (int)image.shape[1], 0, 255) { Bgr = true, MeanImage = image };
    }
}
