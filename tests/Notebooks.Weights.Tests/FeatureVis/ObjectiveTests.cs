using Notebooks.Weights.FeatureVis;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.FeatureVis;

public class ObjectiveTests
{
    static ActivationLookup T(params (string name, Tensor t)[] layers) =>
        new(layers.ToDictionary(l => l.name, l => l.t), (int)layers[0].t.shape[0]);

    static double[] V(Objective o, ActivationLookup t) =>
        o.Evaluate(t).to(ScalarType.Float64).data<double>().ToArray();

    /// <summary>[2, 2, 2, 2]: image b, channel c, row y, column x holds 100b + 10c + 2y +
    /// x.</summary>
    static Tensor Grid()
    {
        var a = new float[16];
        for (int b = 0; b < 2; b++)
        for (int c = 0; c < 2; c++)
        for (int y = 0; y < 2; y++)
        for (int x = 0; x < 2; x++)
            a[((b * 2 + c) * 2 + y) * 2 + x] = 100 * b + 10 * c + 2 * y + x;
        return tensor(a).reshape(2, 2, 2, 2);
    }

    /// <summary>One position with activation vector (3, 4) in image 0 and (−3, 4) in image
    /// 1.</summary>
    static Tensor Vec34() => tensor(new float[] { 3, 4, -3, 4 }).reshape(2, 2, 1, 1);

    [Fact]
    public void NeuronReadsTheCenterBottomRightForEvenSizesAndChannelAverages()
    {
        var t = T(("l", Grid()));
        Assert.Equal(new double[] { 13, 113 }, V(Objective.Neuron("l", 1), t)); // y = 1, x = 1
        Assert.Equal(new double[] { 12, 112 }, V(Objective.Neuron("l", 1, x: 0, y: 1), t));
        Assert.Equal(new double[] { 11.5, 111.5 }, V(Objective.Channel("l", 1), t)); // mean(10,11,12,13)
        Assert.Equal(new double[] { 0, 101.5 }, V(Objective.Channel("l", 0, batch: 1), t));
    }

    [Fact]
    public void DirectionWithCossimPowFloorsTheCosineAtPointOne()
    {
        var t = T(("l", Vec34()));
        double cos0 = 3 / (5 + 1e-4) / (1 + 1e-4);
        Assert.Equal(
            new[] { 3.0, -3.0 },
            V(Objective.Direction("l", [1, 0]), t),
            new ParameterizationTests.Tol(1e-5)
        );
        Assert.Equal(
            new[] { 3 * cos0 * cos0, -3 * 0.01 },
            V(Objective.Direction("l", [1, 0], cossimPow: 2), t),
            new ParameterizationTests.Tol(1e-5)
        );
        Assert.Equal(
            new[] { 3 * cos0, 0 },
            V(Objective.DirectionNeuron("l", [1, 0], batch: 0, cossimPow: 1), t),
            new ParameterizationTests.Tol(1e-5)
        );
        // Direction averages the dot over positions: Grid image 0 channel 0 = (0,1,2,3), channel 1
        // = (10..13); v = (1, 1) → mean 13.
        Assert.Equal(13, V(Objective.Direction("l", [1, 1]), T(("l", Grid())))[0], 4);
    }

    [Fact]
    public void CosineSimilarityAndDotWithOrthogonalPenalty()
    {
        var t = T(("l", Vec34()));
        Assert.Equal(
            new[] { 3 / (5 + 1e-4) / (1 + 1e-4), -3 / (5 + 1e-4) / (1 + 1e-4) },
            V(Objective.CosineSimilarity("l", [1, 0]), t),
            new ParameterizationTests.Tol(1e-6)
        );
        // x = (3,4), v = (2,0): dot 6, orthogonal part (0,4): 6 − 0.5·sqrt(16 + 1e-6).
        Assert.Equal(
            6 - 0.5 * Math.Sqrt(16 + 1e-6),
            V(Objective.DotOrthogonalL2("l", [2, 0], penalty: 0.5), t)[0],
            5
        );
    }

    [Fact]
    public void WhitenedDirectionUsesTheInverseCovarianceInnerProduct()
    {
        // Samples (±1, 0), (0, ±2): centered sample covariance diag(2/3, 8/3).
        var samples = tensor(new float[] { 1, 0, -1, 0, 0, 2, 0, -2 }).reshape(4, 2);
        var w = Whitening.Fit(samples, epsilon: 0);
        Assert.Equal(Math.Sqrt(1.5), w.A[0, 0], 6);
        Assert.Equal(Math.Sqrt(3 / 8.0), w.A[1, 1], 6);
        Assert.Equal(0, w.A[0, 1], 9);
        // x = (3, 4), v = (1, 1): xᵀΣ⁻¹v = 3·1.5 + 4·0.375 = 6.
        Assert.Equal(6, V(Objective.WhitenedDirection("l", [1, 1], w), T(("l", Vec34())))[0], 4);
        Assert.Throws<ArgumentException>(() =>
            Whitening.Fit(tensor(new float[] { 1, 2 }).reshape(1, 2))
        );
    }

    [Fact]
    public void L1L2AndActivationPenalty()
    {
        var t = T(("l", Vec34()));
        Assert.Equal(new double[] { 1 + 2, 5 + 2 }, V(Objective.L1("l", constant: 2), t));
        Assert.Equal(Math.Sqrt(1e-6 + 1 + 4), V(Objective.L2("l", constant: 2), t)[0], 5);
        Assert.Equal(
            new double[] { -7e-4, -7e-4 },
            V(Objective.ActivationPenalty("l"), t),
            new ParameterizationTests.Tol(1e-9)
        );
        Assert.Equal(-1e-2 * 5, V(Objective.ActivationPenalty("l", 1e-2, PenaltyNorm.L2), t)[0], 5);
    }

    [Fact]
    public void TotalVariationSumsAbsoluteNeighbourDifferences()
    {
        var x = tensor(new float[] { 0, 1, 3, 7 }).reshape(1, 1, 2, 2);
        Assert.Equal(14, V(Objective.TotalVariation(), T(("input", x)))[0], 5); // |3−0|+|7−1| + |1−0|+|7−3|
    }

    [Fact]
    public void BlurInputEachStepHandComputedOnADelta()
    {
        var x = zeros(1, 1, 3, 3);
        x[0, 0, 1, 1] = tensor(1f);
        // blur: center 1/5, corners 0.5/2.5, edges 0.5/3.5 → 0.5·(0.8² + 4·0.2² + 4·(1/7)²).
        double expected = 0.5 * (0.64 + 4 * 0.04 + 4.0 / 49);
        Assert.Equal(expected, V(Objective.BlurInputEachStep(), T(("input", x)))[0], 5);
    }

    [Fact]
    public void DiversityAndAlignmentHandComputed()
    {
        // Gram of (1,0) is e00; of (1,1) is all-ones/2 after normalization → inner product 0.5,
        // halved per image.
        var a = tensor(new float[] { 1, 0, 1, 1 }).reshape(2, 2, 1, 1);
        Assert.Equal(
            new[] { 0.25, 0.25 },
            V(Objective.Diversity("l"), T(("l", a))),
            new ParameterizationTests.Tol(1e-6)
        );
        // Scalars 0, 1, 3: pairs (0,1): 1/2, (1,2): 4/2, (0,2): 9/4.
        var b = tensor(new float[] { 0, 1, 3 }).reshape(3, 1);
        Assert.Equal(
            new[] { -(0.5 + 2.25), -2, 0 },
            V(Objective.Alignment("l"), T(("l", b))),
            new ParameterizationTests.Tol(1e-6)
        );
    }

    [Fact]
    public void ChannelInterpolateWeighsTheTwoUnitsAcrossTheBatch()
    {
        // Batch of 2: image 0 is all unit 0 (mean 1.5), image 1 all unit 1 (mean 111.5).
        Assert.Equal(
            new double[] { 1.5, 111.5 },
            V(Objective.ChannelInterpolate("l", 0, "l", 1), T(("l", Grid())))
        );
        // Batch of 3 scalars per channel: weights 0, 0.5, 1.
        var a = tensor(new float[] { 1, 10, 2, 20, 3, 30 }).reshape(3, 2);
        Assert.Equal(
            new double[] { 1, 0.5 * 2 + 0.5 * 20, 30 },
            V(Objective.ChannelInterpolate("l", 0, "l", 1), T(("l", a)))
        );
    }

    [Fact]
    public void AlgebraCombinesPerImageValues()
    {
        var t = T(("l", Grid()));
        var o = 2 * Objective.Neuron("l", 0) - Objective.Channel("l", 1) + 1;
        Assert.Equal(new double[] { 2 * 3 - 11.5 + 1, 2 * 103 - 111.5 + 1 }, V(o, t));
        Assert.Equal(new double[] { -3, -103 }, V(-Objective.Neuron("l", 0), t));
        var s = Objective.Sum(
            Enumerable.Range(0, 2).Select(i => Objective.Channel("l", i, batch: i))
        );
        Assert.Equal(new double[] { 1.5, 111.5 }, V(s, t));
        Assert.Equal(["l"], s.Layers);
        Assert.Equal(
            new double[] { 3 * 11.5, 103 * 111.5 },
            V(Objective.Neuron("l", 0) * Objective.Channel("l", 1), t)
        );
    }

    [Fact]
    public void BadInputsGiveClearErrors()
    {
        var t = T(("l", Grid()), ("fc", ones(2, 5)));
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Objective.Channel("l", 7).Evaluate(t)
        );
        Assert.Contains("Unit 7 is out of range: layer 'l' has 2 channels (0..1)", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Objective.Neuron("fc", 1).Evaluate(t));
        Assert.Contains(
            "needs a layer with spatial extent; layer 'fc' has shape [2, 5]",
            e2.Message
        );
        var e3 = Assert.Throws<ArgumentException>(() => Objective.Direction("l", [0, 0]));
        Assert.Contains("all zeros", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() =>
            Objective.Direction("l", [1, 0, 0]).Evaluate(t)
        );
        Assert.Contains("3 entries but layer 'l' has 2 channels", e4.Message);
        var e5 = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Objective.Channel("l", 0, batch: 2).Evaluate(t)
        );
        Assert.Contains("Batch index 2 is out of range for a batch of 2", e5.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Objective.Neuron("l", 0, x: 5).Evaluate(t)
        );
        Assert.Equal(new double[] { 1, 1 }, V(Objective.Channel("fc", 4), t)); // dense layers work for channel
    }
}
