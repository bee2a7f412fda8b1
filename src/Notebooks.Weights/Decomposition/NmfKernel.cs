using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Notebooks.Weights.Decomposition;

/// <summary>
/// The coordinate-descent (HALS) NMF solver as a fused CPU kernel (float32 or float64) for batches
/// of small matrices: each matrix is solved start to finish by one thread while its data sits in
/// cache, with SIMD (<see cref="Vector{T}"/>) inner loops; matrices run in parallel (a single
/// matrix runs inline on the caller's thread). Same updates, order and stopping rule as sklearn's
/// <c>_fit_coordinate_descent</c> / <c>_update_cdnmf_fast</c> (violation summed in float64).
/// Reconstruction errors are computed at the end with float64 sums.
/// </summary>
static class NmfKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>
    /// Solves in place. <paramref name="x"/> [B, n, m]; <paramref name="w"/> [B, n, k] and
    /// <paramref name="h"/> [B, k, m] hold the starting factors and receive the results. Returns
    /// iterations and convergence per matrix.
    /// </summary>
    public static (int[] iterations, bool[] converged, double[] error, double[] relative) Solve(
        ReadOnlyMemory<T> x,
        Memory<T> w,
        Memory<T> h,
        int batch,
        int n,
        int m,
        int k,
        double tol,
        int maxIter,
        bool updateH
    )
    {
        var iters = new int[batch];
        var conv = new bool[batch];
        var err = new double[batch];
        var rel = new double[batch];
        void One(int b, Work work)
        {
            (iters[b], conv[b]) = SolveOne(
                x.Span.Slice(b * n * m, n * m),
                w.Span.Slice(b * n * k, n * k),
                h.Span.Slice(b * k * m, k * m),
                n,
                m,
                k,
                tol,
                maxIter,
                updateH,
                work
            );
            var (res, nrm) = SquaredErrors(
                x.Span.Slice(b * n * m, n * m),
                w.Span.Slice(b * n * k, n * k),
                h.Span.Slice(b * k * m, k * m),
                n,
                m,
                k
            );
            err[b] = Math.Sqrt(res);
            rel[b] = nrm > 0 ? Math.Sqrt(res / nrm) : 0;
        }
        // One matrix runs inline: a thread-pool hand-off costs more than a small fit on a busy
        // machine.
        if (batch == 1)
            One(0, new Work(n, m, k));
        else
        {
            var po = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
            Parallel.For(
                0,
                batch,
                po,
                () => new Work(n, m, k),
                (b, _, work) =>
                {
                    One(b, work);
                    return work;
                },
                _ => { }
            );
        }
        return (iters, conv, err, rel);
    }

    sealed class Work(int n, int m, int k)
    {
        public readonly T[] Wt = new T[k * n]; // W transposed: factor-major rows of length n
        public readonly T[] R = new T[k * Math.Max(n, m)];
        public readonly T[] G = new T[k * k];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static (int, bool) SolveOne(
        ReadOnlySpan<T> x,
        Span<T> w,
        Span<T> h,
        int n,
        int m,
        int k,
        double tol,
        int maxIter,
        bool updateH,
        Work work
    )
    {
        var wt = work.Wt.AsSpan(0, k * n);
        for (int i = 0; i < n; i++)
        for (int t = 0; t < k; t++)
            wt[t * n + i] = w[i * k + t];
        var g = work.G.AsSpan(0, k * k);
        double vInit = 0;
        int it = 1;
        bool converged = false;
        for (; it <= maxIter; it++)
        {
            // W step: G = H Hᵀ, R = H Xᵀ [k, n]; sweep the k rows of Wt.
            var r = work.R.AsSpan(0, k * n);
            for (int a = 0; a < k; a++)
            for (int c = a; c < k; c++)
                g[a * k + c] = g[c * k + a] = Dot(h.Slice(a * m, m), h.Slice(c * m, m));
            RowsTimesRowsT(h, x, r, k, n, m);
            double v = Sweep(wt, g, r, k, n);
            if (updateH)
            {
                // H step: G = Wᵀ W, R = Wᵀ X [k, m]; sweep the k rows of H.
                for (int a = 0; a < k; a++)
                for (int c = a; c < k; c++)
                    g[a * k + c] = g[c * k + a] = Dot(wt.Slice(a * n, n), wt.Slice(c * n, n));
                r = work.R.AsSpan(0, k * m);
                CoefTimesRows(wt, x, r, k, n, m);
                v += Sweep(h, g, r, k, m);
            }
            if (it == 1)
                vInit = v;
            if (vInit == 0 || v / vInit <= tol)
            {
                converged = true;
                break;
            }
        }
        if (!converged)
            it = maxIter;
        for (int i = 0; i < n; i++)
        for (int t = 0; t < k; t++)
            w[i * k + t] = wt[t * n + i];
        return (it, converged);
    }

    /// <summary>One HALS pass over the k rows of F [k, len]; returns Σ|projected gradient| before
    /// each update.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static double Sweep(Span<T> f, ReadOnlySpan<T> g, ReadOnlySpan<T> r, int k, int len)
    {
        double violation = 0;
        int vw = Vector<T>.Count;
        for (int t = 0; t < k; t++)
        {
            T hess = g[t * k + t];
            var ft = f.Slice(t * len, len);
            var rt = r.Slice(t * len, len);
            ref T f0 = ref MemoryMarshal.GetReference(f);
            ref T r0 = ref MemoryMarshal.GetReference(rt);
            var acc = Vector<T>.Zero;
            var hv = new Vector<T>(T.One / hess);
            Vector<T> g0 = new(g[t * k]),
                g1 = k > 1 ? new(g[t * k + 1]) : default,
                g2 = k > 2 ? new(g[t * k + 2]) : default,
                g3 = k > 3 ? new(g[t * k + 3]) : default; // sklearn divides; multiplying by 1/hess differs by ≤ 1 ulp
            int vecEnd = len / vw;
            for (int j = 0; j < vecEnd; j++)
            {
                nuint off = (nuint)(j * vw);
                var grad = -Vector.LoadUnsafe(ref r0, off);
                if (k <= 4)
                {
                    grad += g0 * Vector.LoadUnsafe(ref f0, off);
                    if (k > 1)
                        grad += g1 * Vector.LoadUnsafe(ref f0, (nuint)len + off);
                    if (k > 2)
                        grad += g2 * Vector.LoadUnsafe(ref f0, (nuint)(2 * len) + off);
                    if (k > 3)
                        grad += g3 * Vector.LoadUnsafe(ref f0, (nuint)(3 * len) + off);
                }
                else
                    for (int q = 0; q < k; q++)
                        grad +=
                            new Vector<T>(g[t * k + q])
                            * Vector.LoadUnsafe(ref f0, (nuint)(q * len) + off);
                var cur = Vector.LoadUnsafe(ref f0, (nuint)(t * len) + off);
                var pg = Vector.ConditionalSelect(
                    Vector.Equals(cur, Vector<T>.Zero),
                    Vector.Min(grad, Vector<T>.Zero),
                    grad
                );
                acc += Vector.Abs(pg);
                if (!T.IsZero(hess))
                    Vector
                        .Max(cur - grad * hv, Vector<T>.Zero)
                        .StoreUnsafe(ref f0, (nuint)(t * len) + off);
            }
            violation += double.CreateTruncating(Vector.Sum(acc));
            for (int i = vecEnd * vw; i < len; i++)
            {
                T grad = -rt[i];
                for (int q = 0; q < k; q++)
                    grad += g[t * k + q] * f[q * len + i];
                T cur = ft[i];
                T pg = T.IsZero(cur) ? T.Min(grad, T.Zero) : grad;
                violation += double.CreateTruncating(T.Abs(pg));
                if (!T.IsZero(hess))
                    ft[i] = T.Max(cur - grad * (T.One / hess), T.Zero);
            }
        }
        return violation;
    }

    /// <summary>a·b + c, fused (one rounding) where the CPU has FMA; the JIT folds the type test
    /// away.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector<T> Fma(Vector<T> a, Vector<T> b, Vector<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector
                .FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>())
                .As<float, T>();
        if (typeof(T) == typeof(double))
            return Vector
                .FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>())
                .As<double, T>();
        return a * b + c;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static T Sum(ReadOnlySpan<T> a)
    {
        var av = MemoryMarshal.Cast<T, Vector<T>>(a);
        var acc = Vector<T>.Zero;
        for (int j = 0; j < av.Length; j++)
            acc += av[j];
        T s = Vector.Sum(acc);
        for (int i = av.Length * Vector<T>.Count; i < a.Length; i++)
            s += a[i];
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static T Dot(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
    {
        var av = MemoryMarshal.Cast<T, Vector<T>>(a);
        var bv = MemoryMarshal.Cast<T, Vector<T>>(b);
        var acc = Vector<T>.Zero;
        for (int j = 0; j < av.Length; j++)
            acc += av[j] * bv[j];
        T s = Vector.Sum(acc);
        for (int i = av.Length * Vector<T>.Count; i < a.Length; i++)
            s += a[i] * b[i];
        return s;
    }

    /// <summary>r[t, i] = ⟨a_t, x_i⟩ for a [k, m], x [n, m], r [k, n]: one pass over x, up to 4
    /// rows of a at a time in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RowsTimesRowsT(
        ReadOnlySpan<T> a,
        ReadOnlySpan<T> x,
        Span<T> r,
        int k,
        int n,
        int m
    )
    {
        int vw = Vector<T>.Count,
            vecEnd = m / vw;
        ref T a0 = ref MemoryMarshal.GetReference(a);
        ref T x0 = ref MemoryMarshal.GetReference(x);
        for (int t0 = 0; t0 < k; t0 += 4)
        {
            int kb = Math.Min(4, k - t0);
            nuint r0 = (nuint)(t0 * m),
                r1 = (nuint)(Math.Min(t0 + 1, k - 1) * m),
                r2 = (nuint)(Math.Min(t0 + 2, k - 1) * m),
                r3 = (nuint)(Math.Min(t0 + 3, k - 1) * m);
            for (int i = 0; i < n; i++)
            {
                // Two accumulators per row (even and odd vectors) halve the dependency chains of
                // the adds.
                Vector<T> c0 = default,
                    c1 = default,
                    c2 = default,
                    c3 = default;
                Vector<T> d0 = default,
                    d1 = default,
                    d2 = default,
                    d3 = default;
                nuint xi = (nuint)(i * m);
                int j = 0;
                for (; j + 1 < vecEnd; j += 2)
                {
                    nuint off = (nuint)(j * vw),
                        off2 = off + (nuint)vw;
                    var xv = Vector.LoadUnsafe(ref x0, xi + off);
                    var xw = Vector.LoadUnsafe(ref x0, xi + off2);
                    c0 = Fma(Vector.LoadUnsafe(ref a0, r0 + off), xv, c0);
                    d0 = Fma(Vector.LoadUnsafe(ref a0, r0 + off2), xw, d0);
                    if (kb > 1)
                    {
                        c1 = Fma(Vector.LoadUnsafe(ref a0, r1 + off), xv, c1);
                        d1 = Fma(Vector.LoadUnsafe(ref a0, r1 + off2), xw, d1);
                    }
                    if (kb > 2)
                    {
                        c2 = Fma(Vector.LoadUnsafe(ref a0, r2 + off), xv, c2);
                        d2 = Fma(Vector.LoadUnsafe(ref a0, r2 + off2), xw, d2);
                    }
                    if (kb > 3)
                    {
                        c3 = Fma(Vector.LoadUnsafe(ref a0, r3 + off), xv, c3);
                        d3 = Fma(Vector.LoadUnsafe(ref a0, r3 + off2), xw, d3);
                    }
                }
                for (; j < vecEnd; j++)
                {
                    nuint off = (nuint)(j * vw);
                    var xv = Vector.LoadUnsafe(ref x0, xi + off);
                    c0 = Fma(Vector.LoadUnsafe(ref a0, r0 + off), xv, c0);
                    if (kb > 1)
                        c1 = Fma(Vector.LoadUnsafe(ref a0, r1 + off), xv, c1);
                    if (kb > 2)
                        c2 = Fma(Vector.LoadUnsafe(ref a0, r2 + off), xv, c2);
                    if (kb > 3)
                        c3 = Fma(Vector.LoadUnsafe(ref a0, r3 + off), xv, c3);
                }
                c0 += d0;
                c1 += d1;
                c2 += d2;
                c3 += d3;
                for (int q = 0; q < kb; q++)
                {
                    int t = t0 + q;
                    T s = Vector.Sum(
                        q switch
                        {
                            0 => c0,
                            1 => c1,
                            2 => c2,
                            _ => c3,
                        }
                    );
                    for (int c = vecEnd * vw; c < m; c++)
                        s += a[t * m + c] * x[i * m + c];
                    r[t * n + i] = s;
                }
            }
        }
    }

    /// <summary>r[t, :] = Σ_i c[t, i] x_i for c [k, n], x [n, m], r [k, m]: one pass over x, up to
    /// 4 output rows in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void CoefTimesRows(
        ReadOnlySpan<T> c,
        ReadOnlySpan<T> x,
        Span<T> r,
        int k,
        int n,
        int m
    )
    {
        int vw = Vector<T>.Count,
            vecEnd = m / vw;
        ref T x0 = ref MemoryMarshal.GetReference(x);
        ref T rr = ref MemoryMarshal.GetReference(r);
        // Coefficients broadcast once per block of output rows, not once per column vector.
        Span<Vector<T>> coef = n <= 64 ? stackalloc Vector<T>[4 * 64] : new Vector<T>[4 * n];
        for (int t0 = 0; t0 < k; t0 += 4)
        {
            int kb = Math.Min(4, k - t0);
            for (int q = 0; q < kb; q++)
            for (int i = 0; i < n; i++)
                coef[q * n + i] = new Vector<T>(c[(t0 + q) * n + i]);
            int j = 0;
            // Two column vectors per pass: independent accumulators hide the add latency over the
            // short i loop (n is small: a kernel's positions).
            for (; j + 1 < vecEnd; j += 2)
            {
                Vector<T> c0 = default,
                    c1 = default,
                    c2 = default,
                    c3 = default;
                Vector<T> d0 = default,
                    d1 = default,
                    d2 = default,
                    d3 = default;
                nuint off = (nuint)(j * vw),
                    off2 = off + (nuint)vw;
                for (int i = 0; i < n; i++)
                {
                    var xv = Vector.LoadUnsafe(ref x0, (nuint)(i * m) + off);
                    var xw = Vector.LoadUnsafe(ref x0, (nuint)(i * m) + off2);
                    c0 = Fma(coef[i], xv, c0);
                    d0 = Fma(coef[i], xw, d0);
                    if (kb > 1)
                    {
                        c1 = Fma(coef[n + i], xv, c1);
                        d1 = Fma(coef[n + i], xw, d1);
                    }
                    if (kb > 2)
                    {
                        c2 = Fma(coef[2 * n + i], xv, c2);
                        d2 = Fma(coef[2 * n + i], xw, d2);
                    }
                    if (kb > 3)
                    {
                        c3 = Fma(coef[3 * n + i], xv, c3);
                        d3 = Fma(coef[3 * n + i], xw, d3);
                    }
                }
                c0.StoreUnsafe(ref rr, (nuint)(t0 * m) + off);
                d0.StoreUnsafe(ref rr, (nuint)(t0 * m) + off2);
                if (kb > 1)
                {
                    c1.StoreUnsafe(ref rr, (nuint)((t0 + 1) * m) + off);
                    d1.StoreUnsafe(ref rr, (nuint)((t0 + 1) * m) + off2);
                }
                if (kb > 2)
                {
                    c2.StoreUnsafe(ref rr, (nuint)((t0 + 2) * m) + off);
                    d2.StoreUnsafe(ref rr, (nuint)((t0 + 2) * m) + off2);
                }
                if (kb > 3)
                {
                    c3.StoreUnsafe(ref rr, (nuint)((t0 + 3) * m) + off);
                    d3.StoreUnsafe(ref rr, (nuint)((t0 + 3) * m) + off2);
                }
            }
            for (; j < vecEnd; j++)
            {
                Vector<T> c0 = default,
                    c1 = default,
                    c2 = default,
                    c3 = default;
                nuint off = (nuint)(j * vw);
                for (int i = 0; i < n; i++)
                {
                    var xv = Vector.LoadUnsafe(ref x0, (nuint)(i * m) + off);
                    c0 = Fma(coef[i], xv, c0);
                    if (kb > 1)
                        c1 = Fma(coef[n + i], xv, c1);
                    if (kb > 2)
                        c2 = Fma(coef[2 * n + i], xv, c2);
                    if (kb > 3)
                        c3 = Fma(coef[3 * n + i], xv, c3);
                }
                c0.StoreUnsafe(ref rr, (nuint)(t0 * m) + off);
                if (kb > 1)
                    c1.StoreUnsafe(ref rr, (nuint)((t0 + 1) * m) + off);
                if (kb > 2)
                    c2.StoreUnsafe(ref rr, (nuint)((t0 + 2) * m) + off);
                if (kb > 3)
                    c3.StoreUnsafe(ref rr, (nuint)((t0 + 3) * m) + off);
            }
        }
        for (int col = vecEnd * vw; col < m; col++)
        for (int t = 0; t < k; t++)
        {
            T s = T.Zero;
            for (int i = 0; i < n; i++)
                s += c[t * n + i] * x[i * m + col];
            r[t * m + col] = s;
        }
    }

    /// <summary>Σ (x − w h)² and Σ x² for one matrix (w [n, k], h [k, m]); products in T, sums of
    /// squares in float64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double residual, double norm) SquaredErrors(
        ReadOnlySpan<T> x,
        ReadOnlySpan<T> w,
        ReadOnlySpan<T> h,
        int n,
        int m,
        int k
    )
    {
        double res = 0,
            nrm = 0;
        int vw = Vector<T>.Count,
            vecEnd = m / vw;
        ref T x0 = ref MemoryMarshal.GetReference(x);
        ref T h0 = ref MemoryMarshal.GetReference(h);
        for (int i = 0; i < n; i++)
        {
            var accR = Vector<T>.Zero;
            var accN = Vector<T>.Zero;
            nuint xi = (nuint)(i * m);
            for (int j = 0; j < vecEnd; j++)
            {
                nuint off = (nuint)(j * vw);
                var xv = Vector.LoadUnsafe(ref x0, xi + off);
                var p = Vector<T>.Zero;
                for (int t = 0; t < k; t++)
                    p +=
                        new Vector<T>(w[i * k + t])
                        * Vector.LoadUnsafe(ref h0, (nuint)(t * m) + off);
                var d = xv - p;
                accR += d * d;
                accN += xv * xv;
            }
            // Per-row partial sums (≤ m/vw terms per lane) are exact enough in T; rows are summed
            // in float64.
            res += double.CreateTruncating(Vector.Sum(accR));
            nrm += double.CreateTruncating(Vector.Sum(accN));
            for (int col = vecEnd * vw; col < m; col++)
            {
                double p = 0;
                for (int t = 0; t < k; t++)
                    p +=
                        double.CreateTruncating(w[i * k + t])
                        * double.CreateTruncating(h[t * m + col]);
                double xv = double.CreateTruncating(x[i * m + col]),
                    d = xv - p;
                res += d * d;
                nrm += xv * xv;
            }
        }
        return (res, nrm);
    }
}
