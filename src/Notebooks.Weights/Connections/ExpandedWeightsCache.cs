using Notebooks.Weights.Models;
using Notebooks.Weights.Runtime;
using static TorchSharp.torch;

namespace Notebooks.Weights.Connections;

/// <summary>
/// Remembers <see cref="ExpandedWeights.Get"/> results for whoever holds it (a notebook, the
/// explorer, a CLI verb), so a re-run cell is instant: <c>var cache = new ExpandedWeightsCache();
/// cache.Get(model, "mixed3a", "mixed3b")</c>. Results are keyed by model name, a hash of the
/// parameters' names, shapes and current bytes taken at every lookup (a 128-bit XxHash: about 3 ms
/// for ResNet18's 64 MB), so an edit through any route (<see cref="VisionModel.Parameters"/>, an
/// in-place change of a live parameter, an optimizer step, a state-dict load) is a miss, never a
/// stale hit, and by layers, width, units, method and clamp
/// handling; the probes <see cref="ExpandedWeights"/> runs first are kept under the same weights
/// hash. Least recently used results beyond <see cref="Capacity"/> are dropped. Callers get their
/// own copy: mutating a result is safe.
/// </summary>
public sealed class ExpandedWeightsCache : IDisposable
{
    readonly LinkedList<(string Key, Tensor Value)> _entries = new();
    readonly ExpandedWeightsProbes _probes = new();

    /// <summary>A cache holding at most <paramref name="capacity"/> results (default 32).</summary>
    public ExpandedWeightsCache(int capacity = 32)
    {
        if (capacity < 1)
            throw new ArgumentOutOfRangeException(
                nameof(capacity),
                $"capacity must be at least 1; got {capacity}."
            );
        Capacity = capacity;
    }

    /// <summary>Most results kept.</summary>
    public int Capacity { get; }

    /// <summary>Number of results held.</summary>
    public int Count
    {
        get
        {
            lock (_entries)
                return _entries.Count;
        }
    }

    /// <summary>
    /// <see cref="ExpandedWeights.Get"/> with the same arguments, from the cache when the model's
    /// weights (by content), layers, width, units, method and clamp handling match an earlier call;
    /// a copy either way.
    /// </summary>
    public Tensor Get(
        VisionModel model,
        string layer1,
        string layer2,
        int width = 5,
        IReadOnlyList<int>? units = null,
        int? chunk = null,
        ExpandedWeightsMethod method = ExpandedWeightsMethod.Auto,
        bool linearizeClip = false,
        IPhaseObserver? observer = null
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        var (_, unitList) = ExpandedWeights.Validate(model, layer1, layer2, width, units);
        string hash = model.WeightsContentKey();
        string key =
            $"{model.Name}|{hash}|{layer1}|{layer2}|{width}|{(units is null ? "*" : string.Join(",", unitList))}|{method}|{(linearizeClip ? "clip-identity" : "clip")}";
        lock (_entries)
            for (var n = _entries.First; n is not null; n = n.Next)
                if (n.Value.Key == key)
                {
                    _entries.Remove(n);
                    _entries.AddFirst(n);
                    return n.Value.Value.clone();
                }
        var result = ExpandedWeights.GetWith(
            model,
            layer1,
            layer2,
            width,
            units,
            chunk,
            method,
            linearizeClip,
            observer,
            _probes,
            hash
        );
        var stored = result.detach().clone().DetachFromDisposeScope();
        lock (_entries)
        {
            _entries.AddFirst((key, stored));
            while (_entries.Count > Capacity)
            {
                _entries.Last!.Value.Value.Dispose();
                _entries.RemoveLast();
            }
        }
        return result;
    }

    /// <summary>Drops every result and probe.</summary>
    public void Clear()
    {
        lock (_entries)
        {
            foreach (var (_, t) in _entries)
                t.Dispose();
            _entries.Clear();
            _probes.Clear();
        }
    }

    /// <summary>Frees the held tensors.</summary>
    public void Dispose() => Clear();
}
