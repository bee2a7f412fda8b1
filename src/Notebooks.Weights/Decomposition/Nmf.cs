using static TorchSharp.torch;

namespace Notebooks.Weights.Decomposition;

/// <summary>
/// Non-negative matrix factorization X ≈ W H (Frobenius loss) by coordinate descent / HALS, following sklearn 1.2's
/// <c>NMF(solver="cd")</c>: each iteration updates every column of W, then every row of H, one factor at a time
/// (w_t ← max(0, w_t − ∇_t / (HHᵀ)_tt)); it stops when the summed |projected gradient| of an iteration falls to
/// <see cref="NmfOptions.Tol"/> times that of the first iteration. The same engine runs a batch of independent
/// problems at once (<see cref="FitBatched"/>): every entry keeps its own stopping test and is frozen at the
/// iteration it converges, so batching changes speed, not results.
/// </summary>
public static class Nmf
{
    const double InitEps = 1e-6; // sklearn _initialize_nmf eps

    /// <summary>Factorizes one non-negative matrix <paramref name="x"/> [n_samples, n_features] in float64 (exact SVD start, tensor solver).</summary>
    public static NmfResult Fit(Tensor x, NmfOptions options)
    {
        if (x.dim() != 2)
            throw new ArgumentException($"NMF input X must be a matrix [n_samples, n_features]; got shape [{string.Join(", ", x.shape)}].", nameof(x));
        InputChecks.NonEmptyFinite(x, "NMF input X");
        InputChecks.NonNegative(x, "NMF input X");
        using var scope = NewDisposeScope();
        CheckInput(x, options, "NMF input X");
        var X = x.to_type(ScalarType.Float64).unsqueeze(0).contiguous();
        var (W0, H0) = Initialize(X, options);
        var (Wt, H, iters, conv) = Solve(X, W0.transpose(1, 2).contiguous(), H0.contiguous(), options, updateH: true);
        var W = Wt.transpose(1, 2).contiguous();
        var (err, rel) = Errors(X, W, H);
        return new NmfResult
        {
            W = W[0].MoveToOuterDisposeScope(), H = H[0].MoveToOuterDisposeScope(),
            ReconstructionError = err[0], RelativeError = rel[0], Iterations = iters[0], Converged = conv[0],
        };
    }

    /// <summary>
    /// Factorizes B independent non-negative matrices <paramref name="x"/> [B, n_samples, n_features] together with a
    /// fused float32 kernel (<see cref="NmfKernel"/>): each matrix is solved by one thread with its data in cache,
    /// matrices run in parallel, and each keeps its own stopping test, so the result is what a one-at-a-time float32
    /// fit gives. The NNDSVD start comes from the Gram matrix's eigenvectors (<see cref="NndsvdKernel"/>, float64; the same
    /// singular vectors as an SVD). Results are float32; errors are computed in float64 against the float32 input.
    /// </summary>
    public static BatchedNmfResult FitBatched(Tensor x, NmfOptions options)
    {
        if (x.dim() != 3)
            throw new ArgumentException($"batched NMF input must be [B, n_samples, n_features]; got shape [{string.Join(", ", x.shape)}].", nameof(x));
        if (x.numel() == 0)
            throw new ArgumentException($"NMF input X is empty (shape [{string.Join(", ", x.shape)}]); expected at least one value.", nameof(x));
        using var scope = NewDisposeScope();
        int B = (int)x.shape[0], n = (int)x.shape[1], m = (int)x.shape[2], k = options.Components;
        var xs = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(x.to_type(ScalarType.Float32).contiguous().bytes).ToArray();
        InputChecks.FiniteNonNegative(xs, x.shape, "NMF input X");
        CheckSettings(n, m, options);
        float[] ws, hs;
        if (options.Init == NmfInit.Random)
        {
            var (W0, H0) = Initialize(tensor(xs, [B, n, m]), options);
            ws = W0.contiguous().data<float>().ToArray(); hs = H0.contiguous().data<float>().ToArray();
        }
        else
        {
            ws = new float[B * n * k]; hs = new float[B * k * m];
            NndsvdKernel.Initialize(xs, ws, hs, B, n, m, k, fillWithMean: options.Init == NmfInit.Nndsvda);
        }
        var (iters, conv, err, rel) = NmfKernel.Solve(xs, ws, hs, B, n, m, k, options.Tol, options.MaxIter, updateH: true);
        var W = tensor(ws, [B, n, k]);
        var H = tensor(hs, [B, k, m]);
        return new BatchedNmfResult
        {
            W = W.MoveToOuterDisposeScope(), H = H.MoveToOuterDisposeScope(),
            ReconstructionError = err, RelativeError = rel, Iterations = iters, Converged = conv,
        };
    }

    /// <summary>
    /// sklearn's <c>NMF.transform</c>: solves for W ≥ 0 with the factors <paramref name="h"/> [K, n_features] fixed,
    /// starting from W = 0, same solver and stopping rule. Returns the fit with <c>H</c> = a copy of <paramref name="h"/>.
    /// </summary>
    public static NmfResult Transform(Tensor x, Tensor h, NmfOptions options)
    {
        if (x.dim() != 2)
            throw new ArgumentException($"NMF transform input must be a matrix [n_samples, n_features]; got shape [{string.Join(", ", x.shape)}].", nameof(x));
        if (h.dim() != 2 || h.shape[1] != x.shape[1])
            throw new ArgumentException($"NMF components must be [K, {x.shape[1]}] to match the input's {x.shape[1]} features; got shape [{string.Join(", ", h.shape)}].", nameof(h));
        InputChecks.NonEmptyFinite(x, "NMF transform input X");
        InputChecks.NonNegative(x, "NMF transform input X");
        InputChecks.NonEmptyFinite(h, "NMF components");
        InputChecks.NonNegative(h, "NMF components");
        using var scope = NewDisposeScope();
        var X = x.to_type(ScalarType.Float64).unsqueeze(0).contiguous();
        var H = h.to_type(ScalarType.Float64).unsqueeze(0).contiguous();
        var Wt0 = zeros(1, h.shape[0], x.shape[0], dtype: ScalarType.Float64);
        var (Wt, Hout, iters, conv) = Solve(X, Wt0, H, options, updateH: false);
        var W = Wt.transpose(1, 2).contiguous();
        var (err, rel) = Errors(X, W, Hout);
        return new NmfResult
        {
            W = W[0].MoveToOuterDisposeScope(), H = Hout[0].MoveToOuterDisposeScope(),
            ReconstructionError = err[0], RelativeError = rel[0], Iterations = iters[0], Converged = conv[0],
        };
    }

    static void CheckInput(Tensor x, NmfOptions o, string name)
    {
        InputChecks.NonEmptyFinite(x, name);
        InputChecks.NonNegative(x, name);
        CheckSettings(x.shape[^2], x.shape[^1], o);
    }

    static void CheckSettings(long n, long m, NmfOptions o)
    {
        if (o.Components < 1)
            throw new ArgumentOutOfRangeException(nameof(o.Components), $"NMF components K must be ≥ 1; got {o.Components}.");
        if (o.Init != NmfInit.Random && o.Components > Math.Min(n, m))
            throw new ArgumentOutOfRangeException(nameof(o.Components),
                $"NMF with K = {o.Components} components needs K ≤ min(n_samples, n_features) = min({n}, {m}) = {Math.Min(n, m)} for {o.Init} init " +
                "(sklearn would silently switch to random init; pass Init = NmfInit.Random to do that explicitly, or lower K).");
        if (o.Components > m)
            throw new ArgumentOutOfRangeException(nameof(o.Components), $"NMF with K = {o.Components} components is larger than the {m} features of the input; expected K ≤ {m}.");
        if (!(o.Tol >= 0) || double.IsInfinity(o.Tol))
            throw new ArgumentOutOfRangeException(nameof(o.Tol), $"NMF tol must be a finite number ≥ 0; got {o.Tol}.");
        if (o.MaxIter < 1)
            throw new ArgumentOutOfRangeException(nameof(o.MaxIter), $"NMF max_iter must be ≥ 1; got {o.MaxIter}.");
    }

    /// <summary>NNDSVD / NNDSVDa / random starting factors for every batch entry: W [B,n,K], H [B,K,m].</summary>
    static (Tensor W, Tensor H) Initialize(Tensor X, NmfOptions o)
    {
        long B = X.shape[0], n = X.shape[1], m = X.shape[2];
        int k = o.Components;
        var avg = X.mean([1, 2], keepdim: true); // [B,1,1]
        if (o.Init == NmfInit.Random)
        {
            var gen = new Generator((ulong)o.Seed);
            var scale = (avg / k).sqrt();
            var H0 = (randn(B, k, m, dtype: ScalarType.Float64, generator: gen).to_type(X.dtype) * scale).abs();
            var W0 = (randn(B, n, k, dtype: ScalarType.Float64, generator: gen).to_type(X.dtype) * scale).abs();
            return (W0, H0);
        }
        var (U, S, Vh) = linalg.svd(X, fullMatrices: false);
        var W = zeros(B, n, k, dtype: X.dtype);
        var H = zeros(B, k, m, dtype: X.dtype);
        W.select(2, 0).copy_(S.select(1, 0).sqrt().unsqueeze(1) * U.select(2, 0).abs());
        H.select(1, 0).copy_(S.select(1, 0).sqrt().unsqueeze(1) * Vh.select(1, 0).abs());
        for (int j = 1; j < k; j++)
        {
            var xv = U.select(2, j); var yv = Vh.select(1, j);
            var xp = xv.clamp_min(0); var yp = yv.clamp_min(0);
            var xn = (-xv).clamp_min(0); var yn = (-yv).clamp_min(0);
            var xpn = linalg.vector_norm(xp, dims: [1]); var ypn = linalg.vector_norm(yp, dims: [1]);
            var xnn = linalg.vector_norm(xn, dims: [1]); var ynn = linalg.vector_norm(yn, dims: [1]);
            var mp = xpn * ypn; var mn = xnn * ynn;
            var usePos = (mp > mn).unsqueeze(1);
            // A zero part has zero norm; dividing by max(norm, tiny) keeps it zero instead of NaN.
            var u = where(usePos, xp / xpn.clamp_min(1e-300).unsqueeze(1), xn / xnn.clamp_min(1e-300).unsqueeze(1));
            var v = where(usePos, yp / ypn.clamp_min(1e-300).unsqueeze(1), yn / ynn.clamp_min(1e-300).unsqueeze(1));
            var lbd = (S.select(1, j) * where(mp > mn, mp, mn)).sqrt().unsqueeze(1);
            W.select(2, j).copy_(lbd * u);
            H.select(1, j).copy_(lbd * v);
        }
        W.masked_fill_(W < InitEps, 0);
        H.masked_fill_(H < InitEps, 0);
        if (o.Init == NmfInit.Nndsvda)
        {
            W = where(W == 0, avg.expand_as(W), W);
            H = where(H == 0, avg.expand_as(H), H);
        }
        return (W, H);
    }

    /// <summary>
    /// Coordinate descent on Wt [B,K,n] (W transposed) and H [B,K,m]. Finished entries are written to the output at
    /// the iteration they converge; the working set is compacted when a quarter of it has finished.
    /// </summary>
    static (Tensor Wt, Tensor H, int[] iters, bool[] converged) Solve(Tensor X, Tensor Wt, Tensor H, NmfOptions o, bool updateH)
    {
        long B = X.shape[0];
        var outWt = Wt.clone(); var outH = H.clone();
        var iters = new int[B]; var converged = new bool[B];
        var global = Enumerable.Range(0, (int)B).Select(i => (long)i).ToArray(); // working slot -> batch index
        var finished = new bool[B];
        Tensor? vInit = null;
        Tensor Xw = X, Wtw = Wt, Hw = H;
        for (int it = 1; it <= o.MaxIter; it++)
        {
            using var iterScope = NewDisposeScope();
            var v = Sweep(Wtw, Hw.bmm(Hw.transpose(1, 2)), Hw.bmm(Xw.transpose(1, 2)));
            if (updateH) v = v + Sweep(Hw, Wtw.bmm(Wtw.transpose(1, 2)), Wtw.bmm(Xw));
            if (vInit is null) { vInit = v.clone().MoveToOuterDisposeScope(); }
            var done = (vInit == 0).logical_or(v / vInit <= o.Tol);
            var doneHost = done.data<bool>().ToArray();
            var newly = new List<long>();
            for (int s = 0; s < doneHost.Length; s++)
            {
                if (finished[s]) continue;
                if (doneHost[s] || it == o.MaxIter)
                {
                    finished[s] = true; newly.Add(s);
                    iters[global[s]] = it; converged[global[s]] = doneHost[s];
                }
            }
            if (newly.Count > 0)
            {
                var local = tensor(newly.ToArray());
                var glob = tensor(newly.Select(s => global[s]).ToArray());
                outWt.index_copy_(0, glob, Wtw.index_select(0, local));
                outH.index_copy_(0, glob, Hw.index_select(0, local));
            }
            int remaining = finished.Count(f => !f);
            if (remaining == 0) break;
            if (remaining <= finished.Length * 3 / 4)
            {
                var keep = Enumerable.Range(0, finished.Length).Where(s => !finished[s]).Select(s => (long)s).ToArray();
                var keepT = tensor(keep);
                Xw = Xw.index_select(0, keepT).MoveToOuterDisposeScope();
                Wtw = Wtw.index_select(0, keepT).MoveToOuterDisposeScope();
                Hw = Hw.index_select(0, keepT).MoveToOuterDisposeScope();
                vInit = vInit.index_select(0, keepT).MoveToOuterDisposeScope();
                global = keep.Select(s => global[s]).ToArray();
                finished = new bool[keep.Length];
            }
        }
        return (outWt, outH, iters, converged);
    }

    /// <summary>
    /// One HALS sweep over the K rows of F [B,K,r] for the problem min ‖M − Fᵀ O‖ with G = O Oᵀ [B,K,K] and
    /// R = O Mᵀ [B,K,r]. Updates F in place; returns the summed |projected gradient| per entry [B].
    /// </summary>
    static Tensor Sweep(Tensor F, Tensor G, Tensor R)
    {
        long k = F.shape[1];
        Tensor? violation = null;
        for (int t = 0; t < k; t++)
        {
            var ft = F.select(1, t);                                        // [B, r], a view into F
            var grad = G.narrow(1, t, 1).bmm(F).squeeze(1) - R.select(1, t);
            var pg = where(ft == 0, grad.clamp_max(0), grad);
            var vt = pg.abs().sum(1);
            violation = violation is null ? vt : violation + vt;
            var hess = G.select(1, t).select(1, t).unsqueeze(1);            // [B, 1]
            var updated = (ft - grad / hess).clamp_min(0);
            ft.copy_(where(hess != 0, updated, ft));
        }
        return violation!;
    }

    /// <summary>‖X − W H‖ and ‖X − W H‖/‖X‖ per entry, in float64.</summary>
    static (double[] err, double[] rel) Errors(Tensor x, Tensor W, Tensor H)
    {
        using var scope = NewDisposeScope();
        var X = x.to_type(ScalarType.Float64);
        var diff = X - W.to_type(ScalarType.Float64).bmm(H.to_type(ScalarType.Float64));
        var err = linalg.vector_norm(diff.flatten(1), dims: [1]).data<double>().ToArray();
        var norm = linalg.vector_norm(X.flatten(1), dims: [1]).data<double>().ToArray();
        var rel = err.Select((e, i) => norm[i] > 0 ? e / norm[i] : 0.0).ToArray();
        return (err, rel);
    }
}
