namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// Thread CPU seconds per step of each phase of <see cref="Optvis.Render"/> (its
/// <see cref="RenderOptions.Phases"/> observer), averaged over steps after the first (warm-up), for
/// <c>bench featurevis --profile</c>.
/// </summary>
sealed class RenderPhaseTimes : IPhaseObserver
{
    readonly ThreadCpuClock _clock = new();
    readonly Dictionary<string, double> _sums = [];
    int _step,
        _timedSteps;

    /// <summary>The phases timed, in step order.</summary>
    public static readonly string[] Names =
    [
        RenderPhases.Image,
        RenderPhases.Transforms,
        RenderPhases.Forward,
        RenderPhases.Objective,
        RenderPhases.Backward,
        RenderPhases.Step,
    ];

    /// <inheritdoc/>
    public void PhaseEnded(string phase)
    {
        double t = _clock.Lap();
        if (_step <= 1 || phase == RenderPhases.BetweenSteps)
            return;
        _sums[phase] = _sums.GetValueOrDefault(phase) + t;
    }

    /// <inheritdoc/>
    public void Note(string name, object value)
    {
        if (name != RenderPhases.StepNote)
            return;
        _step = (int)value;
        if (_step > 1)
            _timedSteps++;
    }

    /// <summary>Mean seconds per timed step of <paramref name="phase"/>.</summary>
    public double PerStep(string phase) =>
        _timedSteps == 0 ? 0 : _sums.GetValueOrDefault(phase) / _timedSteps;

    /// <summary>Mean seconds per timed step of all phases.</summary>
    public double TotalPerStep => Names.Sum(PerStep);
}
