using static TorchSharp.torch;

namespace Notebooks.Weights.Decomposition;

/// <summary>Banding of one neuron: the shares of its spatial weight variance explained by rows
/// alone and by columns alone.</summary>
/// <param name="Horizontal">Share of spatial variance that depends on y only (horizontal stripes),
/// 0..1.</param>
/// <param name="Vertical">Share that depends on x only (vertical stripes), 0..1.</param>
/// <param name="Baseline">Expected value of either share for i.i.d. random weights:
/// (kH−1)/(kH·kW−1) (rows).</param>
public readonly record struct NeuronBanding(double Horizontal, double Vertical, double Baseline);

/// <summary>Banding of a conv layer (energy-weighted over all its neurons) plus the per-neuron
/// scores.</summary>
public sealed record LayerBanding(
    double Horizontal,
    double Vertical,
    double BaselineHorizontal,
    double BaselineVertical,
    double MeanNeuronHorizontal,
    double MeanNeuronVertical,
    NeuronBanding[] Neurons
);

/// <summary>
/// A quantitative weight-banding score. For every input channel c of a neuron, the spatial kernel s
/// = w[c] [kH, kW] is split like a two-way ANOVA: s = μ + r_y + c_x + e_yx, with r_y = mean_x s − μ
/// (varies along y only), c_x = mean_y s − μ (along x only) and an interaction rest e. The parts
/// are orthogonal, so Σ(s−μ)² = kW·Σr² + kH·Σc² + Σe². The <b>horizontal banding score</b> is Σ_c
/// kW·Σr² / Σ_c Σ(s−μ)²: the share of the neuron's spatial weight variance (summed over input
/// channels) that varies with y but not with x. The <b>vertical</b> score is the transpose, Σ_c
/// kH·Σc² / Σ_c Σ(s−μ)². A layer's score pools all its neurons' sums (so strong neurons weigh
/// more); the per-neuron mean is reported too. For i.i.d. random weights the expected horizontal
/// share is (kH−1)/(kH·kW−1) (0.25 for 3×3, 1/6 for 5×5) and the vertical one (kW−1)/(kH·kW−1):
/// that is the "no banding" reference; a banded layer (article: InceptionV1 mixed5b) is well above.
/// A neuron whose kernels are all spatially constant has no spatial variance; it scores 0 for both
/// and adds nothing to the layer's pooled sums. A layer with no spatial variance at all is an error
/// (banding is undefined). This is the project's one banding score: <c>weights banding</c>,
/// <c>weights lab banding</c> and the weight-banding notebook all use it.
/// </summary>
public static class BandingScore
{
    /// <summary>Scores one neuron's weights [C_in, kH, kW] (PyTorch layout, one output
    /// channel).</summary>
    public static NeuronBanding ForNeuron(Tensor weight)
    {
        if (weight.dim() != 3)
            throw new ArgumentException(
                $"neuron weight must be [C_in, kH, kW]; got shape [{string.Join(", ", weight.shape)}].",
                nameof(weight)
            );
        var layer = ForLayer(weight.unsqueeze(0), "neuron weight");
        return layer.Neurons[0];
    }

    /// <summary>Scores a conv layer's weights [C_out, C_in, kH, kW].</summary>
    public static LayerBanding ForLayer(Tensor weight) => ForLayer(weight, "conv weight");

    static LayerBanding ForLayer(Tensor weight, string name)
    {
        if (weight.dim() != 4)
            throw new ArgumentException(
                $"{name} must be [C_out, C_in, kH, kW] (PyTorch layout); got shape [{string.Join(", ", weight.shape)}].",
                nameof(weight)
            );
        InputChecks.NonEmptyFinite(weight, name);
        long kh = weight.shape[2],
            kw = weight.shape[3];
        if (kh * kw < 2)
            throw new ArgumentException(
                $"{name} has {kh}x{kw} kernels; banding needs a spatial extent (kH·kW ≥ 2).",
                nameof(weight)
            );
        using var scope = NewDisposeScope();
        var w = weight.to_type(ScalarType.Float64);
        var mu = w.mean([2, 3], keepdim: true);
        var rows = w.mean([3], keepdim: true) - mu; // [O, I, kH, 1]
        var cols = w.mean([2], keepdim: true) - mu; // [O, I, 1, kW]
        var total = (w - mu).square().sum([1, 2, 3]).data<double>().ToArray();
        var rowE = (rows.square().sum([1, 2, 3]) * kw).data<double>().ToArray();
        var colE = (cols.square().sum([1, 2, 3]) * kh).data<double>().ToArray();
        double bh = (kh - 1) / (double)(kh * kw - 1),
            bv = (kw - 1) / (double)(kh * kw - 1);
        var neurons = total
            .Select(
                (t, i) => new NeuronBanding(t > 0 ? rowE[i] / t : 0, t > 0 ? colE[i] / t : 0, bh)
            )
            .ToArray();
        double T = total.Sum();
        if (!(T > 0))
            throw new ArgumentException(
                $"{name} has no spatial variation (every kernel is constant over its {kh}x{kw} positions); banding is undefined.",
                nameof(weight)
            );
        return new LayerBanding(
            rowE.Sum() / T,
            colE.Sum() / T,
            bh,
            bv,
            neurons.Average(n => n.Horizontal),
            neurons.Average(n => n.Vertical),
            neurons
        );
    }
}
