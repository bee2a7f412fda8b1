using Notebooks.Weights.Models.Default;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.Default;

using DefaultModel = Notebooks.Weights.Models.Default.DefaultModel;

public class ArchitectureTests
{
    [Fact]
    public void StandardLayerTableHasLucidNamesAndShapes()
    {
        using var m = DefaultModel.Create();
        var t = m.Layers().ToDictionary(l => l.Name);
        Assert.Equal(
            new[]
            {
                "input",
                "conv2d0_pre_relu",
                "conv2d0",
                "maxpool0",
                "conv2d1_pre_relu",
                "conv2d1",
                "maxpool1",
                "conv2d2_pre_relu",
                "conv2d2",
                "maxpool2",
                "conv2d3_pre_relu",
                "conv2d3",
                "avgpool",
                "logits",
                "softmax",
            },
            m.Layers().Select(l => l.Name)
        );
        Assert.Equal(new long[] { 1, 3, 64, 64 }, t["input"].Shape);
        Assert.Equal(new long[] { 1, 32, 64, 64 }, t["conv2d0"].Shape);
        Assert.Equal(new long[] { 1, 32, 32, 32 }, t["maxpool0"].Shape);
        Assert.Equal(new long[] { 1, 64, 32, 32 }, t["conv2d1"].Shape);
        Assert.Equal(new long[] { 1, 96, 16, 16 }, t["conv2d2"].Shape);
        Assert.Equal(new long[] { 1, 128, 8, 8 }, t["conv2d3"].Shape);
        Assert.Equal(new long[] { 1, 128, 1, 1 }, t["avgpool"].Shape);
        Assert.Equal(new long[] { 1, 10 }, t["softmax"].Shape);
        Assert.Equal(
            ("Conv2D", "Relu", "MaxPool"),
            (t["conv2d0_pre_relu"].Kind, t["conv2d0"].Kind, t["maxpool0"].Kind)
        );
        Assert.Equal(new long[] { 32, 3, 5, 5 }, m.Parameters.Shape("conv2d0_w"));
        Assert.Equal(new long[] { 128, 96, 3, 3 }, m.Parameters.Shape("conv2d3_w"));
        Assert.Equal(new long[] { 10, 128 }, m.Parameters.Shape("logits_w"));
        Assert.Equal(new long[] { 10 }, m.Parameters.Shape("logits_b"));
        Assert.Equal((-1.0, 1.0), (m.Input.Min, m.Input.Max));
    }

    [Fact]
    public void PoolingHeadsChangeOnlyTheHead()
    {
        using var flat = DefaultModel.Create(
            DefaultNetConfig.Standard with
            {
                Head = PoolingHead.Flatten,
            }
        );
        Assert.False(flat.HasLayer("avgpool"));
        Assert.Equal(new long[] { 10, 128 * 8 * 8 }, flat.Parameters.Shape("logits_w"));
        using var xpool = DefaultModel.Create(
            DefaultNetConfig.Standard with
            {
                Head = PoolingHead.AverageX,
            }
        );
        Assert.Equal(new long[] { 1, 128, 8, 1 }, xpool.LayerInfo("avgpool").Shape);
        Assert.Equal(new long[] { 10, 128 * 8 }, xpool.Parameters.Shape("logits_w"));
        // Same seed, same conv weights: the variants differ in the head only.
        using var gap = DefaultModel.Create();
        Assert.True(gap.Parameters["conv2d2_w"].allclose(xpool.Parameters["conv2d2_w"], 0, 0));
    }

    [Fact]
    public void PoolingLayersComputeTheirAveragesAndSoftmaxOfLogits()
    {
        using var scope = NewDisposeScope();
        using var xpool = DefaultModel.Create(
            DefaultNetConfig.Standard with
            {
                Head = PoolingHead.AverageX,
            },
            seed: 3
        );
        using var gap = DefaultModel.Create(seed: 3);
        var x = rand(2, 3, 64, 64, generator: new Generator(5));
        var a = xpool.Activations(x, "conv2d3", "avgpool", "logits", "softmax");
        var c = a["conv2d3"].cpu();
        // Independent loop: mean over x of each row.
        for (int ch = 0; ch < 128; ch += 37)
        for (int row = 0; row < 8; row += 3)
        {
            double sum = 0;
            for (int col = 0; col < 8; col++)
                sum += c[1, ch, row, col].item<float>();
            Assert.Equal(sum / 8, a["avgpool"][1, ch, row, 0].item<float>(), 5);
        }
        var logits = a["logits"].to_type(ScalarType.Float64);
        var expSum = logits.exp().sum(1, keepdim: true);
        Assert.True(
            a["softmax"].to_type(ScalarType.Float64).allclose(logits.exp() / expSum, 1e-6, 1e-7)
        );
        var g = gap.Activations(x, "conv2d3", "avgpool");
        Assert.Equal(
            g["conv2d3"][0, 5].mean().item<float>(),
            g["avgpool"][0, 5, 0, 0].item<float>(),
            5
        );
    }

    [Fact]
    public void FirstLayerInitIsScaledDefaultInit()
    {
        using var scaled = DefaultModel.Create(seed: 9);
        using var full = DefaultModel.Create(
            DefaultNetConfig.Standard with
            {
                FirstLayerInitScale = 1,
            },
            seed: 9
        );
        Assert.True(
            (full.Parameters["conv2d0_w"] * 0.1).allclose(
                scaled.Parameters["conv2d0_w"],
                1e-6,
                1e-8
            )
        );
        Assert.True(full.Parameters["conv2d1_w"].allclose(scaled.Parameters["conv2d1_w"], 0, 0));
        // TorchSharp's default conv init is uniform in ±1/sqrt(fan_in): fan_in 3*5*5 = 75.
        Assert.InRange(
            full.Parameters["conv2d0_w"].abs().max().item<float>(),
            0.9 / Math.Sqrt(75),
            1 / Math.Sqrt(75) + 1e-6
        );
    }

    [Theory]
    [InlineData(60, 10, "InputSize must be a positive multiple of 8")]
    [InlineData(64, 1, "Classes must be at least 2")]
    public void BadConfigsNameTheField(int size, int classes, string message)
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new DefaultNet(new DefaultNetConfig(InputSize: size, Classes: classes))
        );
        Assert.Contains(message, e.Message);
        var k = Assert.Throws<ArgumentException>(() =>
            new DefaultNet(new DefaultNetConfig(Kernel0: 4))
        );
        Assert.Contains("Kernel0 must be odd", k.Message);
        var w = Assert.Throws<ArgumentException>(() =>
            new DefaultNet(new DefaultNetConfig(Width2: 0))
        );
        Assert.Contains("Width of conv2d2 must be positive; got 0", w.Message);
    }
}
