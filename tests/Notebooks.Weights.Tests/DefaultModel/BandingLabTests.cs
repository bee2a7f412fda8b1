using Notebooks.Weights.Models.Default;
using Notebooks.Weights.Training;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.DefaultModel;

public class BandingLabTests
{
    [Fact]
    public void RowOnlyKernelsAreFullyHorizontalAndColumnOnlyFullyVertical()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(3);
        var rowsOnly = randn(4, 5, 3, 1, generator: g).expand(4, 5, 3, 3);   // w[o,i,y,x] = f(y)
        var (h, v, reference) = ProvisionalBandingScore.Of(rowsOnly);
        Assert.Equal(1.0, h, 9);
        Assert.Equal(0.0, v, 9);
        Assert.Equal(0.25, reference, 12);   // (3-1)/(9-1)
        var (h2, v2, _) = ProvisionalBandingScore.Of(rowsOnly.transpose(2, 3));
        Assert.Equal((0.0, 1.0), (Math.Round(h2, 9), Math.Round(v2, 9)));
        // A pure interaction pattern (checkerboard with zero row and column means): neither.
        var checker = tensor(new double[] { 1, -1, 0, -1, 1, 0, 0, 0, 0 }).reshape(1, 1, 3, 3);
        var (h3, v3, _) = ProvisionalBandingScore.Of(checker);
        Assert.Equal((0.0, 0.0), (Math.Round(h3, 12), Math.Round(v3, 12)));
        // Hand-computed mixed case: s = [[1,1,1],[0,0,0],[0,0,3]]: μ = 2/3, row means 1,0,1 → r = 1/3,-2/3,1/3,
        // col means 1/3,1/3,4/3 → c = -1/3,-1/3,2/3; Σ(s-μ)² = 12 - 9·(4/9) = 8; H = 3·(6/9)/8 = 0.25, V = 0.25.
        var mixed = tensor(new double[] { 1, 1, 1, 0, 0, 0, 0, 0, 3 }).reshape(1, 1, 3, 3);
        var (h4, v4, _) = ProvisionalBandingScore.Of(mixed);
        Assert.Equal(0.25, h4, 12);
        Assert.Equal(0.25, v4, 12);
    }

    [Fact]
    public void RandomWeightsScoreNearTheReference()
    {
        using var scope = NewDisposeScope();
        var (h, v, reference) = ProvisionalBandingScore.Of(randn(256, 64, 3, 3, generator: new Generator(1)));
        Assert.InRange(h, reference - 0.01, reference + 0.01);
        Assert.InRange(v, reference - 0.01, reference + 0.01);
        Assert.Contains("no spatial variation", Assert.Throws<ArgumentException>(() => ProvisionalBandingScore.Of(ones(2, 2, 3, 3))).Message);
        Assert.Contains("[C_out, C_in, kH, kW]", Assert.Throws<ArgumentException>(() => ProvisionalBandingScore.Of(ones(2, 3, 3))).Message);
    }

    [Fact]
    public void VariantsChangeExactlyOneThing()
    {
        var baseOptions = new TrainOptions { Seed = 7, Steps = 11 };
        var all = BandingVariant.All.ToDictionary(v => v.Name, v => v.Apply(baseOptions));
        Assert.Equal(new[] { "baseline", "flatten", "xpool", "rotated" }, BandingVariant.All.Select(v => v.Name));
        Assert.Equal(baseOptions, all["baseline"]);
        Assert.Equal(baseOptions with { Config = baseOptions.Config with { Head = PoolingHead.Flatten } }, all["flatten"]);
        Assert.Equal(baseOptions with { Config = baseOptions.Config with { Head = PoolingHead.AverageX } }, all["xpool"]);
        Assert.Equal(baseOptions with { Rotate90 = true }, all["rotated"]);
        var e = Assert.Throws<ArgumentException>(() => BandingVariant.Get("rotate"));
        Assert.Contains("Unknown banding variant 'rotate'", e.Message);
        Assert.Contains("rotated", e.Message);
    }
}
