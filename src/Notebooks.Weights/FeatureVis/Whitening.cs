using static TorchSharp.torch;

namespace Notebooks.Weights.FeatureVis;

/// <summary>
/// A ZCA whitening of a layer's channel space estimated from activations the caller provides: <c>A
/// = Σ^{-1/2}</c> with Σ the (centered, sample) covariance plus <c>ε·I</c>. Used by
/// <see cref="Objective.WhitenedDirection"/> for the decorrelated inner product <c>xᵀAᵀA v =
/// xᵀ(Σ+εI)⁻¹v</c> (Olah, "Research: Feature Visualization Objectives", lucid issue #116).
/// Activations are not centered inside the objective: it is a linear change of inner product.
/// </summary>
public sealed class Whitening
{
    readonly double[] _a;

    Whitening(int channels, double[] a)
    {
        Channels = channels;
        _a = a;
    }

    /// <summary>Number of channels.</summary>
    public int Channels { get; }

    /// <summary>The whitening matrix A [C, C] (row-major copy).</summary>
    public double[,] A
    {
        get
        {
            var m = new double[Channels, Channels];
            for (int i = 0; i < Channels; i++)
            for (int j = 0; j < Channels; j++)
                m[i, j] = _a[i * Channels + j];
            return m;
        }
    }

    /// <summary>A as a tensor of <paramref name="dtype"/>.</summary>
    public Tensor Matrix(ScalarType dtype = ScalarType.Float32) =>
        tensor(_a).reshape(Channels, Channels).to(dtype);

    /// <summary>
    /// Estimates the whitening from <paramref name="activations"/>: [M, C] samples, or [N, C, H, W]
    /// (every position of every image is a sample). Needs at least 2 samples and finite values.
    /// </summary>
    public static Whitening Fit(Tensor activations, double epsilon = 1e-5)
    {
        using var scope = NewDisposeScope();
        Tensor x = activations.dim() switch
        {
            2 => activations,
            4 => activations.permute(0, 2, 3, 1).reshape(-1, activations.shape[1]),
            _ => throw new ArgumentException(
                $"Whitening.Fit takes activations [M, C] or [N, C, H, W]; got [{string.Join(", ", activations.shape)}].",
                nameof(activations)
            ),
        };
        x = x.detach().to(ScalarType.Float64);
        long m = x.shape[0],
            c = x.shape[1];
        if (m < 2)
            throw new ArgumentException(
                $"Whitening.Fit needs at least 2 activation samples; got {m}.",
                nameof(activations)
            );
        if (!isfinite(x).all().item<bool>())
            throw new ArgumentException(
                "Whitening.Fit: the activations contain NaN or infinity.",
                nameof(activations)
            );
        if (!(epsilon >= 0))
            throw new ArgumentOutOfRangeException(
                nameof(epsilon),
                $"epsilon must be non-negative; got {epsilon}."
            );
        var centered = x.sub(x.mean([0], keepdim: true));
        var cov = centered
            .t()
            .matmul(centered)
            .div(m - 1)
            .add(eye(c, dtype: ScalarType.Float64).mul(epsilon));
        var (evals, evecs) = linalg.eigh(cov);
        if (evals.min().item<double>() <= 0)
            throw new ArgumentException(
                $"Whitening.Fit: the covariance is singular (smallest eigenvalue {evals.min().item<double>():G3}); pass epsilon > 0 or more varied activations.",
                nameof(activations)
            );
        var a = evecs.matmul(diag(evals.rsqrt())).matmul(evecs.t());
        return new Whitening((int)c, a.contiguous().data<double>().ToArray());
    }
}
