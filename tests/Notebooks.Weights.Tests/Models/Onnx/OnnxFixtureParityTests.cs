using Notebooks.Weights.IO;
using Notebooks.Weights.Models;
using Notebooks.Weights.Models.Onnx;
using static Notebooks.Weights.Tests.Models.Onnx.OnnxTestSupport;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.Onnx;

/// <summary>
/// Models exported by PyTorch (scripts/fixtures/onnx_models.py: small
/// ResNet/VGG/AlexNet/GoogLeNet/SqueezeNet/ MobileNet v1, v2/DenseNet at opsets 7–17, random
/// weights) give the same final output and the same value at every intermediate layer as ONNX
/// Runtime on the same file and seeded input, to 1e-4 relative (max |Δ| / max |ref|). The reduced
/// torchvision 0.14 builds (scripts/fixtures/torchvision_models.py: ResNet, ResNeXt, MobileNetV3
/// small and large, ShuffleNetV2, ConvNeXt, EfficientNet B0/V2, RegNet, MNASNet, ViT, Swin, VGG,
/// AlexNet, GoogLeNet, SqueezeNet 1.1, MobileNetV2, DenseNet at
/// opsets 13 and 17) also match PyTorch's own output and named-module activations saved beside
/// them.
/// </summary>
public class OnnxFixtureParityTests
{
    public static TheoryData<string> Models =>
        new(
            new[]
            {
                "resnet_opset9.onnx",
                "resnet_opset13.onnx",
                "resnet_opset17_external.onnx",
                "vgg_opset9.onnx",
                "vgg_opset13.onnx",
                "alexnet_opset7.onnx",
                "googlenet_opset11.onnx",
                "squeezenet_opset10.onnx",
                "mobilenetv1_opset9.onnx",
                "mobilenetv1_opset12.onnx",
                "mobilenetv2_opset13.onnx",
                "densenet_opset15.onnx",
                "densenet_opset17.onnx",
            }.Concat(Torchvision.Select(n => $"torchvision/{n}.onnx"))
        );

    /// <summary>The reduced torchvision 0.14 architectures, each exported at opsets 13 and
    /// 17.</summary>
    public static readonly string[] Torchvision =
    [
        .. new[]
        {
            "resnet_basic",
            "resnext",
            "mobilenet_v3_small",
            "mobilenet_v3_large",
            "shufflenet_v2",
            "convnext",
            "efficientnet_b0",
            "efficientnet_v2",
            "regnet",
            "mnasnet",
            "vit",
            "swin",
            "vgg",
            "alexnet",
            "googlenet",
            "squeezenet",
            "mobilenet_v2",
            "densenet",
        }.SelectMany(a => new[] { $"{a}_opset13", $"{a}_opset17" }),
    ];

    public static TheoryData<string> TorchvisionModels => new(Torchvision);

    /// <summary>PyTorch's input, output and named-module outputs saved by the fixture script (npz
    /// key → tensor).</summary>
    public static Dictionary<string, Tensor> PyTorchReference(string name)
    {
        var path = Fixture($"torchvision/{name}.reference.npz");
        return Npz.Load(path);
    }

    static double RelativeErrorTo(Tensor actual, Tensor reference) =>
        RelativeError(actual, reference.shape, reference.contiguous().data<float>().ToArray());

    [Theory]
    [MemberData(nameof(TorchvisionModels))]
    public void TorchvisionModelMatchesPyTorchAtItsNamedModules(string name)
    {
        using var scope = NewDisposeScope();
        var reference = PyTorchReference(name);
        var onnx = OnnxModel.Load(Fixture($"torchvision/{name}.onnx"));
        using var model = onnx.ToVisionModel();
        var layers = reference
            .Keys.Where(k => k.StartsWith("layer:"))
            .Select(k => k["layer:".Length..])
            .ToArray();
        Assert.True(layers.Length >= 3, $"{name}: only {layers.Length} reference layers");
        var input = reference["input"];
        using (no_grad())
        {
            double outErr = RelativeErrorTo(model.Forward(input), reference["output"]);
            Assert.True(
                outErr <= 1e-4,
                $"{name}: output differs from PyTorch by {outErr:g3} relative"
            );
            var acts = model.Activations(input, layers);
            foreach (var l in layers)
            {
                double err = RelativeErrorTo(acts[l], reference[$"layer:{l}"]);
                Assert.True(
                    err <= 1e-4,
                    $"{name}: module '{l}' differs from PyTorch by {err:g3} relative"
                );
            }
        }
    }

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

        // ONNX Runtime with every layer added as a graph output; external data needs the copy next
        // to its .data file.
        var bytes = OnnxWriter.WithExtraOutputs(
            File.ReadAllBytes(path),
            layerNodes.Select(n => n.Output).Where(o => o != model.OutputName)
        );
        var withOutputs = Path.Combine(
            Path.GetDirectoryName(path)!,
            $"{Path.GetFileNameWithoutExtension(file)}.{Guid.NewGuid():N}.tmp.onnx"
        );
        File.WriteAllBytes(withOutputs, bytes);
        Dictionary<string, (long[] shape, float[] values)> ort;
        try
        {
            ort = RunOrt(withOutputs, model.InputName, input, shape);
        }
        finally
        {
            File.Delete(withOutputs);
        }

        var (refShape, refValues) = ort[model.OutputName];
        Assert.True(
            RelativeError(output, refShape, refValues) <= 1e-4,
            $"{file}: final output differs from ONNX Runtime by {RelativeError(output, refShape, refValues):g3}"
        );
        foreach (var node in layerNodes)
        {
            var (s, v) = ort[node.Output];
            double err = RelativeError(layers[node.Output], s, v);
            Assert.True(
                err <= 1e-4,
                $"{file}: layer '{node.Name}' ({node.OpType}) differs from ONNX Runtime by {err:g3} relative"
            );
        }
    }
}
