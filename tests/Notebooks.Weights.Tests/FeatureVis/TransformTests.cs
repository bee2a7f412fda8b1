using Notebooks.Weights.FeatureVis;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.FeatureVis;

public class TransformTests
{
    static Tensor Ramp(int h, int w) =>
        arange(h * w, dtype: ScalarType.Float32).reshape(1, 1, h, w);

    [Fact]
    public void PadFillsWithTheConstant()
    {
        var y = Transforms.Pad(2, 0.5).Apply(ones(1, 3, 4, 4), new Random(0));
        Assert.Equal(new long[] { 1, 3, 8, 8 }, y.shape);
        Assert.Equal(0.5f, y[0, 1, 0, 0].item<float>());
        Assert.Equal(1f, y[0, 1, 2, 2].item<float>());
        Assert.Equal(3 * (64 - 16) * 0.5 + 3 * 16, y.sum().item<float>(), 3);
    }

    [Fact]
    public void JitterCropsAtOffsetsInZeroToDInclusive()
    {
        var x = Ramp(10, 10);
        var r = new Random(5);
        var r2 = new Random(5);
        for (int i = 0; i < 20; i++)
        {
            var y = Transforms.Jitter(3).Apply(x, r);
            int oy = r2.Next(4),
                ox = r2.Next(4);
            Assert.Equal(new long[] { 1, 1, 7, 7 }, y.shape);
            Assert.Equal(oy * 10 + ox, y[0, 0, 0, 0].item<float>());
        }
    }

    [Fact]
    public void ResizeBilinearMatchesTf1LegacySampling()
    {
        // 2x2 [[0,1],[2,3]] → 3x3: source coordinates 0, 2/3, 4/3 (clamped), no half-pixel offset.
        var x = tensor(new float[] { 0, 1, 2, 3 }).reshape(1, 1, 2, 2);
        var y = Transforms.ResizeBilinearTf1(x, 3, 3).flatten().data<float>().ToArray();
        var expected = new[] { 0, 2 / 3.0, 1, 4 / 3.0, 2, 7 / 3.0, 2, 8 / 3.0, 3 };
        Assert.Equal(expected, y.Select(v => (double)v), new ParameterizationTests.Tol(1e-5));
    }

    [Fact]
    public void RotateNinetyDegreesTurnsTheRightColumnIntoTheTopRow()
    {
        var x = Ramp(3, 3); // v[r][c] = 3r + c
        var y = Transforms.RotateNearest(x, Math.PI / 2).flatten().data<float>().ToArray();
        Assert.Equal(new float[] { 2, 5, 8, 1, 4, 7, 0, 3, 6 }, y);
        // 45 degrees on 5x5: corners come from outside the image → zero fill; the center stays.
        var z = Transforms.RotateNearest(Ramp(5, 5).add(1), Math.PI / 4);
        Assert.Equal(0f, z[0, 0, 0, 0].item<float>());
        Assert.Equal(13f, z[0, 0, 2, 2].item<float>());
    }

    [Fact]
    public void RotateAndResizePassGradients()
    {
        var x = rand(1, 3, 9, 9).requires_grad_(true);
        var y = Transforms.RotateNearest(Transforms.ResizeBilinearTf1(x, 11, 11), 0.1);
        y.sum().backward();
        Assert.True(x.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void StandardTransformsChainLucidsSizes()
    {
        var x = rand(2, 3, 128, 128);
        var scales = Enumerable.Range(0, 11).Select(i => 1 + (i - 5) / 50.0);
        var allowed = scales.Select(s => (long)((float)s * 144f) - 4).ToHashSet();
        var r = new Random(1);
        var seen = new HashSet<long>();
        for (int i = 0; i < 30; i++)
        {
            var y = Transforms.Standard.Apply(x, r);
            Assert.Equal(y.shape[2], y.shape[3]);
            Assert.Contains(y.shape[2], allowed);
            seen.Add(y.shape[2]);
        }
        Assert.True(seen.Count > 3);
        Assert.Equal(
            "pad(12, 0.5) → jitter(8) → random_scale(0.9,0.92,0.94,0.96,0.98,1,1.02,1.04,1.06,1.08,1.1) → random_rotate(-10..10, n=26) → jitter(4)",
            Transforms.Standard.Description
        );
    }

    /// <summary>The sizes the standard transforms declare are exactly those Lucid's formula gives
    /// (pad 12, jitter 8, int(s·H) for 11 scales, jitter 4), and exactly those 300 seeded draws
    /// produce, for a non-square image.</summary>
    [Fact]
    public void StandardTransformsDeclareEveryOutputSizeTheyProduce()
    {
        var scales = Enumerable.Range(0, 11).Select(i => 1 + (i - 5) / 50.0).ToArray();
        var formula = scales
            .Select(s => ((long)((float)s * 112f) - 4, (long)((float)s * 144f) - 4))
            .ToHashSet();
        var declared = Transforms.Standard.OutputSizes(96, 128);
        Assert.NotNull(declared);
        Assert.Equal(declared.Count, declared.Distinct().Count());
        Assert.Equal(formula, declared.ToHashSet());
        var x = rand(1, 3, 96, 128);
        var r = new Random(3);
        var seen = new HashSet<(long, long)>();
        for (int i = 0; i < 300; i++)
        {
            using var scope = NewDisposeScope();
            var y = Transforms.Standard.Apply(x, r);
            seen.Add((y.shape[2], y.shape[3]));
        }
        Assert.Equal(formula, seen);
    }

    /// <summary>A transform made from a bare function declares no sizes, nor does a chain that
    /// contains one; the size-keeping ones map sizes as they transform.</summary>
    [Fact]
    public void UndeclaredSizesStayUnknownThroughCompose()
    {
        var custom = new ImageTransform("custom", (x, _) => x.alias());
        Assert.Null(custom.OutputSizes(10, 10));
        Assert.Null(Transforms.Pad(2).Then(custom).OutputSizes(10, 10));
        Assert.Equal([(10L, 12L)], Transforms.Identity.OutputSizes(10, 12));
        Assert.Equal([(14L, 16L)], Transforms.Pad(2).OutputSizes(10, 12));
        Assert.Equal([(7L, 9L)], Transforms.Jitter(3).OutputSizes(10, 12));
        Assert.Empty(Transforms.Jitter(10).OutputSizes(10, 12)!);
        Assert.Equal([(10L, 12L)], Transforms.RandomRotate(5, -5).OutputSizes(10, 12));
        Assert.Equal(
            [(5L, 6L), (20L, 24L)],
            Transforms.RandomScale(0.5, 2, 0.5).OutputSizes(10, 12)
        );
    }
}
