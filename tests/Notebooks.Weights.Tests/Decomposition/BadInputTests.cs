using Notebooks.Weights.Decomposition;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Decomposition;

public class BadInputTests
{
    [Fact]
    public void NmfRejectsNegativeInputAndPointsToOneSidedVariant()
    {
        using var scope = NewDisposeScope();
        var x = rand(5, 6, generator: new Generator(0));
        x[2, 3] = tensor(-0.5f);
        using var r = new ChannelReducer(2);
        var e = Assert.Throws<ArgumentException>(() => r.FitTransform(x));
        Assert.Contains("negative", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("FitTransformPosNeg", e.Message);
    }

    [Fact]
    public void TooManyComponentsIsAClearError()
    {
        using var scope = NewDisposeScope();
        using var nmf = new ChannelReducer(5);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            nmf.FitTransform(rand(4, 10, generator: new Generator(99)))
        );
        Assert.Contains("min(4, 10) = 4", e.Message);
        using var pca = new ChannelReducer(7, ReductionAlgorithm.Pca);
        Assert.Contains(
            "min(20, 6)",
            Assert
                .Throws<ArgumentOutOfRangeException>(() =>
                    pca.FitTransform(randn(20, 6, generator: new Generator(99)))
                )
                .Message
        );
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChannelReducer(0));
        // Random init allows K > n_samples but never K > channels.
        using var rnd = new ChannelReducer(11) { Init = NmfInit.Random };
        Assert.Contains(
            "10 features",
            Assert
                .Throws<ArgumentOutOfRangeException>(() =>
                    rnd.FitTransform(rand(4, 10, generator: new Generator(99)))
                )
                .Message
        );
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void NonFiniteValuesAreRejected(double bad)
    {
        using var scope = NewDisposeScope();
        var x = rand(3, 4, dtype: ScalarType.Float64, generator: new Generator(0));
        x[1, 2] = tensor(bad);
        foreach (var alg in Enum.GetValues<ReductionAlgorithm>())
        {
            using var r = new ChannelReducer(2, alg);
            var e = Assert.Throws<ArgumentException>(() => r.FitTransform(x));
            Assert.Contains("non-finite", e.Message);
            Assert.Contains("[1, 2]", e.Message);
        }
        Assert.Throws<ArgumentException>(() => CollapseChannels.Collapse(x));
    }

    [Fact]
    public void BatchedNmfReportsTheBadEntryIndex()
    {
        // The batched path checks on a flat copy (SIMD fast path, scalar scan for the message).
        using var scope = NewDisposeScope();
        var o = new NmfOptions { Components = 2 };
        var x = rand(3, 4, 37, generator: new Generator(6));
        x[1, 2, 33] = tensor(float.NaN);
        Assert.Contains(
            "[1, 2, 33]",
            Assert.Throws<ArgumentException>(() => Nmf.FitBatched(x, o)).Message
        );
        x[1, 2, 33] = tensor(0.5f);
        x[2, 0, 36] = tensor(-1f); // in the scalar tail after the SIMD part
        var e = Assert.Throws<ArgumentException>(() => Nmf.FitBatched(x, o));
        Assert.Contains("negative", e.Message);
        Assert.Contains("[2, 0, 36]", e.Message);
        x[2, 0, 36] = tensor(float.PositiveInfinity);
        Assert.Contains(
            "non-finite",
            Assert.Throws<ArgumentException>(() => Nmf.FitBatched(x, o)).Message
        );
    }

    [Fact]
    public void EmptyTensorsAreRejected()
    {
        using var scope = NewDisposeScope();
        using var r = new ChannelReducer(2);
        Assert.Contains(
            "empty",
            Assert.Throws<ArgumentException>(() => r.FitTransform(zeros(0, 5))).Message
        );
        Assert.Contains(
            "empty",
            Assert.Throws<ArgumentException>(() => r.FitTransformPosNeg(zeros(3, 0), 0)).Message
        );
        Assert.Throws<ArgumentException>(() => CollapseChannels.Collapse(zeros(4, 0)));
        Assert.Throws<ArgumentException>(() =>
            Nmf.FitBatched(zeros(0, 3, 3), new NmfOptions { Components = 1 })
        );
    }

    [Fact]
    public void UnfittedAndMismatchedTransformsFail()
    {
        using var scope = NewDisposeScope();
        using var r = new ChannelReducer(2);
        Assert.Contains(
            "not fitted",
            Assert
                .Throws<InvalidOperationException>(() =>
                    r.Transform(rand(3, 4, generator: new Generator(99)))
                )
                .Message
        );
        r.FitTransform(rand(6, 4, generator: new Generator(2)));
        Assert.Contains(
            "fitted on 4",
            Assert
                .Throws<ArgumentException>(() =>
                    r.Transform(rand(3, 5, generator: new Generator(99)))
                )
                .Message
        );
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            r.FitTransformPosNeg(rand(3, 4, generator: new Generator(99)), 2)
        );
    }
}
