using static TorchSharp.torch;

namespace Notebooks.Weights.FeatureVis;

/// <summary>
/// Lucid's <c>T</c>: the activations of the layers an objective asked for, NCHW (dense layers [N,
/// C]). The pseudo-layer <c>"input"</c> is the optimized image in [0,1] before transforms (Lucid's
/// <c>T("input")</c>; not the model-range input).
/// </summary>
public sealed class ActivationLookup
{
    readonly IReadOnlyDictionary<string, Tensor> _acts;

    /// <summary>Wraps captured activations; every tensor's first axis is the batch.</summary>
    public ActivationLookup(IReadOnlyDictionary<string, Tensor> activations, int batchSize)
    {
        _acts = activations;
        BatchSize = batchSize;
    }

    /// <summary>Number of images in the batch.</summary>
    public int BatchSize { get; }

    /// <summary>The activation of <paramref name="layer"/>.</summary>
    public Tensor this[string layer] =>
        _acts.TryGetValue(layer, out var t)
            ? t
            : throw new KeyNotFoundException(
                $"Layer '{layer}' was not captured; objectives must list the layers they read (captured: {string.Join(", ", _acts.Keys)})."
            );

    /// <summary>Same as the indexer (reads like Lucid's <c>T("mixed4a")</c>).</summary>
    public Tensor T(string layer) => this[layer];
}
