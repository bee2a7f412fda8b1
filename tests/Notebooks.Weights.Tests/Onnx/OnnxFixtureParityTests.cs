using Notebooks.Weights.Models.Onnx;
using static Notebooks.Weights.Tests.Onnx.OnnxTestSupport;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Onnx;

/// <summary>
/// Models exported by PyTorch (scripts/fixtures/onnx_models.py: small ResNet/VGG/AlexNet/GoogLeNet/SqueezeNet/
/// MobileNet v1, v2/DenseNet at opsets 7–17, random weights) give the same final output and the same value at every
/// intermediate layer as ONNX Runtime on the same file and seeded input, to 1e-4 relative (max |Δ| / max |ref|).
/// </summary>
public class OnnxFixtureParityTests
{
    public static TheoryData<string> Models => new()
    {
        "resnet_opset9.onnx", "resnet_opset13.onnx", "resnet_opset17_external.onnx", "vgg_opset9.onnx", "vgg_opset13.onnx",
        "alexnet_opset7.onnx", "googlenet_opset11.onnx", "squeezenet_opset10.onnx", "mobilenetv1_opset9.onnx",
        "mobilenetv1_opset12.onnx", "mobilenetv2_opset13.onnx", "densenet_opset15.onnx", "densenet_opset17.onnx",
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void FinalAndIntermediateOutputsMatchOnnxRuntime(string file)
    {
        using var scope = NewDisposeScope();
        var path = Fixture(file);
        var model = OnnxModel.Load(path);
        var shape = model.InputShape.Select(d => d < 0 ? 2L : d).ToArray();
        Assert.Equal(4, shape.Length);
        var input = RandomInput(shape, seed: file.Length);

        var (output, layers) = RunImported(model, tensor(input).reshape(shape));
        var layerNodes = model.Nodes.Where(n => n.IsLayer).ToList();
        Assert.True(layerNodes.Count >= 5, $"{file}: only {layerNodes.Count} layers");

        // ONNX Runtime with every layer added as a graph output; external data needs the copy next to its .data file.
        var bytes = OnnxWriter.WithExtraOutputs(File.ReadAllBytes(path), layerNodes.Select(n => n.Output).Where(o => o != model.OutputName));
        var withOutputs = Path.Combine(Path.GetDirectoryName(path)!, $"{Path.GetFileNameWithoutExtension(file)}.{Guid.NewGuid():N}.tmp.onnx");
        File.WriteAllBytes(withOutputs, bytes);
        Dictionary<string, (long[] shape, float[] values)> ort;
        try { ort = RunOrt(withOutputs, model.InputName, input, shape); }
        finally { File.Delete(withOutputs); }

        var (refShape, refValues) = ort[model.OutputName];
        Assert.True(RelativeError(output, refShape, refValues) <= 1e-4, $"{file}: final output differs from ONNX Runtime by {RelativeError(output, refShape, refValues):g3}");
        foreach (var node in layerNodes)
        {
            var (s, v) = ort[node.Output];
            double err = RelativeError(layers[node.Output], s, v);
            Assert.True(err <= 1e-4, $"{file}: layer '{node.Name}' ({node.OpType}) differs from ONNX Runtime by {err:g3} relative");
        }
    }
}
