using static TorchSharp.torch;

namespace Notebooks.Weights.Decomposition;

/// <summary>PCA and truncated SVD on a matrix [n_samples, n_features] via an exact float64
/// SVD.</summary>
static class SvdReduction
{
    public sealed record Fit(
        Tensor Components,
        Tensor? Mean,
        Tensor SingularValues,
        Tensor ExplainedVariance
    );

    /// <summary>
    /// Top-<paramref name="k"/> right singular vectors of X (centered when
    /// <paramref name="center"/>), signs fixed like sklearn's
    /// <c>svd_flip(u_based_decision=True)</c>: the largest-|x| entry of each left singular vector
    /// is positive.
    /// </summary>
    public static Fit Compute(Tensor x, int k, bool center)
    {
        var X = x.to_type(ScalarType.Float64);
        Tensor? mean = center ? X.mean([0]) : null;
        var Xc = mean is null ? X : X - mean;
        var (U, S, Vh) = linalg.svd(Xc, fullMatrices: false);
        var rows = U.abs().argmax(0); // [r]
        var signs = U.gather(0, rows.unsqueeze(0)).squeeze(0).sign(); // [r]
        signs = where(signs == 0, ones_like(signs), signs);
        var comps = (Vh * signs.unsqueeze(1)).narrow(0, 0, k).contiguous();
        long n = X.shape[0];
        var ev = S.narrow(0, 0, k).square() / Math.Max(1, n - 1);
        return new Fit(comps, mean, S.narrow(0, 0, k).contiguous(), ev);
    }
}
