namespace Notebooks.Weights.Runtime;

/// <summary>What <see cref="ConvGradientCheck.Run"/> found: how many cases it ran and which ones
/// computed a wrong input gradient ("b2 c3 s7 t1 sample 1 channel 0": batch, channels, size,
/// threads, and the first wrong sample/channel).</summary>
public sealed record ConvGradientCheckResult(int Cases, IReadOnlyList<string> Wrong)
{
    /// <summary>True when every case matched the analytic gradient exactly.</summary>
    public bool Correct => Wrong.Count == 0;
}
