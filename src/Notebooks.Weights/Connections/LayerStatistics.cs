using Notebooks.Weights.Models;
using XPlot.Plotly;
using static TorchSharp.torch;

namespace Notebooks.Weights.Connections;

/// <summary>Histogram of a weight tensor: <c>numpy.histogram(w, bins)</c> semantics (equal bins
/// over [min, max], last bin closed).</summary>
public sealed record WeightHistogram(double[] Edges, long[] Counts);

/// <summary>
/// Statistics of one weight tensor (the basics of reading layer weights: histograms, Frobenius
/// norms, magnitude and sign): <see cref="UnitInputNorms"/> is the L2 norm of each output unit's
/// incoming weights (row <c>w[o]</c> over all other axes). <see cref="FractionNearZero"/> counts
/// |w| ≤ <c>nearZero · max|w|</c>.
/// </summary>
public sealed record WeightStatistics(
    string Name,
    long[] Shape,
    long Count,
    double Frobenius,
    double MeanAbs,
    double MaxAbs,
    double Mean,
    double Std,
    double FractionPositive,
    double FractionNegative,
    double FractionNearZero,
    WeightHistogram Histogram,
    double[] UnitInputNorms
)
{
    /// <summary>The layer whose kernel this is (<see cref="VisionModel.WeightLayers"/>), or null
    /// for other parameters.</summary>
    public string? Layer { get; init; }
}

/// <summary>Per-parameter statistics of a model's weights and XPlot.Plotly charts of
/// them.</summary>
public static class LayerStatistics
{
    /// <summary>
    /// Statistics for every parameter with at least <paramref name="minDims"/> dimensions (default
    /// 2: conv and dense weights, not biases), in parameter order, each with the layer it is the
    /// kernel of. <paramref name="bins"/> histogram bins; <paramref name="nearZero"/> is relative
    /// to max |w|.
    /// </summary>
    public static IReadOnlyList<WeightStatistics> Compute(
        VisionModel model,
        int bins = 50,
        double nearZero = 1e-3,
        int minDims = 2
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        var result = new List<WeightStatistics>();
        var layerOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var l in model.WeightLayers)
            layerOf.TryAdd(model.Parameters.PathOf(model.LayerWeightName(l)!), l);
        foreach (var (name, p) in model.Module.named_parameters())
            if (p.dim() >= minDims)
                result.Add(
                    Of(name, p, bins, nearZero) with
                    {
                        Layer = layerOf.GetValueOrDefault(name),
                    }
                );
        return result;
    }

    /// <summary>Statistics of one weight tensor (output units along axis 0, as in OIHW conv and
    /// [out, in] dense weights).</summary>
    public static WeightStatistics Of(
        string name,
        Tensor weight,
        int bins = 50,
        double nearZero = 1e-3
    )
    {
        if (bins < 1)
            throw new ArgumentOutOfRangeException(
                nameof(bins),
                $"bins must be at least 1; got {bins}."
            );
        if (nearZero < 0)
            throw new ArgumentOutOfRangeException(
                nameof(nearZero),
                $"nearZero must be non-negative; got {nearZero}."
            );
        if (weight.numel() == 0)
            throw new ArgumentException($"Weight '{name}' is empty.", nameof(weight));
        using var scope = NewDisposeScope();
        var w = weight.detach().to_type(float64).cpu().contiguous();
        var v = w.data<double>().ToArray();
        long n = v.LongLength;
        double sumSq = 0,
            sumAbs = 0,
            sum = 0,
            maxAbs = 0,
            min = double.MaxValue,
            max = double.MinValue;
        long pos = 0,
            neg = 0;
        foreach (var x in v)
        {
            sumSq += x * x;
            sumAbs += Math.Abs(x);
            sum += x;
            maxAbs = Math.Max(maxAbs, Math.Abs(x));
            min = Math.Min(min, x);
            max = Math.Max(max, x);
            if (x > 0)
                pos++;
            else if (x < 0)
                neg++;
        }
        double mean = sum / n,
            thr = nearZero * maxAbs;
        long near = v.LongCount(x => Math.Abs(x) <= thr);
        double var_ = v.Sum(x => (x - mean) * (x - mean)) / n;
        var rowNorms =
            w.dim() >= 2
                ? w.flatten(1).square().sum([1]).sqrt().data<double>().ToArray()
                : v.Select(Math.Abs).ToArray();
        return new WeightStatistics(
            name,
            weight.shape,
            n,
            Math.Sqrt(sumSq),
            sumAbs / n,
            maxAbs,
            mean,
            Math.Sqrt(var_),
            (double)pos / n,
            (double)neg / n,
            (double)near / n,
            Histogram(v, bins, min, max),
            rowNorms
        );
    }

    /// <summary>numpy.histogram over [min, max] with equal-width bins (a constant tensor gets the
    /// range [v - 0.5, v + 0.5], as numpy does).</summary>
    public static WeightHistogram Histogram(
        IReadOnlyList<double> values,
        int bins,
        double min,
        double max
    )
    {
        if (min == max)
        {
            min -= 0.5;
            max += 0.5;
        }
        var edges = Enumerable
            .Range(0, bins + 1)
            .Select(i => min + (max - min) * i / bins)
            .ToArray();
        var counts = new long[bins];
        foreach (var x in values)
        {
            if (x < min || x > max)
                continue;
            int b = (int)((x - min) / (max - min) * bins);
            if (b == bins)
                b--;
            // Guard against rounding at bin edges: numpy uses the edges array.
            while (b > 0 && x < edges[b])
                b--;
            while (b < bins - 1 && x >= edges[b + 1])
                b++;
            counts[b]++;
        }
        return new WeightHistogram(edges, counts);
    }

    /// <summary>A bar chart of one parameter's histogram (bin centers on x).</summary>
    public static PlotlyChart HistogramChart(WeightStatistics s)
    {
        var e = s.Histogram.Edges;
        var centers = Enumerable
            .Range(0, e.Length - 1)
            .Select(i => (e[i] + e[i + 1]) / 2)
            .ToArray();
        var chart = Chart.Plot(
            new Bar
            {
                x = centers,
                y = s.Histogram.Counts,
                name = s.Name,
            }
        );
        chart.WithTitle($"{s.Name} {string.Join("x", s.Shape)}: weight histogram");
        chart.WithXTitle("weight");
        chart.WithYTitle("count");
        return chart;
    }

    /// <summary>A bar chart of the Frobenius norm of every parameter.</summary>
    public static PlotlyChart NormsChart(IReadOnlyList<WeightStatistics> stats)
    {
        var chart = Chart.Plot(
            new Bar
            {
                x = stats.Select(s => s.Name).ToArray(),
                y = stats.Select(s => s.Frobenius).ToArray(),
                name = "Frobenius norm",
            }
        );
        chart.WithTitle("Frobenius norm per weight");
        chart.WithYTitle("||W||_F");
        return chart;
    }

    /// <summary>A bar chart of the per-unit input-weight L2 norms of one parameter.</summary>
    public static PlotlyChart UnitNormsChart(WeightStatistics s)
    {
        var chart = Chart.Plot(
            new Bar
            {
                x = Enumerable.Range(0, s.UnitInputNorms.Length).ToArray(),
                y = s.UnitInputNorms,
                name = s.Name,
            }
        );
        chart.WithTitle($"{s.Name}: input-weight L2 norm per unit");
        chart.WithXTitle("unit");
        chart.WithYTitle("||w_unit||");
        return chart;
    }
}
