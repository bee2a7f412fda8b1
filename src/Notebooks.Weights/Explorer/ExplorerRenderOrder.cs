namespace Notebooks.Weights.Explorer;

/// <summary>
/// The order in which a served explorer renders the pictures waiting for it (used by
/// <see cref="ExplorerRenderQueue"/> under its lock; not thread-safe itself). Pictures the browser
/// asks for (<see cref="Request"/>: with <c>loading="lazy"</c> these are the ones on or near the
/// screen) go before pictures a page only announces (<see cref="Announce"/>). Among the asked-for
/// ones, pictures drawn without an optimization (<see cref="Optimizes"/> is false: NMF pictures,
/// heatmaps, histograms) go first. Otherwise the latest announcement goes first, in its order (a
/// page announces its pictures visible ones first, again after scrolling), so the view the user
/// looks at now (after scrolling, or on the next page) goes before pictures left over from an
/// earlier one; a picture asked for before any announcement counts as announced when asked for. A
/// batch of feature visualizations (<see cref="Take"/>) takes along only waiting ones of the same
/// layer and the same kind (asked for or announced), so off-screen units never hold back the
/// visible ones.
/// </summary>
public sealed class ExplorerRenderOrder
{
    sealed class Entry(ExplorerAsset asset)
    {
        public ExplorerAsset Asset { get; } = asset;
        public bool Requested { get; set; }
        public long Stamp { get; set; }
        public int Rank { get; set; }
    }

    readonly Dictionary<string, Entry> _waiting = new(StringComparer.Ordinal);
    long _clock;

    /// <summary>How many pictures are waiting.</summary>
    public int Count => _waiting.Count;

    /// <summary>True when <paramref name="asset"/> is waiting.</summary>
    public bool Contains(ExplorerAsset asset)
    {
        ArgumentNullException.ThrowIfNull(asset);
        return _waiting.ContainsKey(asset.Path);
    }

    /// <summary>True for pictures that cost an optimization (feature visualizations,
    /// spatial-position views, interaction cards): seconds each on a deep model; the others are
    /// drawn in milliseconds once their layer's data exists.</summary>
    public static bool Optimizes(ExplorerAsset asset)
    {
        ArgumentNullException.ThrowIfNull(asset);
        return asset.Kind
            is ExplorerAssetKind.FeatureVis
                or ExplorerAssetKind.Spatial
                or ExplorerAssetKind.Interaction;
    }

    /// <summary>The browser asked for <paramref name="asset"/>: it waits among the asked-for
    /// pictures, in the place of its latest announcement (when not announced: as the latest
    /// announcement). Returns true when it was not waiting before.</summary>
    public bool Request(ExplorerAsset asset)
    {
        ArgumentNullException.ThrowIfNull(asset);
        bool added = !_waiting.TryGetValue(asset.Path, out var e);
        if (added)
        {
            _waiting[asset.Path] = e = new Entry(asset) { Stamp = ++_clock };
        }
        e!.Requested = true;
        return added;
    }

    /// <summary>A page shows <paramref name="assets"/> (in this order, visible ones first): they
    /// take this order, ahead of earlier announcements (those not asked for wait behind the
    /// asked-for ones). Returns the ones that were not waiting before.</summary>
    public IReadOnlyList<ExplorerAsset> Announce(IEnumerable<ExplorerAsset> assets)
    {
        ArgumentNullException.ThrowIfNull(assets);
        long stamp = ++_clock;
        int rank = 0;
        var added = new List<ExplorerAsset>();
        foreach (var a in assets)
        {
            if (_waiting.TryGetValue(a.Path, out var e))
            {
                if (e.Stamp == stamp)
                    continue;
            }
            else
            {
                _waiting[a.Path] = e = new Entry(a);
                added.Add(a);
            }
            e.Stamp = stamp;
            e.Rank = rank++;
        }
        return added;
    }

    /// <summary>The waiting pictures in the order they would be rendered (one at a time; batches
    /// aside).</summary>
    public IReadOnlyList<ExplorerAsset> Waiting() =>
        Ordered(_waiting.Values).Select(e => e.Asset).ToList();

    /// <summary>
    /// Removes and returns the next pictures to render: the first in order, and when it is a
    /// feature visualization, more waiting ones of its layer that are, like it, asked for (or, like
    /// it, only announced), in order: a batch of at most <paramref name="featureVisBatch"/> (of
    /// <paramref name="announcedBatch"/> when only announced; default the same). Empty when nothing
    /// waits.
    /// </summary>
    public IReadOnlyList<ExplorerAsset> Take(int featureVisBatch, int? announcedBatch = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(featureVisBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(announcedBatch ?? 1, 1, nameof(announcedBatch));
        var order = Ordered(_waiting.Values).ToList();
        if (order.Count == 0)
            return [];
        var first = order[0];
        var batch = new List<Entry> { first };
        if (first.Asset.Kind == ExplorerAssetKind.FeatureVis)
            batch.AddRange(
                order
                    .Skip(1)
                    .Where(e =>
                        e.Asset.Kind == ExplorerAssetKind.FeatureVis
                        && e.Asset.Layer == first.Asset.Layer
                        && e.Requested == first.Requested
                    )
                    .Take(
                        (first.Requested ? featureVisBatch : announcedBatch ?? featureVisBatch) - 1
                    )
            );
        foreach (var e in batch)
            _waiting.Remove(e.Asset.Path);
        return batch.Select(e => e.Asset).ToList();
    }

    /// <summary>Removes <paramref name="asset"/> (rendered some other way, or failed).</summary>
    public void Remove(ExplorerAsset asset)
    {
        ArgumentNullException.ThrowIfNull(asset);
        _waiting.Remove(asset.Path);
    }

    static IEnumerable<Entry> Ordered(IEnumerable<Entry> entries) =>
        entries
            .OrderByDescending(e => e.Requested)
            .ThenBy(e => e.Requested && Optimizes(e.Asset))
            .ThenByDescending(e => e.Stamp)
            .ThenBy(e => e.Rank);
}
