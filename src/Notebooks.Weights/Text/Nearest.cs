namespace Notebooks.Weights.Text;

/// <summary>"Did you mean" support: edit distance and nearest names for error messages.</summary>
public static class Nearest
{
    /// <summary>Levenshtein distance, case-insensitive.</summary>
    public static int Distance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
            prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(
                    Math.Min(cur[j - 1] + 1, prev[j] + 1),
                    prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                );
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }

    /// <summary>The <paramref name="count"/> candidates closest to <paramref name="name"/>; names
    /// sharing its prefix rank first on ties.</summary>
    public static IReadOnlyList<string> Names(
        string name,
        IEnumerable<string> candidates,
        int count = 5
    ) =>
        candidates
            .Distinct()
            .OrderBy(c => Distance(c, name))
            .ThenBy(c =>
                c.StartsWith(name, StringComparison.OrdinalIgnoreCase)
                || name.StartsWith(c, StringComparison.OrdinalIgnoreCase)
                    ? 0
                    : 1
            )
            .ThenBy(c => c, StringComparer.Ordinal)
            .Take(count)
            .ToList();

    /// <summary>"Unknown {what} 'x' in {where}. Nearest: a, b, c." as one sentence.</summary>
    public static string Message(
        string what,
        string name,
        string where,
        IEnumerable<string> candidates
    ) =>
        $"Unknown {what} '{name}' in {where}. Nearest valid names: {string.Join(", ", Names(name, candidates))}.";
}
