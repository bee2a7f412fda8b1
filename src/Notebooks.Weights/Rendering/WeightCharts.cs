using XPlot.Plotly;
using static TorchSharp.torch;

namespace Notebooks.Weights.Rendering;

/// <summary>
/// XPlot.Plotly charts of weights (the generic explainer's histograms and norms). Show them inline
/// (the kernel extension registers <see cref="PlotlyChart"/>) or add them to an
/// <see cref="HtmlReport"/>; they need plotly.js from its CDN when viewed (see
/// <see cref="PlotlyHtml"/>).
/// </summary>
public static class WeightCharts
{
    /// <summary>A histogram of all values of <paramref name="weights"/> with
    /// <paramref name="bins"/> bins.</summary>
    public static PlotlyChart Histogram(Tensor weights, string title = "weights", int bins = 50)
    {
        if (bins < 1)
            throw new ArgumentOutOfRangeException(nameof(bins), bins, "bins must be >= 1");
        var values = TensorData.Floats(weights, nameof(weights));
        var chart = Chart.Plot(
            new XPlot.Plotly.Histogram
            {
                x = values,
                nbinsx = bins,
                name = title,
            }
        );
        chart.WithTitle($"{title} {TensorData.Shape(weights)}");
        chart.WithXTitle("value");
        chart.WithYTitle("count");
        return chart;
    }

    /// <summary>
    /// Per-unit L2 norms as a bar chart: the norm over every axis except
    /// <paramref name="unitAxis"/> (e.g. 0 for OIHW conv weights' output units, -1 for [H, W, C]
    /// expanded weights).
    /// </summary>
    public static PlotlyChart Norms(Tensor weights, int unitAxis = 0, string title = "unit norms")
    {
        var norms = UnitNorms(weights, unitAxis);
        var chart = Chart.Plot(
            new Bar
            {
                x = Enumerable.Range(0, norms.Length).ToArray(),
                y = norms,
                name = title,
            }
        );
        chart.WithTitle($"{title} {TensorData.Shape(weights)}");
        chart.WithXTitle("unit");
        chart.WithYTitle("L2 norm");
        return chart;
    }

    /// <summary>The L2 norm of each slice along <paramref name="unitAxis"/>.</summary>
    public static float[] UnitNorms(Tensor weights, int unitAxis = 0)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int rank = (int)weights.dim();
        if (rank == 0)
            throw new ArgumentException("weights must have at least one axis", nameof(weights));
        int axis = unitAxis < 0 ? unitAxis + rank : unitAxis;
        if (axis < 0 || axis >= rank)
            throw new ArgumentOutOfRangeException(
                nameof(unitAxis),
                unitAxis,
                $"axis out of range for shape {TensorData.Shape(weights)}"
            );
        TensorData.Floats(weights, nameof(weights));
        using var scope = NewDisposeScope();
        var moved = weights
            .detach()
            .cpu()
            .to_type(ScalarType.Float32)
            .movedim([axis], [0])
            .reshape(weights.shape[axis], -1);
        return moved.pow(2).sum(1).sqrt().contiguous().data<float>().ToArray();
    }
}
