using Notebooks.Weights.Connections;
using Notebooks.Weights.Models;
using Notebooks.Weights.Models.Onnx;
using static Notebooks.Weights.Tests.Models.Onnx.OnnxTestSupport;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.Onnx;

/// <summary>
/// The graph-level closed form of expanded weights on ONNX graphs (kernels composed node by node)
/// against the backpropagated definition (<see cref="ExpandedWeightsMethod.Autograd"/>, itself
/// checked against the notebook's per-channel loop in ExpandedWeightsTests): on exported GoogLeNet
/// and ResNets (strided convs, residual Adds, concats, max pooling) and on a written graph with
/// BatchNormalization, average pooling and Sub; and where it must decline.
/// </summary>
[Collection("WeightsSerial")]
public sealed class GraphClosedFormExpandedWeightsTests() : TempDirectoryTest("nw-graph-closed-")
{
    static void AssertClosedFormEqualsBackprop(VisionModel model, string l1, string l2, int width)
    {
        using var scope = NewDisposeScope();
        var profile = ExpandedWeights.Profile(model, l1, l2, width);
        Assert.Equal("closed form", profile.Method);
        Assert.Equal(0, profile.BackwardSeconds); // nothing backpropagated
        var closed = ExpandedWeights.Get(
            model,
            l1,
            l2,
            width,
            method: ExpandedWeightsMethod.ClosedForm
        );
        var backprop = ExpandedWeights.Get(
            model,
            l1,
            l2,
            width,
            method: ExpandedWeightsMethod.Autograd
        );
        Assert.Equal(backprop.shape, closed.shape);
        double scale = backprop.abs().max().item<float>();
        Assert.True(scale > 1e-4, $"{model.Name} {l1}->{l2}: reference is all zero");
        double diff = (closed - backprop).abs().max().item<float>();
        Assert.True(
            diff <= 1e-5 * scale,
            $"{model.Name} {l1}->{l2} W={width}: max diff {diff:G3} (scale {scale:G3})"
        );
    }

    [Theory]
    [InlineData("googlenet_opset11.onnx", "inception3a", "inception3b", 5)] // concat of 1x1, 3x3, 3x3 and max-pool branches
    [InlineData("googlenet_opset11.onnx", "lrn", "inception3b", 7)] // two blocks chained
    [InlineData("googlenet_opset11.onnx", "inception3a", "inception3b", 12)] // the whole map: crop edge inside the windows
    [InlineData("torchvision/resnet_basic_opset17.onnx", "layer1", "layer2.0", 8)] // stride-2 conv + stride-2 downsample, Add
    [InlineData("torchvision/resnet_basic_opset17.onnx", "layer1", "layer2", 16)] // two residual blocks
    [InlineData("resnet_opset13.onnx", "layer1", "layer2.0", 8)] // bottleneck: 1x1, strided 3x3, 1x1, Add
    [InlineData("resnet_opset13.onnx", "maxpool", "layer1", 8)] // two bottlenecks, max pool as layer1
    public void ClosedFormOfExportsEqualsBackpropagation(
        string fixture,
        string l1,
        string l2,
        int width
    )
    {
        using var model = ModelRegistry.Load(Fixture(fixture));
        AssertClosedFormEqualsBackprop(model, l1, l2, width);
    }

    /// <summary>x → Conv 3x3 = a → BatchNormalization → Relu → AveragePool 3x3/2 (pads 1) ─┬→ Conv
    /// 1x1 ─ Sub → y; the Sub's other input is a 3x3 conv of the pool.</summary>
    [Fact]
    public void BatchNormAveragePoolAndSubCompose()
    {
        float[] Rand(int n, int seed) => RandomInput([n], seed);
        var path = new OnnxWriter { Opset = 13 }
            .Input("x", 1, 3, 24, 24)
            .Init("W1", Rand(4 * 3 * 9, 1), 4, 3, 3, 3)
            .Init("g", [1.5f, -0.5f, 2f, 0.7f], 4)
            .Init("b", [0.1f, 0.2f, -0.3f, 0f], 4)
            .Init("m", [0.3f, -0.1f, 0.2f, 0.5f], 4)
            .Init("v", [2f, 0.5f, 1f, 4f], 4)
            .Init("W2", Rand(5 * 4, 2), 5, 4, 1, 1)
            .Init("W3", Rand(5 * 4 * 9, 3), 5, 4, 3, 3)
            .Node("Conv", "conv1", ["x", "W1"], ["a"], ("pads", new long[] { 1, 1, 1, 1 }))
            .Node("BatchNormalization", "bn", ["a", "g", "b", "m", "v"], ["n"], ("epsilon", 1e-3f))
            .Node("Relu", "relu", ["n"], ["r"])
            .Node(
                "AveragePool",
                "pool",
                ["r"],
                ["p"],
                ("kernel_shape", new long[] { 3, 3 }),
                ("strides", new long[] { 2, 2 }),
                ("pads", new long[] { 1, 1, 1, 1 })
            )
            .Node("Conv", "conv2", ["p", "W2"], ["c2"])
            .Node("Conv", "conv3", ["p", "W3"], ["c3"], ("pads", new long[] { 1, 1, 1, 1 }))
            .Node("Sub", "sub", ["c2", "c3"], ["y"])
            .Output("y")
            .Save(Path.Combine(Dir, "bn.onnx"));
        using var model = OnnxModel.Load(path).ToVisionModel();
        AssertClosedFormEqualsBackprop(model, "conv1", "sub", 11);
    }

    [Fact]
    public void DeclinesNamingTheNodeAndFallsBackToBackpropagation()
    {
        // Clip (exported ReLU6) keeps its real gradient: no closed form, and the error names the
        // node.
        using var mobile = ModelRegistry.Load(Fixture("mobilenetv2_opset13.onnx"));
        var e = Assert.Throws<InvalidOperationException>(() =>
            ExpandedWeights.Get(
                mobile,
                "features.0.0",
                "features.1",
                5,
                method: ExpandedWeightsMethod.ClosedForm
            )
        );
        Assert.Contains("(Clip) has no closed form", e.Message);
        var method = ExpandedWeights.Profile(mobile, "features.0.0", "features.1", 5).Method;
        Assert.StartsWith("autograd (node '", method);
        Assert.Contains("(Clip) has no closed form", method);

        // A 1x1 crop: the 3x3 branches at the center read padding of an intermediate node, where
        // composed kernels differ.
        using var google = ModelRegistry.Load(Fixture("googlenet_opset11.onnx"));
        var border = Assert.Throws<InvalidOperationException>(() =>
            ExpandedWeights.Get(
                google,
                "inception3a",
                "inception3b",
                1,
                method: ExpandedWeightsMethod.ClosedForm
            )
        );
        Assert.Contains("reach padding", border.Message);
        Assert.StartsWith(
            "autograd (",
            ExpandedWeights.Profile(google, "inception3a", "inception3b", 1).Method
        );
    }
}
