using System.Collections.Concurrent;

namespace Notebooks.Weights.Connections;

/// <summary>
/// Results of the probes <see cref="ExpandedWeights"/> runs before computing (the smallest prefix
/// input size, whether layer2's module takes layer1 directly), keyed by weights hash, layers and
/// width. A plain <see cref="ExpandedWeights.Get"/> uses a fresh one per call; an
/// <see cref="ExpandedWeightsCache"/> keeps one, so its keys carry the weights' hash.
/// </summary>
sealed class ExpandedWeightsProbes
{
    public ConcurrentDictionary<string, int> PrefixSizes { get; } = new();
    public ConcurrentDictionary<string, bool> DirectInput { get; } = new();

    public void Clear()
    {
        PrefixSizes.Clear();
        DirectInput.Clear();
    }
}
