using System.Text.Json;
using Notebooks.Weights.Cli;
using Notebooks.Weights.Tests.Cli;
using static Notebooks.Weights.Tests.Models.Onnx.OnnxTestSupport;

namespace Notebooks.Weights.Tests.Models.Onnx;

/// <summary><c>weights onnx</c>: the layer table of an imported file, as text and JSON, and its
/// errors.</summary>
public class OnnxVerbTests
{
    [Fact]
    public void ListsLayersWithOpsAliasesAndShapes()
    {
        var (code, stdout, stderr) = CliRun.Run("onnx", "--model", Fixture("resnet_opset13.onnx"));
        Assert.True(code == 0, stderr);
        Assert.Contains("pytorch 1.13.0, opset 13, input 'input' [1, 3, 32, 32] NCHW", stdout);
        Assert.Matches(
            @"/layer2/layer2\.2/conv3/Conv +Conv +layer2\.2\.conv3 +\[1, 64, 4, 4\]",
            stdout
        );
        Assert.Matches(
            @"/layer2/layer2\.2/relu_2/Relu +Relu +layer2\.2\.relu_2, layer2\.2, layer2 +\[1, 64, 4, 4\]",
            stdout
        );
        Assert.Contains("onnx__Conv_173 [16, 3, 7, 7]  = onnx::Conv_173, conv1.weight", stdout);
    }

    [Fact]
    public void JsonHasEveryLayerWithShapes()
    {
        var (code, stdout, stderr) = CliRun.Run(
            "onnx",
            "--model",
            Fixture("vgg_opset13.onnx"),
            "--json",
            "--size",
            "32"
        );
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var layers = doc.RootElement.GetProperty("layers").EnumerateArray().ToList();
        var pool = layers.Single(l =>
            l.GetProperty("name").GetString() == "/features/features.12/MaxPool"
        );
        Assert.Equal("MaxPool", pool.GetProperty("op").GetString());
        Assert.Equal(
            new long[] { 1, 32, 4, 4 },
            pool.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64())
        );
        Assert.DoesNotContain(layers, l => l.GetProperty("op").GetString() == "Shape"); // shape arithmetic is not a layer
        Assert.Equal(-1, doc.RootElement.GetProperty("inputShape")[0].GetInt64()); // dynamic batch
    }

    [Fact]
    public void BadInputsGiveClearErrors()
    {
        var (code, _, stderr) = CliRun.Run("onnx");
        Assert.Equal(2, code);
        Assert.Contains("missing required option --model", stderr);
        (code, _, stderr) = CliRun.Run("onnx", "--model", "no/such/model.onnx");
        Assert.Equal(1, code);
        Assert.Contains("ONNX model file not found", stderr);
        (code, _, stderr) = CliRun.Run(
            "onnx",
            "--model",
            Fixture("resnet_opset13.onnx"),
            "--layout",
            "HWC"
        );
        Assert.Equal(1, code);
        Assert.Contains("Input layout must be \"NCHW\" or \"NHWC\"", stderr);
        // VGG's fixed-size classifier cannot take 48x48 inputs: the error names the size and the
        // failing node.
        (code, _, stderr) = CliRun.Run(
            "onnx",
            "--model",
            Fixture("vgg_opset13.onnx"),
            "--size",
            "48"
        );
        Assert.Equal(1, code);
        Assert.Contains("Input size 48x48 does not fit vgg_opset13 (default 32)", stderr);
        Assert.Contains(
            "ONNX node '/classifier/classifier.0/Gemm': cannot multiply matrices shaped [1, 1152] and [512, 32]",
            stderr
        );
    }
}
