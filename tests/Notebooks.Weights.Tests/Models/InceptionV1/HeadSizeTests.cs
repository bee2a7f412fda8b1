using Notebooks.Weights.Models;
using Notebooks.Weights.Models.InceptionV1;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Notebooks.Weights.Tests.Models.InceptionV1;

/// <summary>
/// Issue 17 item 5: the heads compute wherever TF's inception5h graph does. TF semantics:
/// head0_pool/head1_pool are 5x5 stride-3 VALID average pools (need 5x5), avgpool0 a 7x7 VALID
/// average pool (needs 7x7), and the dense layers read <c>tf.reshape(x_nhwc, [-1, 2048])</c> (aux
/// heads) and <c>[-1, 1024]</c> (softmax2): rows of the NHWC-flattened tensor, which exist only
/// when the value count is a multiple of the row width.
/// </summary>
public class HeadSizeTests
{
    static InceptionV1Net Net(VisionModel m) => (InceptionV1Net)m.Module;

    [Fact]
    public void AvailabilityFollowsTfShapeArithmetic()
    {
        using var m = InceptionV1Model.Create(seed: 2);
        var net = Net(m);
        string? Why(string path, long n, long size) => net.WhyNotComputed(path, [n, 3, size, size]);
        foreach (
            var layer in new[]
            {
                "head0_pool",
                "head0_bottleneck.conv",
                "nn0",
                "softmax0.softmax",
                "head1_pool",
                "nn1",
                "avgpool0",
                "softmax2",
            }
        )
            Assert.Null(Why(layer, 1, 224));
        // 225 px: mixed4a 15x15 → head pools 4x4 (all heads as at 224); mixed5b 8x8 → avgpool0 2x2,
        // softmax2 on 4 rows per image.
        Assert.Null(Why("softmax2", 1, 225));
        Assert.Null(Why("nn0", 1, 225));
        // 300 px: mixed4a 19x19 → head pools 5x5 (25·128 = 3200 values per image, not a multiple of
        // 2048 for one image, a multiple for 16); mixed5b 10x10 → avgpool0 4x4.
        foreach (
            var layer in new[]
            {
                "head0_pool",
                "head0_bottleneck",
                "head1_pool",
                "head1_bottleneck",
                "avgpool0",
                "softmax2",
            }
        )
            Assert.Null(Why(layer, 1, 300));
        Assert.Contains("3200 values", Why("nn0", 1, 300));
        Assert.Contains("[-1, 2048]", Why("softmax1", 1, 300));
        Assert.Null(Why("nn0", 16, 300));
        // mixed4a reaches 5x5 from 65 px; mixed5b reaches 7x7 from 193 px.
        Assert.Null(Why("head0_pool", 1, 65));
        Assert.Contains("VALID", Why("head0_pool", 1, 64));
        Assert.Null(Why("avgpool0", 1, 193));
        Assert.Contains("mixed5b", Why("softmax2", 1, 192));
        Assert.Null(Why("mixed4a", 1, 8));
    }

    /// <summary>At 225 px softmax2 has one row per avgpool0 position (row-major), each the softmax
    /// of the dense layer on that position's 7x7 window mean of mixed5b.</summary>
    [Fact]
    public void Softmax2At225PixelsHasOneRowPerAvgpoolPosition()
    {
        using var m = InceptionV1Model.Create(seed: 2);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var a = m.Activations(
            rand(new long[] { 1, 3, 225, 225 }, generator: new Generator(4)),
            "mixed5b",
            "avgpool0",
            "softmax2"
        );
        Assert.Equal(new long[] { 1, 1024, 8, 8 }, a["mixed5b"].shape);
        Assert.Equal(new long[] { 1, 1024, 2, 2 }, a["avgpool0"].shape);
        Assert.Equal(new long[] { 4, 1008 }, a["softmax2"].shape);
        var w = m.Parameters["softmax2_w"]; // [out, in]
        var bias = m.Parameters["softmax2_b"];
        for (int y = 0; y < 2; y++)
        for (int x = 0; x < 2; x++)
        {
            var window = a["mixed5b"][0, .., y..(y + 7), x..(x + 7)].mean([1, 2]); // [1024]
            var expected = F.softmax(w.matmul(window).add(bias), 0);
            Assert.True(
                a["softmax2"][y * 2 + x].allclose(expected, rtol: 1e-4, atol: 1e-6),
                $"row {y * 2 + x}"
            );
        }
        Assert.Equal(new long[] { 4, 1008 }, m.LayerInfo("softmax2", 225).Shape);
    }

    /// <summary>
    /// At 300 px (batch 1) the pools, the bottlenecks and softmax2 compute; nn0/nn1 are refused
    /// with TF's reason. At 128 px a batch of 4 gives 4·(2·2·128) = 2048 values: one nn0 row
    /// spanning all four images, as TF's reshape does.
    /// </summary>
    [Fact]
    public void AuxiliaryHeadsComputeWhereTfDoesAndRefuseWithItsReason()
    {
        using var m = InceptionV1Model.Create(seed: 2);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var a = m.Activations(
            rand(new long[] { 1, 3, 300, 300 }, generator: new Generator(5)),
            "head0_pool",
            "head0_bottleneck",
            "head1_pool",
            "head1_bottleneck",
            "avgpool0",
            "softmax2"
        );
        Assert.Equal(new long[] { 1, 508, 5, 5 }, a["head0_pool"].shape);
        Assert.Equal(new long[] { 1, 128, 5, 5 }, a["head0_bottleneck"].shape);
        Assert.Equal(new long[] { 1, 528, 5, 5 }, a["head1_pool"].shape);
        Assert.Equal(new long[] { 1, 1024, 4, 4 }, a["avgpool0"].shape);
        Assert.Equal(new long[] { 16, 1008 }, a["softmax2"].shape);
        var e = Assert.Throws<ArgumentException>(() =>
            m.Activations(rand(new long[] { 1, 3, 300, 300 }), "nn0")
        );
        Assert.Contains("TF cannot compute it at a 300x300 input with batch 1", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() =>
            m.Activations(rand(new long[] { 1, 3, 48, 48 }), "head1_bottleneck")
        );
        Assert.Contains(
            "head1_pool is a 5x5 stride-3 VALID average pool of mixed4d, which is 3x3",
            e2.Message
        );

        var b = m.Activations(
            rand(new long[] { 4, 3, 128, 128 }, generator: new Generator(6)),
            "head0_bottleneck",
            "nn0_pre_relu"
        );
        Assert.Equal(new long[] { 4, 128, 2, 2 }, b["head0_bottleneck"].shape);
        Assert.Equal(new long[] { 1, 1024 }, b["nn0_pre_relu"].shape);
        var flat = b["head0_bottleneck"].permute(0, 2, 3, 1).reshape(-1); // NHWC order, all images
        var expected = m.Parameters["nn0_w"].matmul(flat).add(m.Parameters["nn0_b"]);
        Assert.True(b["nn0_pre_relu"][0].allclose(expected, rtol: 1e-4, atol: 1e-5));
        Assert.Throws<ArgumentException>(() =>
            m.Activations(rand(new long[] { 1, 3, 128, 128 }), "nn0")
        );
    }
}
