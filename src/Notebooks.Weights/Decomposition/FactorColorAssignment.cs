using static TorchSharp.torch;

namespace Notebooks.Weights.Decomposition;

/// <summary>
/// Consistent factor → color assignment across neurons (the weight-banding article says only "a
/// heuristic"; this is ours). Each neuron's K factors are arbitrary in order, so we match them to K
/// shared reference factors:
/// <list type="number">
/// <item>Factors are compared by cosine similarity of their (non-negative) channel vectors H[n, f,
/// :].</item>
/// <item>References start as the factors of the strongest neuron (largest Σ strength), sorted by
/// strength.</item>
/// <item>Each neuron takes the one-to-one matching factor→reference that maximizes Σ
/// strength·cosine (exhaustive over the K! permutations for K ≤ 7, greedy by similarity
/// above).</item>
/// <item>Each reference becomes the strength-weighted mean of the unit factors matched to it;
/// repeat until no assignment changes (at most <c>maxIterations</c>).</item>
/// <item>Slots are finally ordered by total matched strength, so slot 0 (hue 0°, red) is the
/// layer's most used factor.</item>
/// </list>
/// Every step depends only on each neuron's set of factors, never on their order, so permuting a
/// neuron's factors permutes its assignment and leaves its colored image unchanged.
/// </summary>
public sealed class FactorColorAssignment : IDisposable
{
    /// <summary>Slots[n][f]: the color slot (0..K−1) of neuron n's factor f.</summary>
    public required int[][] Slots { get; init; }

    /// <summary>Unit-norm reference factors [K, D], in slot order.</summary>
    public required Tensor References { get; init; }

    /// <summary>Per neuron: strength-weighted mean cosine between its factors and their references
    /// (1 = identical).</summary>
    public required double[] Agreement { get; init; }

    /// <summary>Matching rounds run.</summary>
    public required int Iterations { get; init; }

    /// <summary>
    /// Assigns slots for factors [N, K, D] (non-negative channel factors) with strengths [N, K]
    /// (e.g. ‖W[:, f]‖·‖H[f]‖).
    /// </summary>
    public static FactorColorAssignment Fit(Tensor factors, Tensor strength, int maxIterations = 20)
    {
        if (factors.dim() != 3)
            throw new ArgumentException(
                $"factors must be [N, K, D]; got shape [{string.Join(", ", factors.shape)}].",
                nameof(factors)
            );
        if (
            strength.dim() != 2
            || strength.shape[0] != factors.shape[0]
            || strength.shape[1] != factors.shape[1]
        )
            throw new ArgumentException(
                $"strength must be [N, K] = [{factors.shape[0]}, {factors.shape[1]}]; got [{string.Join(", ", strength.shape)}].",
                nameof(strength)
            );
        InputChecks.NonEmptyFinite(factors, "factors");
        InputChecks.NonEmptyFinite(strength, "factor strengths");
        using var scope = NewDisposeScope();
        int N = (int)factors.shape[0],
            K = (int)factors.shape[1];
        var unit = nn.functional.normalize(factors.to_type(ScalarType.Float64), p: 2, dim: 2);
        var s = strength.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        var perms = K <= 7 ? Permutations(K) : null;

        // Start: the strongest neuron's factors, strongest first (order-free: depends on the factor
        // set only).
        int seed = Enumerable
            .Range(0, N)
            .OrderByDescending(n => Enumerable.Range(0, K).Sum(f => s[n * K + f]))
            .ThenBy(n => n)
            .First();
        var seedOrder = Enumerable.Range(0, K).OrderByDescending(f => s[seed * K + f]).ToArray();
        var refs = unit[seed].index_select(0, tensor(seedOrder.Select(f => (long)f).ToArray()));

        var slots = new int[N][];
        int it = 0;
        for (; it < Math.Max(1, maxIterations); it++)
        {
            using var iterScope = NewDisposeScope();
            var cos = unit.matmul(refs.t()).contiguous().data<double>().ToArray(); // [N, K(factor), K(ref)]
            bool changed = false;
            for (int n = 0; n < N; n++)
            {
                var best = perms is null
                    ? Greedy(cos, s, n, K)
                    : BestPermutation(cos, s, n, K, perms);
                if (slots[n] is null || !slots[n].SequenceEqual(best))
                {
                    changed = true;
                    slots[n] = best;
                }
            }
            if (!changed && it > 0)
                break;
            // References: strength-weighted mean of matched unit factors.
            var wdata = new double[K * N * K];
            for (int n = 0; n < N; n++)
            for (int f = 0; f < K; f++)
                wdata[slots[n][f] * N * K + n * K + f] = s[n * K + f];
            var newRefs = tensor(wdata, [K, N * K]).matmul(unit.reshape(N * K, -1));
            var norms = linalg.vector_norm(newRefs, dims: [1], keepdim: true);
            // A slot nobody matched keeps its previous reference.
            newRefs = where(norms > 0, newRefs / norms.clamp_min(1e-300), refs);
            refs = newRefs.MoveToOuterDisposeScope();
        }

        // Canonical slot order: by total matched strength, descending.
        var total = new double[K];
        for (int n = 0; n < N; n++)
        for (int f = 0; f < K; f++)
            total[slots[n][f]] += s[n * K + f];
        var rank = Enumerable.Range(0, K).OrderByDescending(j => total[j]).ThenBy(j => j).ToArray(); // rank[newSlot] = oldSlot
        var newOf = new int[K];
        for (int j = 0; j < K; j++)
            newOf[rank[j]] = j;
        foreach (var sl in slots)
            for (int f = 0; f < K; f++)
                sl[f] = newOf[sl[f]];
        refs = refs.index_select(0, tensor(rank.Select(j => (long)j).ToArray()));

        var finalCos = unit.matmul(refs.t()).contiguous().data<double>().ToArray();
        var agreement = new double[N];
        for (int n = 0; n < N; n++)
        {
            double num = 0,
                den = 0;
            for (int f = 0; f < K; f++)
            {
                num += s[n * K + f] * finalCos[(n * K + f) * K + slots[n][f]];
                den += s[n * K + f];
            }
            agreement[n] = den > 0 ? num / den : 0;
        }
        return new FactorColorAssignment
        {
            Slots = slots,
            References = refs.MoveToOuterDisposeScope(),
            Agreement = agreement,
            Iterations = it + 1,
        };
    }

    static int[] BestPermutation(double[] cos, double[] s, int n, int K, int[][] perms)
    {
        int[]? best = null;
        double bestScore = double.NegativeInfinity;
        foreach (var p in perms)
        {
            double score = 0;
            for (int f = 0; f < K; f++)
                score += s[n * K + f] * cos[(n * K + f) * K + p[f]];
            if (score > bestScore + 1e-12)
            {
                bestScore = score;
                best = p;
            }
        }
        return (int[])best!.Clone();
    }

    static int[] Greedy(double[] cos, double[] s, int n, int K)
    {
        var pairs = new List<(double v, int f, int r)>();
        for (int f = 0; f < K; f++)
        for (int r = 0; r < K; r++)
            pairs.Add((s[n * K + f] * cos[(n * K + f) * K + r], f, r));
        var slot = Enumerable.Repeat(-1, K).ToArray();
        var used = new bool[K];
        foreach (var (_, f, r) in pairs.OrderByDescending(p => p.v))
            if (slot[f] < 0 && !used[r])
            {
                slot[f] = r;
                used[r] = true;
            }
        return slot;
    }

    static int[][] Permutations(int k)
    {
        var result = new List<int[]>();
        void Rec(int[] cur, bool[] used, int depth)
        {
            if (depth == k)
            {
                result.Add((int[])cur.Clone());
                return;
            }
            for (int i = 0; i < k; i++)
                if (!used[i])
                {
                    used[i] = true;
                    cur[depth] = i;
                    Rec(cur, used, depth + 1);
                    used[i] = false;
                }
        }
        Rec(new int[k], new bool[k], 0);
        return result.ToArray();
    }

    /// <inheritdoc/>
    public void Dispose() => References.Dispose();
}
