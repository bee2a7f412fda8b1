using Notebooks.Weights.Cli;
using Notebooks.Weights.Connections;
using Notebooks.Weights.Models.Onnx;
using Notebooks.Weights.Tests.Cli;
using static Notebooks.Weights.Tests.Models.Onnx.OnnxTestSupport;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.Onnx;

/// <summary>
/// What expanded weights of an ONNX export mean: Clip (exported ReLU6) keeps its real gradient
/// unless linearized as identity, and BatchNormalization folded into convolutions by PyTorch's
/// exporter is detected and named.
/// </summary>
public sealed class ExpandedWeightsSemanticsTests() : TempDirectoryTest("nw-semantics-")
{
    /// <summary>
    /// x → Conv(W1, b1) = layer1 → Clip(0, 6) → Conv(W2) = layer2. On the zero image layer1 is b1
    /// everywhere: channel 0 at 1 (inside the clamp), channel 1 at 7 (clipped above), channel 2 at
    /// −1 (clipped below). With a 3×3 crop and a 3×3 W2 the expanded weights are W2 itself ([i, j,
    /// c, o]) where the clamp passes and 0 where it clips; with the clamp linearized they are W2 in
    /// every channel.
    /// </summary>
    [Fact]
    public void ClipKeepsItsGradientUnlessLinearizedAsIdentity()
    {
        var w2 = RandomInput([2 * 3 * 3 * 3], 4);
        var path = new OnnxWriter { Opset = 13 }
            .Input("x", 1, 3, 8, 8)
            .Init("W1", new float[3 * 3], 3, 3, 1, 1)
            .Init("b1", [1f, 7f, -1f], 3)
            .Init("lo", [0f])
            .Init("hi", [6f])
            .Init("W2", w2, 2, 3, 3, 3)
            .Node("Conv", "conv1", ["x", "W1", "b1"], ["a"])
            .Node("Clip", "relu6", ["a", "lo", "hi"], ["b"])
            .Node("Conv", "conv2", ["b", "W2"], ["y"])
            .Output("y")
            .Save(Path.Combine(Dir, "clip.onnx"));
        using var model = OnnxModel.Load(path).ToVisionModel();
        var W2 = tensor(w2).reshape(2, 3, 3, 3).permute(2, 3, 1, 0); // [i, j, c, o]
        using var kept = ExpandedWeights.Get(model, "conv1", "conv2", width: 3);
        using var linear = ExpandedWeights.Get(
            model,
            "conv1",
            "conv2",
            width: 3,
            linearizeClip: true
        );
        Assert.True(kept[.., .., 0, ..].allclose(W2[.., .., 0, ..], 1e-6, 1e-6));
        Assert.Equal(0f, kept[.., .., 1.., ..].abs().max().item<float>());
        Assert.True(linear.allclose(W2, 1e-6, 1e-6));
    }

    [Fact]
    public void FoldedBatchNormIsDetectedInPyTorchExportsOnly()
    {
        // torchvision MobileNetV2: every Conv is followed by BatchNorm in PyTorch, so all 52 are
        // folded; the Linear is not a Conv.
        var mnv2 = OnnxModel.Load(Fixture("mobilenetv2_opset13.onnx"));
        var folded = OnnxBatchNormFolding.Find(mnv2)!;
        Assert.Equal(mnv2.Layers.Count(l => l.OpType == "Conv"), folded.Count);
        Assert.Contains(folded, f =>
            f.Scope == "features.18.0" && f.Weight == mnv2.ParameterAliases["features.18.0.weight"]
        );
        // VGG's convolutions have real biases and no BatchNorm: none folded.
        Assert.Empty(OnnxBatchNormFolding.Find(OnnxModel.Load(Fixture("vgg_opset13.onnx")))!);
        // DenseNet's layer is norm1 → relu1 → conv1 → norm2 → relu2 → conv2: norm2 folds into
        // conv1; conv2 feeds the concat and norm1 follows a ReLU/concat, so those
        // BatchNormalization nodes stay and conv2 is not folded.
        var dense = OnnxBatchNormFolding
            .Find(OnnxModel.Load(Fixture("densenet_opset17.onnx")))!
            .Select(f => f.Scope)
            .ToList();
        Assert.Contains("features.denseblock1.denselayer1.conv1", dense);
        Assert.DoesNotContain(dense, s => s!.EndsWith(".conv2"));
        // Not a PyTorch export: unknown.
        var other = new OnnxWriter()
            .Input("x", 1, 1, 4, 4)
            .Init("w", [1f], 1, 1, 1, 1)
            .Init("b", [0f], 1)
            .Node("Conv", "c", ["x", "w", "b"], ["y"])
            .Output("y")
            .Save(Path.Combine(Dir, "other.onnx"));
        Assert.Null(OnnxBatchNormFolding.Find(OnnxModel.Load(other)));
    }

    [Fact]
    public void OnnxVerbStatesFoldingAndClipSemantics()
    {
        var (code, stdout, stderr) = CliRun.Run(
            "onnx",
            "--model",
            Fixture("mobilenetv2_opset13.onnx")
        );
        Assert.True(code == 0, stderr);
        Assert.Contains("BatchNormalization folded by the exporter into 52 convolution(s)", stdout);
        Assert.Matches(@"features\.18\.0\.weight  \[folded BN\]", stdout);
        Assert.Contains(
            "Clip: 35 node(s) (how ReLU6 is exported); expanded weights keep their real gradient",
            stdout
        );
        Assert.Contains("--linearize-clip", stdout);
        (code, stdout, stderr) = CliRun.Run("onnx", "--model", Fixture("vgg_opset13.onnx"));
        Assert.True(code == 0, stderr);
        Assert.Contains("BatchNormalization folding: none", stdout);
        Assert.DoesNotContain("[folded BN]", stdout);
        Assert.DoesNotContain("Clip:", stdout);
    }
}
