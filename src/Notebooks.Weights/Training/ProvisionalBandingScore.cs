using static TorchSharp.torch;

namespace Notebooks.Weights.Training;

/// <summary>
/// PROVISIONAL banding score used by <c>weights lab banding</c> until the Decomposition engine's <c>BandingScore</c> is
/// on main. For each neuron and input channel the spatial kernel s [kH, kW] is split into its mean μ, a row part
/// r_y = mean_x s − μ (varies with y only), a column part c_x = mean_y s − μ (varies with x only) and the rest; the parts
/// are orthogonal. Horizontal banding = Σ kW·r² / Σ (s − μ)², vertical = Σ kH·c² / Σ (s − μ)², sums over all neurons and
/// input channels of the layer (so strong neurons weigh more). I.i.d. random weights give (kH−1)/(kH·kW−1) for either
/// (0.25 for 3x3, 0.167 for 5x5): that is the "no banding" reference.
/// </summary>
public static class ProvisionalBandingScore
{
    /// <summary>(horizontal, vertical, random-weights reference) for conv weights [C_out, C_in, kH, kW].</summary>
    public static (double Horizontal, double Vertical, double Reference) Of(Tensor weight)
    {
        if (weight.dim() != 4) throw new ArgumentException($"Conv weight must be [C_out, C_in, kH, kW]; got [{string.Join(", ", weight.shape)}].", nameof(weight));
        long kh = weight.shape[2], kw = weight.shape[3];
        if (kh * kw < 2) throw new ArgumentException($"Banding needs spatial kernels; got {kh}x{kw}.", nameof(weight));
        using var scope = NewDisposeScope();
        var w = weight.detach().to_type(ScalarType.Float64);
        var centered = w - w.mean([2, 3], keepdim: true);
        double total = centered.square().sum().item<double>();
        if (!(total > 0)) throw new ArgumentException("Conv weight has no spatial variation (every kernel is constant); banding is undefined.", nameof(weight));
        double rows = centered.mean([3]).square().sum().item<double>() * kw;
        double cols = centered.mean([2]).square().sum().item<double>() * kh;
        return (rows / total, cols / total, (kh - 1) / (double)(kh * kw - 1));
    }
}
