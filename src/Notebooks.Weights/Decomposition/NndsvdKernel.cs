using System.Numerics;
using System.Runtime.CompilerServices;

namespace Notebooks.Weights.Decomposition;

/// <summary>
/// NNDSVD / NNDSVDa starting factors for a batch of small matrices (float32 or float64), one matrix
/// per thread. The top-k singular triplets come from the eigendecomposition (float64) of the
/// smaller Gram matrix, X Xᵀ or Xᵀ X; the sign handling follows Boutsidis &amp; Gallopoulos as in
/// sklearn's <c>_initialize_nmf</c> (eps 1e-6, NNDSVDa fills zeros with mean(X)).
/// </summary>
static class NndsvdKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public static void Initialize(
        ReadOnlyMemory<T> x,
        Memory<T> w,
        Memory<T> h,
        int batch,
        int n,
        int m,
        int k,
        bool fillWithMean
    )
    {
        if (batch == 1)
        {
            InitOne(x.Span, w.Span, h.Span, n, m, k, fillWithMean);
            return;
        }
        var po = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.For(0, batch, po, b =>
            InitOne(
                x.Span.Slice(b * n * m, n * m),
                w.Span.Slice(b * n * k, n * k),
                h.Span.Slice(b * k * m, k * m),
                n,
                m,
                k,
                fillWithMean
            )
        );
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void InitOne(
        ReadOnlySpan<T> x,
        Span<T> w,
        Span<T> h,
        int n,
        int m,
        int k,
        bool fillWithMean
    )
    {
        bool rows = n <= m;
        int d = rows ? n : m;
        var c = new double[d, d];
        if (rows)
        {
            for (int a = 0; a < n; a++)
            for (int b = a; b < n; b++)
                c[a, b] = c[b, a] = double.CreateTruncating(
                    NmfKernel<T>.Dot(x.Slice(a * m, m), x.Slice(b * m, m))
                );
        }
        else
        {
            for (int i = 0; i < n; i++)
            for (int a = 0; a < m; a++)
            {
                double xa = double.CreateTruncating(x[i * m + a]);
                if (xa == 0)
                    continue;
                for (int b = a; b < m; b++)
                    c[a, b] += xa * double.CreateTruncating(x[i * m + b]);
            }
            for (int a = 0; a < m; a++)
            for (int b = 0; b < a; b++)
                c[a, b] = c[b, a];
        }
        var (lambda, vecs) = SymmetricEigen(c, d);
        var order = Enumerable.Range(0, d).OrderByDescending(i => lambda[i]).ToArray();
        var u = new double[n];
        var v = new double[m];
        double mean = 0;
        for (int i = 0; i < n; i++)
            mean += double.CreateTruncating(NmfKernel<T>.Sum(x.Slice(i * m, m)));
        mean /= x.Length;
        for (int j = 0; j < k; j++)
        {
            int e = order[j];
            double sv = Math.Sqrt(Math.Max(0, lambda[e]));
            // The eigenvector is one singular vector; the other is X·v/σ or Xᵀ·u/σ (zero when σ =
            // 0).
            if (rows)
            {
                for (int i = 0; i < n; i++)
                    u[i] = vecs[i, e];
                Array.Clear(v);
                if (sv > 0)
                {
                    var coef = new T[n];
                    for (int i = 0; i < n; i++)
                        coef[i] = T.CreateTruncating(u[i] / sv);
                    var row = new T[m];
                    NmfKernel<T>.CoefTimesRows(coef, x, row, 1, n, m);
                    for (int col = 0; col < m; col++)
                        v[col] = double.CreateTruncating(row[col]);
                }
            }
            else
            {
                for (int col = 0; col < m; col++)
                    v[col] = vecs[col, e];
                Array.Clear(u);
                if (sv > 0)
                    for (int i = 0; i < n; i++)
                    {
                        double s = 0;
                        for (int col = 0; col < m; col++)
                            s += double.CreateTruncating(x[i * m + col]) * v[col];
                        u[i] = s / sv;
                    }
            }
            if (j == 0)
            {
                double r = Math.Sqrt(sv);
                for (int i = 0; i < n; i++)
                    w[i * k] = T.CreateTruncating(r * Math.Abs(u[i]));
                for (int col = 0; col < m; col++)
                    h[col] = T.CreateTruncating(r * Math.Abs(v[col]));
                continue;
            }
            double xp = 0,
                xn = 0,
                yp = 0,
                yn = 0;
            foreach (var a in u)
            {
                if (a > 0)
                    xp += a * a;
                else
                    xn += a * a;
            }
            foreach (var a in v)
            {
                if (a > 0)
                    yp += a * a;
                else
                    yn += a * a;
            }
            xp = Math.Sqrt(xp);
            xn = Math.Sqrt(xn);
            yp = Math.Sqrt(yp);
            yn = Math.Sqrt(yn);
            double mp = xp * yp,
                mn = xn * yn;
            bool pos = mp > mn;
            double sigma = pos ? mp : mn,
                xNorm = pos ? xp : xn,
                yNorm = pos ? yp : yn;
            double lbd = Math.Sqrt(sv * sigma);
            for (int i = 0; i < n; i++)
            {
                double part = pos ? Math.Max(u[i], 0) : Math.Max(-u[i], 0);
                w[i * k + j] = xNorm > 0 ? T.CreateTruncating(lbd * part / xNorm) : T.Zero;
            }
            for (int col = 0; col < m; col++)
            {
                double part = pos ? Math.Max(v[col], 0) : Math.Max(-v[col], 0);
                h[j * m + col] = yNorm > 0 ? T.CreateTruncating(lbd * part / yNorm) : T.Zero;
            }
        }
        T eps = T.CreateTruncating(1e-6);
        T fill = fillWithMean ? T.CreateTruncating(mean) : T.Zero;
        for (int i = 0; i < w.Length; i++)
            if (w[i] < eps)
                w[i] = fill;
        for (int i = 0; i < h.Length; i++)
            if (h[i] < eps)
                h[i] = fill;
    }

    /// <summary>
    /// Eigenvalues and eigenvectors (columns of the returned matrix) of a small symmetric matrix by
    /// cyclic Jacobi rotations, in float64; converges quadratically, stops when the off-diagonal
    /// mass is below 1e-30 of the total.
    /// </summary>
    static (double[] values, double[,] vectors) SymmetricEigen(double[,] a, int d)
    {
        var v = new double[d, d];
        for (int i = 0; i < d; i++)
            v[i, i] = 1;
        double total = 0;
        for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            total += a[i, j] * a[i, j];
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (int i = 0; i < d; i++)
            for (int j = i + 1; j < d; j++)
                off += a[i, j] * a[i, j];
            if (off <= 1e-30 * total || off == 0)
                break;
            for (int p = 0; p < d; p++)
            for (int q = p + 1; q < d; q++)
            {
                if (a[p, q] == 0)
                    continue;
                double theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                if (theta == 0)
                    t = 1;
                double c = 1 / Math.Sqrt(t * t + 1),
                    s = t * c;
                for (int r = 0; r < d; r++)
                {
                    double arp = a[r, p],
                        arq = a[r, q];
                    a[r, p] = c * arp - s * arq;
                    a[r, q] = s * arp + c * arq;
                }
                for (int r = 0; r < d; r++)
                {
                    double apr = a[p, r],
                        aqr = a[q, r];
                    a[p, r] = c * apr - s * aqr;
                    a[q, r] = s * apr + c * aqr;
                }
                for (int r = 0; r < d; r++)
                {
                    double vrp = v[r, p],
                        vrq = v[r, q];
                    v[r, p] = c * vrp - s * vrq;
                    v[r, q] = s * vrp + c * vrq;
                }
            }
        }
        var values = new double[d];
        for (int i = 0; i < d; i++)
            values[i] = a[i, i];
        return (values, v);
    }
}
