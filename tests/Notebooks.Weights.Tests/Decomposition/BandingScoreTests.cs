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
        // One channel, 2x2 kernel [[1, 2], [3, 8]]: μ = 3.5; row means 1.5, 5.5 -> r = -2, 2; column means 2, 5 -> c = -1.5, 1.5.
        // total = 2.5²+1.5²+0.5²+4.5² = 29; rowE = 2·(4+4) = 16; colE = 2·(2.25+2.25) = 9.
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
        var banded = (randn(1, 128, 3, 1, generator: new Generator(5), dtype: ScalarType.Float64) * 100).expand(1, 128, 3, 3);
        var mixed = cat([w, banded], 0);
        var l2 = BandingScore.ForLayer(mixed);
        Assert.True(l2.Horizontal > 0.99);
        Assert.Equal(1.0, l2.Neurons[64].Horizontal, 9);
        Assert.True(l2.MeanNeuronHorizontal < 0.3);
    }

    [Fact]
    public void BadShapesAreRejected()
    {
        using var scope = NewDisposeScope();
        Assert.Contains("[C_in, kH, kW]", Assert.Throws<ArgumentException>(() => BandingScore.ForNeuron(randn(3, 3, generator: new Generator(99)))).Message);
        Assert.Contains("kH·kW ≥ 2", Assert.Throws<ArgumentException>(() => BandingScore.ForLayer(randn(4, 4, 1, 1, generator: new Generator(99)))).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => BandingScore.ForLayer(zeros(0, 4, 3, 3))).Message);
    }
}
