using System.Diagnostics;

namespace Notebooks.Weights.FeatureVis;

/// <summary>Progress of long renders as lines of text (a notebook cell or <c>weights tour</c>
/// writes them to stderr).</summary>
public static class RenderProgressLog
{
    /// <summary>
    /// A <see cref="RenderProgress"/> callback writing <c>"{what}: step s/T (e s)"</c> to
    /// <paramref name="writer"/> at the first step, then at most once per <paramref name="every"/>
    /// (default 5 s) and at the last step.
    /// </summary>
    public static Action<RenderProgress> To(TextWriter writer, string what, TimeSpan? every = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var interval = every ?? TimeSpan.FromSeconds(5);
        if (interval < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(
                nameof(every),
                $"every must not be negative; got {interval}."
            );
        var clock = Stopwatch.StartNew();
        TimeSpan? last = null;
        return p =>
        {
            var now = clock.Elapsed;
            bool final = p.Step >= p.TotalSteps;
            if (last is { } l && !final && now - l < interval)
                return;
            last = now;
            writer.WriteLine(
                FormattableString.Invariant(
                    $"{what}: step {p.Step}/{p.TotalSteps} ({p.Elapsed.TotalSeconds:0} s)"
                )
            );
            writer.Flush();
        };
    }
}
