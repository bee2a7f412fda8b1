using System.Numerics;
using System.Runtime.InteropServices;
using Notebooks.Weights.Runtime;
using static TorchSharp.torch;

namespace Notebooks.Weights.Decomposition;

/// <summary>
/// Non-negative matrix factorization X ≈ W H (Frobenius loss) by coordinate descent / HALS,
/// following sklearn 1.2's <c>NMF(solver="cd")</c>: each iteration updates every column of W, then
/// every row of H, one factor at a time (w_t ← max(0, w_t − ∇_t / (HHᵀ)_tt)); it stops when the
/// summed |projected gradient| of an iteration falls to <see cref="NmfOptions.Tol"/> times that of
/// the first iteration.
/// </summary>
/// <remarks>
/// Inputs and outputs are TorchSharp tensors; the solver itself is a fused SIMD CPU kernel
/// (<see cref="NmfKernel{T}"/>) because these matrices are small (a neuron is 9 × 1664): as tensor
/// ops, per-op dispatch and thread-pool wake-ups cost 10–100× the arithmetic. Differences from
/// sklearn: NNDSVD takes its singular vectors from an eigendecomposition of the Gram matrix instead
/// of a randomized SVD (same vectors up to rounding), and divides by the Hessian via a reciprocal
/// (≤ 1 ulp). <see cref="Fit"/> computes in float64, <see cref="FitBatched"/> in float32.
/// </remarks>
public static class Nmf
{
    /// <summary>Factorizes one non-negative matrix <paramref name="x"/> [n_samples, n_features] in
    /// float64.</summary>
    public static NmfResult Fit(Tensor x, NmfOptions options)
    {
        if (x.dim() != 2)
            throw new ArgumentException(
                $"NMF input X must be a matrix [n_samples, n_features]; got shape [{string.Join(", ", x.shape)}].",
                nameof(x)
            );
        using var finalizersHeld = FinalizerGate.Hold();
        using var scope = NewDisposeScope();
        var (W, H, iters, conv, err, rel) = Run<double>(
            x.unsqueeze(0),
            options,
            ScalarType.Float64,
            fixedH: null,
            batched: false
        );
        return new NmfResult
        {
            W = W[0].MoveToOuterDisposeScope(),
            H = H[0].MoveToOuterDisposeScope(),
            ReconstructionError = err[0],
            RelativeError = rel[0],
            Iterations = iters[0],
            Converged = conv[0],
        };
    }

    /// <summary>
    /// Factorizes B independent non-negative matrices <paramref name="x"/> [B, n_samples,
    /// n_features] together in float32: each matrix is solved by one thread with its data in cache,
    /// matrices run in parallel, and each keeps its own stopping test, so entry b is exactly a
    /// one-at-a-time float32 fit of X[b]. Errors are computed in float64.
    /// </summary>
    public static BatchedNmfResult FitBatched(Tensor x, NmfOptions options)
    {
        if (x.dim() != 3)
            throw new ArgumentException(
                $"batched NMF input must be [B, n_samples, n_features]; got shape [{string.Join(", ", x.shape)}].",
                nameof(x)
            );
        using var finalizersHeld = FinalizerGate.Hold();
        using var scope = NewDisposeScope();
        var (W, H, iters, conv, err, rel) = Run<float>(
            x,
            options,
            ScalarType.Float32,
            fixedH: null,
            batched: true
        );
        return new BatchedNmfResult
        {
            W = W.MoveToOuterDisposeScope(),
            H = H.MoveToOuterDisposeScope(),
            ReconstructionError = err,
            RelativeError = rel,
            Iterations = iters,
            Converged = conv,
        };
    }

    /// <summary>
    /// sklearn's <c>NMF.transform</c>: solves for W ≥ 0 with the factors <paramref name="h"/> [K,
    /// n_features] fixed, starting from W = 0, same solver and stopping rule (float64). Returns the
    /// fit with <c>H</c> = a copy of <paramref name="h"/>.
    /// </summary>
    public static NmfResult Transform(Tensor x, Tensor h, NmfOptions options)
    {
        if (x.dim() != 2)
            throw new ArgumentException(
                $"NMF transform input must be a matrix [n_samples, n_features]; got shape [{string.Join(", ", x.shape)}].",
                nameof(x)
            );
        if (h.dim() != 2 || h.shape[1] != x.shape[1])
            throw new ArgumentException(
                $"NMF components must be [K, {x.shape[1]}] to match the input's {x.shape[1]} features; got shape [{string.Join(", ", h.shape)}].",
                nameof(h)
            );
        InputChecks.NonEmptyFinite(h, "NMF components");
        InputChecks.NonNegative(h, "NMF components");
        using var finalizersHeld = FinalizerGate.Hold();
        using var scope = NewDisposeScope();
        var o = options with { Components = (int)h.shape[0] };
        var (W, H, iters, conv, err, rel) = Run<double>(
            x.unsqueeze(0),
            o,
            ScalarType.Float64,
            fixedH: h.unsqueeze(0),
            batched: false
        );
        return new NmfResult
        {
            W = W[0].MoveToOuterDisposeScope(),
            H = H[0].MoveToOuterDisposeScope(),
            ReconstructionError = err[0],
            RelativeError = rel[0],
            Iterations = iters[0],
            Converged = conv[0],
        };
    }

    static (Tensor W, Tensor H, int[] iters, bool[] conv, double[] err, double[] rel) Run<T>(
        Tensor x,
        NmfOptions o,
        ScalarType dtype,
        Tensor? fixedH,
        bool batched
    )
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var userShape = batched ? x.shape : x.shape.Skip(1).ToArray();
        if (x.numel() == 0)
            throw new ArgumentException(
                $"NMF input X is empty (shape [{string.Join(", ", userShape)}]); expected at least one value.",
                nameof(x)
            );
        int B = (int)x.shape[0],
            n = (int)x.shape[1],
            m = (int)x.shape[2],
            k = o.Components;
        // The kernels read X and write W and H in place in tensor storage: no managed copies of
        // large batches.
        var xt = x.to_type(dtype).contiguous();
        var xs = new TensorMemory<T>(xt, "NMF input X").Memory;
        InputChecks.FiniteNonNegative<T>(xs.Span, userShape, "NMF input X");
        CheckSettings(n, m, o, fixedH is not null);
        Tensor W,
            H;
        if (fixedH is not null)
        {
            W = zeros(B, n, k, dtype: dtype);
            H = fixedH.expand(B, k, m).to_type(dtype).contiguous().clone();
        }
        else if (o.Init == NmfInit.Random)
        {
            // sklearn: |N(0,1)| * sqrt(mean(X) / K), H drawn before W.
            var g = new Generator((ulong)o.Seed);
            var avg = xt.to_type(ScalarType.Float64).mean([1, 2], keepdim: true);
            var scale = (avg / k).sqrt();
            var H0 = (randn(B, k, m, dtype: ScalarType.Float64, generator: g) * scale).abs();
            var W0 = (randn(B, n, k, dtype: ScalarType.Float64, generator: g) * scale).abs();
            W = W0.to_type(dtype).contiguous();
            H = H0.to_type(dtype).contiguous();
        }
        else
        {
            W = zeros(B, n, k, dtype: dtype);
            H = zeros(B, k, m, dtype: dtype);
        }
        var ws = new TensorMemory<T>(W, "W").Memory;
        var hs = new TensorMemory<T>(H, "H").Memory;
        if (fixedH is null && o.Init != NmfInit.Random)
            NndsvdKernel<T>.Initialize(
                xs,
                ws,
                hs,
                B,
                n,
                m,
                k,
                fillWithMean: o.Init == NmfInit.Nndsvda
            );
        var (iters, conv, err, rel) = NmfKernel<T>.Solve(
            xs,
            ws,
            hs,
            B,
            n,
            m,
            k,
            o.Tol,
            o.MaxIter,
            updateH: fixedH is null
        );
        GC.KeepAlive(xt);
        return (W, H, iters, conv, err, rel);
    }

    static void CheckSettings(long n, long m, NmfOptions options, bool transform)
    {
        if (options.Components < 1)
            throw new ArgumentOutOfRangeException(
                nameof(options),
                $"NMF components K must be ≥ 1; got {options.Components}."
            );
        if (!transform && options.Init != NmfInit.Random && options.Components > Math.Min(n, m))
            throw new ArgumentOutOfRangeException(
                nameof(options),
                $"NMF with K = {options.Components} components needs K ≤ min(n_samples, n_features) = min({n}, {m}) = {Math.Min(n, m)} for {options.Init} init "
                    + "(sklearn would silently switch to random init; pass Init = NmfInit.Random to do that explicitly, or lower K)."
            );
        if (options.Components > m)
            throw new ArgumentOutOfRangeException(
                nameof(options),
                $"NMF with K = {options.Components} components is larger than the {m} features of the input; expected K ≤ {m}."
            );
        if (!(options.Tol >= 0) || double.IsInfinity(options.Tol))
            throw new ArgumentOutOfRangeException(
                nameof(options),
                $"NMF tol must be a finite number ≥ 0; got {options.Tol}."
            );
        if (options.MaxIter < 1)
            throw new ArgumentOutOfRangeException(
                nameof(options),
                $"NMF max_iter must be ≥ 1; got {options.MaxIter}."
            );
    }
}
