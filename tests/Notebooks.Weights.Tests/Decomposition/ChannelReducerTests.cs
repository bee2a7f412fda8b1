using Notebooks.Weights.Decomposition;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Decomposition;

public class ChannelReducerTests
{
    static void AssertRowsClose(double[,] expected, double[,] actual, double tol)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (int i = 0; i < expected.GetLength(0); i++)
        for (int j = 0; j < expected.GetLength(1); j++)
            Assert.True(
                Math.Abs(expected[i, j] - actual[i, j]) <= tol,
                $"[{i},{j}] expected {expected[i, j]} got {actual[i, j]}"
            );
    }

    [Fact]
    public void PcaMatchesSklearnComponentsVarianceAndTransform()
    {
        var c = SklearnFixture.Root.GetProperty("pca");
        using var scope = NewDisposeScope();
        var x = SklearnFixture.Load(c.GetProperty("input").GetString()!);
        using var pca = new ChannelReducer(4, ReductionAlgorithm.Pca);
        var t = pca.FitTransform(x);
        Assert.Equal(new long[] { 50, 4 }, t.shape);
        var expected = SklearnFixture.SignNormalizeRows(
            SklearnFixture.Load("pca_50x12_components")
        );
        AssertRowsClose(expected, SklearnFixture.SignNormalizeRows(pca.Components), 1e-9);
        Assert.Equal(
            SklearnFixture.Doubles(c.GetProperty("explained_variance")),
            pca.ExplainedVariance!.data<double>().ToArray(),
            (a, b) => Math.Abs(a - b) <= 1e-9 * Math.Abs(a)
        );
        Assert.Equal(
            SklearnFixture.Doubles(c.GetProperty("mean")),
            pca.Mean!.data<double>().ToArray(),
            (a, b) => Math.Abs(a - b) <= 1e-12
        );
        var norms = linalg.vector_norm(t, dims: [1]).narrow(0, 0, 10).data<double>().ToArray();
        Assert.Equal(SklearnFixture.Doubles(c.GetProperty("transform_row_norms")), norms, (a, b) =>
            Math.Abs(a - b) <= 1e-9
        );
        // Transform of the training data equals FitTransform.
        Assert.True(pca.Transform(x).allclose(t, 1e-10, 1e-10));
    }

    [Fact]
    public void WhitenedPcaMatchesSklearn()
    {
        var c = SklearnFixture.Root.GetProperty("pca");
        using var scope = NewDisposeScope();
        var x = SklearnFixture.Load(c.GetProperty("input").GetString()!);
        using var pca = new ChannelReducer(4, ReductionAlgorithm.Pca) { Whiten = true };
        var t = pca.FitTransform(x);
        var norms = linalg.vector_norm(t, dims: [1]).narrow(0, 0, 10).data<double>().ToArray();
        Assert.Equal(
            SklearnFixture.Doubles(c.GetProperty("whitened_transform_row_norms")),
            norms,
            (a, b) => Math.Abs(a - b) <= 1e-9
        );
        // Whitened components have unit variance.
        var var = t.var(0).data<double>().ToArray();
        Assert.All(var, v => Assert.Equal(1.0, v, 9));
    }

    [Fact]
    public void TruncatedSvdMatchesSklearn()
    {
        var c = SklearnFixture.Root.GetProperty("truncated_svd");
        using var scope = NewDisposeScope();
        var x = SklearnFixture.Load(c.GetProperty("input").GetString()!);
        using var svd = new ChannelReducer(3, ReductionAlgorithm.TruncatedSvd);
        var t = svd.FitTransform(x);
        AssertRowsClose(
            SklearnFixture.SignNormalizeRows(SklearnFixture.Load("svd_50x12_components")),
            SklearnFixture.SignNormalizeRows(svd.Components),
            1e-8
        );
        Assert.Equal(
            SklearnFixture.Doubles(c.GetProperty("singular_values")),
            svd.SingularValues!.data<double>().ToArray(),
            (a, b) => Math.Abs(a - b) <= 1e-9 * a
        );
        var norms = linalg.vector_norm(t, dims: [1]).narrow(0, 0, 10).data<double>().ToArray();
        Assert.Equal(SklearnFixture.Doubles(c.GetProperty("transform_row_norms")), norms, (a, b) =>
            Math.Abs(a - b) <= 1e-8
        );
    }

    [Fact]
    public void NmfReducesLastAxisOfAnyShapeLikeTheFlattenedMatrix()
    {
        // ChannelReducer flattens [..., C] to [-1, C]: a [5, 8, 30] input must give exactly the
        // matrix fit reshaped.
        var c = SklearnFixture.Root.GetProperty("nmf")[2]; // nmf_lowrank_60x30, K=4
        using var scope = NewDisposeScope();
        var x = SklearnFixture.Load("nmf_lowrank_60x30");
        using var reducer = new ChannelReducer(4);
        var t = reducer.FitTransform(x.reshape(5, 12, 30).to_type(ScalarType.Float32));
        Assert.Equal(new long[] { 5, 12, 4 }, t.shape);
        Assert.Equal(ScalarType.Float32, t.dtype);
        Assert.Equal(new long[] { 4, 30 }, reducer.Components.shape);
        double sk = c.GetProperty("relative_err").GetDouble();
        Assert.True(
            Math.Abs(reducer.RelativeError - sk) <= 0.01 * sk,
            $"{reducer.RelativeError} vs {sk}"
        );
        var recon = t.to_type(ScalarType.Float64).reshape(-1, 4).matmul(reducer.Components);
        Assert.True(recon.allclose(x, 0, 0.05 * x.abs().max().item<double>()));
        Assert.True(reducer.Iterations > 0);
    }

    [Fact]
    public void PosNegOnChannelAxisGivesSignedComponents()
    {
        using var scope = NewDisposeScope();
        var w = randn(3, 3, 20, generator: new Generator(7), dtype: ScalarType.Float64);
        using var reducer = new ChannelReducer(3);
        var f = reducer.FitTransformPosNeg(w, axis: -1);
        Assert.Equal(new long[] { 3, 3, 3 }, f.shape);
        Assert.True(f.min().item<double>() >= 0);
        Assert.Equal(new long[] { 3, 40 }, reducer.Components.shape);
        Assert.Equal(new long[] { 3, 20 }, reducer.SignedComponents.shape);
        var comps = reducer.Components;
        Assert.True(
            reducer.SignedComponents.allclose(comps.narrow(1, 0, 20) - comps.narrow(1, 20, 20))
        );
        // Same as splitting by hand and fitting a plain NMF.
        using var plain = new ChannelReducer(3);
        var manual = plain.FitTransform(cat([w.clamp_min(0), (-w).clamp_min(0)], -1));
        Assert.True(manual.allclose(f));
    }

    [Fact]
    public void PosNegOnNeuronAxisRecombinesHalves()
    {
        // The notebook's group trick: W_ [N, H, W, C] -> posneg on axis 0 -> NMF -> W_nmf[:N] -
        // W_nmf[N:].
        using var scope = NewDisposeScope();
        var w = randn(6, 5, 5, 8, generator: new Generator(3), dtype: ScalarType.Float64);
        using var reducer = new ChannelReducer(2);
        var signed = reducer.FitTransformPosNeg(w, axis: 0);
        Assert.Equal(new long[] { 6, 5, 5, 2 }, signed.shape);
        using var plain = new ChannelReducer(2);
        var full = plain.FitTransform(cat([w.clamp_min(0), (-w).clamp_min(0)], 0));
        Assert.True(signed.allclose(full.narrow(0, 0, 6) - full.narrow(0, 6, 6)));
        Assert.True(signed.min().item<double>() < 0);
    }

    [Fact]
    public void PosNegSplitMergeRoundTrip()
    {
        using var scope = NewDisposeScope();
        var w = randn(4, 7, generator: new Generator(1));
        var s = PosNeg.Split(w, 0);
        Assert.Equal(new long[] { 8, 7 }, s.shape);
        Assert.True(s.min().item<float>() >= 0);
        Assert.True(PosNeg.Merge(s, 0).allclose(w));
        Assert.Throws<ArgumentException>(() =>
            PosNeg.Merge(randn(3, 2, generator: new Generator(99)), 0)
        );
    }
}
