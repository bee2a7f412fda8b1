using Notebooks.Weights.Connections;
using Notebooks.Weights.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Connections;

[Collection("WeightsSerial")]
public class ConnectionsAndFiltersTests
{
    [Fact]
    public void TopConnectionsSortByL2NormOfTheSpatialSlice()
    {
        var w = randn(3, 3, 6, 4, generator: new Generator(1));
        var top = TopConnections.In(w, unit: 2, k: 3);
        var d = w.contiguous().data<float>().ToArray();
        double Norm(int i, int j)
        {
            double s = 0;
            for (int x = 0; x < 3; x++)
            for (int y = 0; y < 3; y++)
            {
                var v = d[((x * 3 + y) * 6 + i) * 4 + j];
                s += v * v;
            }
            return Math.Sqrt(s);
        }
        var expected = Enumerable.Range(0, 6).OrderByDescending(i => Norm(i, 2)).Take(3).ToArray();
        Assert.Equal(expected, top.Select(c => c.Index));
        Assert.Equal(Norm(expected[0], 2), top[0].Norm, 4);
        Assert.True(top[0].Weights.allclose(w[.., .., expected[0], 2]));
        var outs = TopConnections.Out(w, unit: 5, k: 4);
        Assert.Equal(
            Enumerable.Range(0, 4).OrderByDescending(j => Norm(5, j)),
            outs.Select(c => c.Index)
        );
        var n = TopConnections.NormalizedIn(w, 2);
        Assert.Equal(1f, n.abs().max().item<float>(), 5);
        Assert.True((n * w[.., .., .., 2].abs().max()).allclose(w[.., .., .., 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => TopConnections.In(w, 4));
        Assert.Contains(
            "valid 0..5",
            Assert.Throws<ArgumentOutOfRangeException>(() => TopConnections.Out(w, 6)).Message
        );
    }

    [Fact]
    public void ShowWsAndSingleFollowTheNotebookFormulas()
    {
        var w = randn(5, 3, 4, 4, generator: new Generator(2)); // OIHW
        var img = FirstLayerFilters.ShowWs(w, [3, 1]);
        Assert.Equal(new long[] { 2, 4, 4, 3 }, img.shape);
        var all = w.abs().max().item<float>();
        var f3 = w[3].permute(1, 2, 0); // HWC
        var expected = 0.5f + 0.05f * f3 / f3.abs().max() + 0.45f * f3 / all;
        Assert.True(img[0].allclose(expected, atol: 1e-6));
        var weighted = FirstLayerFilters.ShowWs(w, [3], [2f]);
        var e2 = 0.5f + 0.05f * 2 * f3 / f3.abs().max() + 0.45f * 2 * f3 / all;
        Assert.True(weighted[0].allclose(e2, atol: 1e-6));
        var single = FirstLayerFilters.Single(w, 1);
        Assert.True(single.allclose(0.5f + 0.5f * w[1].permute(1, 2, 0) / w.max(), atol: 1e-6));
        Assert.Throws<ArgumentOutOfRangeException>(() => FirstLayerFilters.ShowWs(w, [5]));
    }

    [Fact]
    public void Conv2d0OrderingSortsByTheFirstPrincipalComponent()
    {
        // |conv2d1|[0,0] = a bᵀ + noise-free offset: the first component's scores are ∝ a -
        // mean(a), so the order is argsort(a) with the sign chosen so the largest-magnitude score
        // is positive.
        var a = new float[] { 0.3f, 2.0f, 0.1f, 0.9f, 0.5f, 0.05f };
        var b = new float[] { 1f, 0.5f, 2f, 0.25f };
        manual_seed(1);
        var seq = nn.Sequential(("c0", nn.Conv2d(3, 6, 3)), ("c1", nn.Conv2d(6, 4, 1)));
        using var m = new VisionModel(
            "pca",
            seq,
            new InputSpec(3, 8, 0, 1),
            parameterAliases: new Dictionary<string, string> { ["conv2d1_w"] = "c1.weight" }
        );
        var outer = tensor(b).unsqueeze(1) * tensor(a).unsqueeze(0); // [out, in]
        m.Parameters["conv2d1_w"] = (outer + 1f).view(4, 6, 1, 1);
        var order = FirstLayerFilters.Conv2d0Ordering(m);
        // mean(a) = 0.6417; a - mean: 1 has the largest magnitude (+1.36), so scores ∝ +(a - mean):
        // ascending a.
        Assert.Equal(new[] { 5, 2, 0, 4, 3, 1 }, order);
        Assert.Throws<ArgumentException>(() => FirstLayerFilters.Conv2d0Ordering(m, "nope"));
    }

    [Fact]
    public void LayerStatisticsMatchDirectComputation()
    {
        var w = tensor(new float[] { -2, -1, 0, 0.0005f, 1, 3 }).view(2, 3);
        var s = LayerStatistics.Of("w", w, bins: 5, nearZero: 1e-3);
        Assert.Equal(Math.Sqrt(4 + 1 + 0 + 0.0005 * 0.0005 + 1 + 9), s.Frobenius, 5);
        Assert.Equal((2 + 1 + 0.0005 + 1 + 3) / 6, s.MeanAbs, 5);
        Assert.Equal(3, s.MaxAbs, 6);
        Assert.Equal(3.0 / 6, s.FractionPositive, 6);
        Assert.Equal(2.0 / 6, s.FractionNegative, 6);
        Assert.Equal(2.0 / 6, s.FractionNearZero, 6); // 0 and 0.0005 ≤ 0.003
        // numpy.histogram([-2,-1,0,0.0005,1,3], 5) → edges -2,-1,0,1,2,3; counts [1,1,2,1,1]
        Assert.Equal(new double[] { -2, -1, 0, 1, 2, 3 }, s.Histogram.Edges);
        Assert.Equal(new long[] { 1, 1, 2, 1, 1 }, s.Histogram.Counts);
        Assert.Equal(Math.Sqrt(5), s.UnitInputNorms[0], 5);
        Assert.Equal(Math.Sqrt(10 + 0.0005 * 0.0005), s.UnitInputNorms[1], 5);
        var html = LayerStatistics.HistogramChart(s).GetInlineHtml();
        Assert.Contains("\"bar\"", html);
    }
}
