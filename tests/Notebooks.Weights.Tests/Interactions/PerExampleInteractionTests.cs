using Notebooks.Weights.Decomposition;
using Notebooks.Weights.Interactions;
using Notebooks.Weights.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Interactions;

[Collection("WeightsSerial")]
public class PerExampleInteractionTests
{
    /// <summary>conv(3→4,k3) → conv(4→5,k3,stride 2) → conv(5→6,k3), valid padding, no
    /// non-linearity.</summary>
    static VisionModel LinearNet(int seed)
    {
        manual_seed(seed);
        var seq = nn.Sequential(
            ("c1", nn.Conv2d(3, 4, 3)),
            ("c2", nn.Conv2d(4, 5, 3, stride: 2)),
            ("c3", nn.Conv2d(5, 6, 3))
        );
        return new VisionModel("linear", seq, new InputSpec(3, 24, -1, 1));
    }

    /// <summary>conv(3→4,k3,pad 1) → ReLU → conv(4→5,k3,pad 1).</summary>
    static VisionModel OneReluNet(int seed)
    {
        manual_seed(seed);
        var seq = nn.Sequential(
            ("c1", nn.Conv2d(3, 4, 3, padding: 1)),
            ("r1", nn.ReLU()),
            ("c2", nn.Conv2d(4, 5, 3, padding: 1))
        );
        return new VisionModel("one-relu", seq, new InputSpec(3, 12, -1, 1));
    }

    static Tensor Images(int n, int size, int seed)
    {
        using var g = new Generator((ulong)seed);
        return rand([n, 3, size, size], generator: g);
    }

    static float[] Data(Tensor t) => t.detach().cpu().contiguous().data<float>().ToArray();

    [Fact]
    public void WithoutNonLinearityEveryImageGetsTheExpandedWeight()
    {
        using var model = LinearNet(1);
        using var images = Images(10, 24, 2);
        var from = new UnitRef("c1", 2);
        var to = new UnitRef("c3", 4);
        using var expanded = Interaction.ExpandedWeight(model, from, to, width: 7);
        Assert.True(expanded.abs().max().item<float>() > 1e-3);
        foreach (bool lin in new[] { false, true })
        {
            using var maps = Interaction.PerExample(
                model,
                from,
                to,
                images,
                width: 7,
                linearize: lin,
                batchSize: 4
            );
            Assert.Equal(new InteractionGeometry(7, 0, 0, 2, 2), maps.Geometry);
            Assert.Equal(10, maps.Count);
            // B's positions are argmaxes spread over the 4x4 map, including its edges.
            Assert.True(maps.Positions.Distinct().Count() > 1);
            for (int n = 0; n < maps.Count; n++)
                Assert.True(
                    maps.Map(n).allclose(expanded, rtol: 1e-4, atol: 1e-6),
                    $"image {n} at {maps.Positions[n]}, linearize={lin}"
                );
        }
    }

    [Fact]
    public void OneReluEqualsTheMaskedKernelProductComputedByHand()
    {
        using var model = OneReluNet(3);
        using var images = Images(6, 12, 4);
        int a = 1,
            b = 3,
            w = 5;
        using var maps = Interaction.PerExample(
            model,
            new UnitRef("c1", a),
            new UnitRef("c2", b),
            images,
            width: w,
            batchSize: 4
        );
        var k1 = model.Parameters["c1.weight"];
        var b1 = model.Parameters["c1.bias"];
        var k2 = model.Parameters["c2.weight"];
        var b2 = model.Parameters["c2.bias"];
        using var _ = no_grad();
        var x = images * 2 - 1; // InputSpec (-1, 1)
        var act = nn.functional.conv2d(x, k1, b1, padding: [1, 1]); // A
        var bmap = nn.functional.conv2d(act.relu(), k2, b2, padding: [1, 1]); // B
        var A = Data(act);
        var B = Data(bmap);
        var K2 = Data(k2);
        int H = 12,
            C1 = 4,
            C2 = 5;
        int maskedOff = 0;
        for (int n = 0; n < 6; n++)
        {
            // B's argmax by hand.
            int best = 0;
            for (int p = 1; p < H * H; p++)
                if (B[((n * C2) + b) * H * H + p] > B[((n * C2) + b) * H * H + best])
                    best = p;
            int py = best / H,
                px = best % H;
            Assert.Equal((py, px), maps.Positions[n]);
            var map = Data(maps.Map(n));
            for (int i = 0; i < w; i++)
            for (int j = 0; j < w; j++)
            {
                int r = py - 2 + i,
                    c = px - 2 + j,
                    ky = i - 1,
                    kx = j - 1;
                float expect = 0;
                if (r >= 0 && r < H && c >= 0 && c < H && ky >= 0 && ky < 3 && kx >= 0 && kx < 3)
                {
                    bool on = A[((n * C1) + a) * H * H + r * H + c] > 0;
                    if (!on)
                        maskedOff++;
                    expect = on ? K2[((b * C1) + a) * 9 + ky * 3 + kx] : 0;
                }
                Assert.True(
                    Math.Abs(map[i * w + j] - expect) < 1e-5,
                    $"image {n} ({py},{px}) crop [{i},{j}]: {map[i * w + j]} vs {expect}"
                );
            }
        }
        Assert.True(maskedOff > 0, "the ReLU mask should switch some positions off");
    }

    [Fact]
    public void LinearizedOneReluGivesTheExpandedWeightAndBatchesMatchOneAtATime()
    {
        using var model = OneReluNet(5);
        using var images = Images(5, 12, 6);
        var from = new UnitRef("c1", 0);
        var to = new UnitRef("c2", 2);
        using var expanded = Interaction.ExpandedWeight(model, from, to, width: 5);
        using var lin = Interaction.PerExample(
            model,
            from,
            to,
            images,
            width: 5,
            position: InteractionPosition.At(4, 7),
            linearize: true
        );
        for (int n = 0; n < 5; n++)
            Assert.True(lin.Map(n).allclose(expanded, rtol: 1e-4, atol: 1e-6));
        using var batched = Interaction.PerExample(model, from, to, images, width: 5, batchSize: 5);
        using var single = Interaction.PerExample(model, from, to, images, width: 5, batchSize: 1);
        Assert.True(batched.Maps.allclose(single.Maps, rtol: 1e-5, atol: 1e-6));
        Assert.Equal(single.Positions, batched.Positions);
        // Real gradients differ from the expanded weight somewhere (the ReLU switches inputs off).
        Assert.False(batched.Maps.allclose(expanded.expand(5, -1, -1), rtol: 1e-4, atol: 1e-6));
    }

    [Fact]
    public void BadUnitsAndImagesGiveClearErrors()
    {
        using var model = OneReluNet(7);
        using var images = Images(2, 12, 1);
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Interaction.PerExample(model, new UnitRef("c1", 4), new UnitRef("c2", 0), images)
        );
        Assert.Contains("unit 4 is out of range for layer 'c1'", e1.Message);
        Assert.Contains("valid 0..3", e1.Message);
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Interaction.PerExample(model, new UnitRef("c1", 0), new UnitRef("c2", 9), images)
        );
        Assert.Contains("with 5 channels", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() =>
            Interaction.PerExample(model, new UnitRef("c2", 0), new UnitRef("c1", 0), images)
        );
        Assert.Contains("comes before layer1", e3.Message);
        using var gray = zeros(2, 1, 12, 12);
        var e4 = Assert.Throws<ArgumentException>(() =>
            Interaction.PerExample(model, new UnitRef("c1", 0), new UnitRef("c2", 0), gray)
        );
        Assert.Contains("[N, 3, H, W]", e4.Message);
        Assert.Contains(
            "unit after ':'",
            Assert.Throws<ArgumentException>(() => UnitRef.Parse("c1:x", "--from")).Message
        );
        Assert.Contains(
            "LAYER:UNIT",
            Assert.Throws<ArgumentException>(() => UnitRef.Parse("c1", "--from")).Message
        );
        Assert.Equal(new UnitRef("a:b", 3), UnitRef.Parse("a:b:3"));
    }

    [Fact]
    public void FactorsReconstructTheMapsAndRankImagesByLoading()
    {
        using var model = OneReluNet(8);
        using var images = Images(24, 12, 9);
        using var maps = Interaction.PerExample(
            model,
            new UnitRef("c1", 1),
            new UnitRef("c2", 0),
            images,
            width: 3
        );
        int n = maps.Count;
        var x = maps.Maps.reshape(n, 9).to(ScalarType.Float64);
        // PCA with all 9 components reconstructs every map exactly: mean + loadings · cases (after
        // the scaling bookkeeping).
        using (var pca = InteractionFactors.Compute(maps, 9, ReductionAlgorithm.Pca))
        {
            var recon =
                pca.Mean!.reshape(1, 9).to(ScalarType.Float64)
                + pca.Loadings.matmul(pca.Cases.reshape(9, 9).to(ScalarType.Float64));
            Assert.True(recon.allclose(x, rtol: 1e-4, atol: 1e-5));
        }
        using var nmf = InteractionFactors.Compute(
            maps,
            3,
            ReductionAlgorithm.Nmf,
            seed: 0,
            topImages: 4
        );
        Assert.Equal(3, nmf.Count);
        Assert.True(
            nmf.Loadings.min().item<double>() >= 0
                && Math.Abs(nmf.Loadings.max().item<double>() - 1) < 1e-9
        );
        var approx = nmf.Loadings.matmul(nmf.Cases.reshape(3, 9).to(ScalarType.Float64));
        double rel = (approx - x).norm().item<double>() / x.norm().item<double>();
        Assert.True(rel < 0.5, $"NMF reconstruction error {rel}");
        var l = nmf.Loadings.contiguous().data<double>().ToArray();
        for (int f = 0; f < 3; f++)
        {
            var top = nmf.TopImages[f];
            Assert.Equal(4, top.Length);
            for (int t = 1; t < top.Length; t++)
                Assert.True(l[top[t - 1] * 3 + f] >= l[top[t] * 3 + f]);
            Assert.Equal(Enumerable.Range(0, n).Max(i => l[i * 3 + f]), l[top[0] * 3 + f]);
        }
        Assert.Contains(
            "at most",
            Assert
                .Throws<ArgumentOutOfRangeException>(() =>
                    InteractionFactors.Compute(maps, 10, ReductionAlgorithm.Pca)
                )
                .Message
        );
    }
}
