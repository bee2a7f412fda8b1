using Notebooks.Weights.Decomposition;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Decomposition;

public class BandingScoreTests
{
    [Fact]
    public void PureHorizontalStripesScoreOneAndVerticalZero()
    {
        using var scope = NewDisposeScope();
        // w[c, y, x] = a_c * f(y): varies with y only.
        var a = randn(5, 1, 1, generator: new Generator(1), dtype: ScalarType.Float64);
        var f = tensor(new[] { 1.0, -2.0, 0.5 }).reshape(1, 3, 1);
        var w = (a * f).expand(5, 3, 3).contiguous();
        var s = BandingScore.ForNeuron(w);
        Assert.Equal(1.0, s.Horizontal, 12);
        Assert.Equal(0.0, s.Vertical, 12);
        var t = BandingScore.ForNeuron(w.transpose(1, 2).contiguous());
        Assert.Equal(0.0, t.Horizontal, 12);
        Assert.Equal(1.0, t.Vertical, 12);
    }

    [Fact]
    public void HandComputedMixedExample()
    {
        // One channel, 2x2 kernel [[1, 2], [3, 8]]: μ = 3.5; row means 1.5, 5.5 -> r = -2, 2;
        // column means 2, 5 -> c = -1.5, 1.5. total = 2.5²+1.5²+0.5²+4.5² = 29; rowE = 2·(4+4) =
        // 16; colE = 2·(2.25+2.25) = 9.
        using var scope = NewDisposeScope();
        var w = tensor(new[] { 1.0, 2, 3, 8 }).reshape(1, 2, 2);
        var s = BandingScore.ForNeuron(w);
        Assert.Equal(16.0 / 29, s.Horizontal, 12);
        Assert.Equal(9.0 / 29, s.Vertical, 12);
        Assert.Equal(1.0 / 3, s.Baseline, 12);
    }

    [Fact]
    public void RandomLayerScoresNearTheBaselineAndLayerPoolsByEnergy()
    {
        using var scope = NewDisposeScope();
        var w = randn(64, 128, 3, 3, generator: new Generator(4), dtype: ScalarType.Float64);
        var layer = BandingScore.ForLayer(w);
        Assert.Equal(0.25, layer.BaselineHorizontal, 12);
        Assert.InRange(layer.Horizontal, 0.23, 0.27);
        Assert.InRange(layer.Vertical, 0.23, 0.27);
        // Scaling one neuron up makes the pooled score follow that neuron.
        var banded = (
            randn(1, 128, 3, 1, generator: new Generator(5), dtype: ScalarType.Float64) * 100
        ).expand(1, 128, 3, 3);
        var mixed = cat([w, banded], 0);
        var l2 = BandingScore.ForLayer(mixed);
        Assert.True(l2.Horizontal > 0.99);
        Assert.Equal(1.0, l2.Neurons[64].Horizontal, 9);
        Assert.True(l2.MeanNeuronHorizontal < 0.3);
    }

    [Fact]
    public void RowOnlyLayerIsFullyHorizontalItsTransposeFullyVertical()
    {
        using var scope = NewDisposeScope();
        var rowsOnly = randn(4, 5, 3, 1, generator: new Generator(3), dtype: ScalarType.Float64)
            .expand(4, 5, 3, 3); // w[o,i,y,x] = f(y)
        var h = BandingScore.ForLayer(rowsOnly);
        Assert.Equal((1.0, 0.0), (Math.Round(h.Horizontal, 12), Math.Round(h.Vertical, 12)));
        Assert.All(h.Neurons, n => Assert.Equal(1.0, n.Horizontal, 12));
        var v = BandingScore.ForLayer(rowsOnly.transpose(2, 3));
        Assert.Equal((0.0, 1.0), (Math.Round(v.Horizontal, 12), Math.Round(v.Vertical, 12)));
        // Stripes plus a little i.i.d. noise: still far above the 0.25 reference, and symmetric
        // under transposition.
        var noisy =
            rowsOnly
            + 0.1 * randn(4, 5, 3, 3, generator: new Generator(8), dtype: ScalarType.Float64);
        var n1 = BandingScore.ForLayer(noisy);
        var n2 = BandingScore.ForLayer(noisy.transpose(2, 3));
        Assert.True(
            n1.Horizontal > 0.9 && n1.Vertical < 0.05,
            $"H {n1.Horizontal}, V {n1.Vertical}"
        );
        Assert.Equal(n1.Horizontal, n2.Vertical, 12);
        Assert.Equal(n1.Vertical, n2.Horizontal, 12);
    }

    [Fact]
    public void InteractionOnlyAndHandComputed3x3Cases()
    {
        using var scope = NewDisposeScope();
        // A pure interaction pattern (zero row and column means): neither horizontal nor vertical.
        var checker = tensor(new double[] { 1, -1, 0, -1, 1, 0, 0, 0, 0 }).reshape(1, 1, 3, 3);
        var c = BandingScore.ForLayer(checker);
        Assert.Equal((0.0, 0.0), (Math.Round(c.Horizontal, 12), Math.Round(c.Vertical, 12)));
        // s = [[1,1,1],[0,0,0],[0,0,3]]: μ = 2/3; row means 1,0,1 → r = 1/3,-2/3,1/3; column means
        // 1/3,1/3,4/3 → c = -1/3,-1/3,2/3; Σ(s-μ)² = 12 - 9·(4/9) = 8; H = 3·(6/9)/8 = 0.25, V =
        // 3·(6/9)/8 = 0.25.
        var mixed = tensor(new double[] { 1, 1, 1, 0, 0, 0, 0, 0, 3 }).reshape(1, 1, 3, 3);
        var m = BandingScore.ForLayer(mixed);
        Assert.Equal(0.25, m.Horizontal, 12);
        Assert.Equal(0.25, m.Vertical, 12);
    }

    [Theory]
    [InlineData(3, 3, 0.25, 0.25)] // (3-1)/(9-1)
    [InlineData(5, 5, 1.0 / 6, 1.0 / 6)] // (5-1)/(25-1)
    [InlineData(3, 5, 2.0 / 14, 4.0 / 14)] // rows (kH-1)/(kH·kW-1), columns (kW-1)/(kH·kW-1)
    public void IidRandomWeightsScoreNearTheReference(int kh, int kw, double refH, double refV)
    {
        using var scope = NewDisposeScope();
        var layer = BandingScore.ForLayer(
            randn(
                128,
                96,
                kh,
                kw,
                generator: new Generator((ulong)(kh * 10 + kw)),
                dtype: ScalarType.Float64
            )
        );
        Assert.Equal(refH, layer.BaselineHorizontal, 12);
        Assert.Equal(refV, layer.BaselineVertical, 12);
        Assert.InRange(layer.Horizontal, refH - 0.01, refH + 0.01);
        Assert.InRange(layer.Vertical, refV - 0.01, refV + 0.01);
        // Uniform (non-Gaussian) i.i.d. weights have the same expectation.
        var u = BandingScore.ForLayer(
            rand(
                128,
                96,
                kh,
                kw,
                generator: new Generator((ulong)(kh * 10 + kw + 1)),
                dtype: ScalarType.Float64
            )
        );
        Assert.InRange(u.Horizontal, refH - 0.01, refH + 0.01);
        Assert.InRange(u.Vertical, refV - 0.01, refV + 0.01);
    }

    [Fact]
    public void ConstantKernelsHaveNoBanding()
    {
        using var scope = NewDisposeScope();
        Assert.Contains(
            "no spatial variation",
            Assert.Throws<ArgumentException>(() => BandingScore.ForLayer(ones(2, 2, 3, 3))).Message
        );
        // One constant neuron next to a banded one: it scores 0 and does not dilute the layer
        // score.
        var banded = tensor(new double[] { 1, 1, 1, 0, 0, 0, -1, -1, -1 }).reshape(1, 1, 3, 3);
        var layer = BandingScore.ForLayer(
            cat([banded, full(1, 1, 3, 3, 2.0, dtype: ScalarType.Float64)], 0)
        );
        Assert.Equal(1.0, layer.Horizontal, 12);
        Assert.Equal(0.0, layer.Neurons[1].Horizontal);
    }

    [Fact]
    public void BadShapesAreRejected()
    {
        using var scope = NewDisposeScope();
        Assert.Contains(
            "[C_in, kH, kW]",
            Assert
                .Throws<ArgumentException>(() =>
                    BandingScore.ForNeuron(randn(3, 3, generator: new Generator(99)))
                )
                .Message
        );
        Assert.Contains(
            "kH·kW ≥ 2",
            Assert
                .Throws<ArgumentException>(() =>
                    BandingScore.ForLayer(randn(4, 4, 1, 1, generator: new Generator(99)))
                )
                .Message
        );
        Assert.Contains(
            "empty",
            Assert.Throws<ArgumentException>(() => BandingScore.ForLayer(zeros(0, 4, 3, 3))).Message
        );
    }
}
