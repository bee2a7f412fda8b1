using Notebooks.Weights.Decomposition;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Decomposition;

public class BatchedNmfTests
{
    [Theory]
    [MemberData(nameof(NmfSklearnTests.Cases), MemberType = typeof(NmfSklearnTests))]
    public void BatchedKernelIsWithinOnePercentOfSklearn(int index)
    {
        var c = SklearnFixture.Root.GetProperty("nmf")[index];
        using var scope = NewDisposeScope();
        var x = SklearnFixture.Load(c.GetProperty("input").GetString()!);
        var o = new NmfOptions
        {
            Components = c.GetProperty("n_components").GetInt32(),
            Init = c.GetProperty("init").GetString() == "nndsvd" ? NmfInit.Nndsvd : NmfInit.Nndsvda,
            Tol = c.GetProperty("tol").GetDouble(),
            MaxIter = c.GetProperty("max_iter").GetInt32(),
        };
        using var fit = Nmf.FitBatched(x.unsqueeze(0), o);
        double sk = c.GetProperty("relative_err").GetDouble();
        Assert.True(
            Math.Abs(fit.RelativeError[0] - sk) <= 0.01 * sk,
            $"batched {fit.RelativeError[0]:G6} vs sklearn {sk:G6}"
        );
        double check =
            (x - fit.W[0].to_type(ScalarType.Float64).matmul(fit.H[0].to_type(ScalarType.Float64)))
                .norm()
                .item<double>() / x.norm().item<double>();
        Assert.Equal(check, fit.RelativeError[0], 6);
    }

    [Fact]
    public void BatchedEqualsOneAtATimeForEveryNeuron()
    {
        using var scope = NewDisposeScope();
        var weight = SyntheticWeights.ConvLayer(24, 64, seed: 5);
        var x = LayerNmf.PosNegMatrices(weight);
        Assert.Equal(new long[] { 24, 9, 128 }, x.shape);
        var o = new NmfOptions { Components = 3 };
        using var batched = Nmf.FitBatched(x, o);
        for (int n = 0; n < 24; n++)
        {
            using var single = Nmf.Fit(x[n].to_type(ScalarType.Float64), o);
            Assert.True(
                Math.Abs(batched.RelativeError[n] - single.RelativeError)
                    <= 1e-3 * single.RelativeError,
                $"neuron {n}: batched {batched.RelativeError[n]} vs single {single.RelativeError}"
            );
            Assert.InRange(batched.Iterations[n], single.Iterations - 2, single.Iterations + 2);
            // Same factors (up to float32 rounding), not just the same error.
            var recB = batched.W[n].matmul(batched.H[n]).to_type(ScalarType.Float64);
            var recS = single.W.matmul(single.H);
            Assert.True(
                recB.allclose(recS, 1e-3, 1e-3 * recS.abs().max().item<double>()),
                $"neuron {n} reconstruction differs"
            );
        }
    }

    [Fact]
    public void RandomInitIsSeededAndDeterministic()
    {
        using var scope = NewDisposeScope();
        var x = rand(3, 8, 12, generator: new Generator(9));
        var o = new NmfOptions
        {
            Components = 10,
            Init = NmfInit.Random,
            Seed = 4,
        }; // K > n_samples needs random init
        using var a = Nmf.FitBatched(x, o);
        using var b = Nmf.FitBatched(x, o);
        using var c = Nmf.FitBatched(x, o with { Seed = 5 });
        Assert.True(a.W.equal(b.W).all().item<bool>() && a.H.equal(b.H).all().item<bool>());
        Assert.False(a.W.allclose(c.W));
        Assert.Equal(new long[] { 3, 8, 10 }, a.W.shape);
    }

    [Fact]
    public void LayerNmfBuildsSpatialByPosNegChannelMatrices()
    {
        using var scope = NewDisposeScope();
        var w = randn(2, 3, 3, 3, generator: new Generator(1));
        var x = LayerNmf.PosNegMatrices(w);
        Assert.Equal(new long[] { 2, 9, 6 }, x.shape);
        // x[n, y*kW + x, c] = max(0, w[n, c, y, x]);  x[n, ., C + c] = max(0, -w[n, c, y, x])
        Assert.Equal(Math.Max(0, w[1, 2, 0, 1].item<float>()), x[1, 1, 2].item<float>());
        Assert.Equal(Math.Max(0, -w[0, 1, 2, 2].item<float>()), x[0, 8, 4].item<float>());
        Assert.Throws<ArgumentException>(() =>
            LayerNmf.PosNegMatrices(randn(3, 3, 3, generator: new Generator(99)))
        );
    }

    [Fact]
    public void InputIsReadInPlaceButNeverWrittenAndAnyLayoutGivesTheSameFit()
    {
        // The kernel reads X straight from tensor storage: it must leave X as it was, and a
        // transposed float64 view of the same values must give the same factors as the contiguous
        // float32 tensor.
        using var scope = NewDisposeScope();
        var x = rand(4, 9, 40, generator: new Generator(3));
        var before = x.clone();
        var o = new NmfOptions { Components = 3 };
        using var a = Nmf.FitBatched(x, o);
        Assert.True(x.equal(before).all().item<bool>(), "FitBatched changed its input");
        var view = x.to_type(ScalarType.Float64).transpose(1, 2).contiguous().transpose(1, 2); // same values, strided
        Assert.False(view.is_contiguous());
        using var b = Nmf.FitBatched(view, o);
        Assert.True(a.W.equal(b.W).all().item<bool>() && a.H.equal(b.H).all().item<bool>());
        Assert.Equal(a.RelativeError, b.RelativeError);
    }
}
