namespace Notebooks.Weights.Runtime;

/// <summary>
/// Watches the phases of a computation (<see cref="Connections.ExpandedWeights.Get"/>,
/// <see cref="FeatureVis.Optvis.Render"/>) for profilers: the algorithm calls
/// <see cref="PhaseEnded"/> at each phase boundary, so a phase lasts from the previous call (or
/// from the start) to this one, and <see cref="Note"/> for facts about the run (the method chosen,
/// the step number). The algorithm keeps no clock; the observer picks one (wall time, thread CPU
/// time).
/// </summary>
public interface IPhaseObserver
{
    /// <summary>The phase named <paramref name="phase"/> has just ended; the next phase starts
    /// now.</summary>
    void PhaseEnded(string phase);

    /// <summary>A fact about the run, e.g. <c>("method", "closed form")</c> or <c>("step",
    /// 3)</c>.</summary>
    void Note(string name, object value);
}
