using Notebooks.Weights.IO;

namespace Notebooks.Weights.Explorer;

/// <summary>
/// Renders explorer pictures on demand for a served site, into <see cref="Folder"/> (so each is
/// computed once, also across runs). One worker thread renders the waiting pictures in the order of
/// <see cref="ExplorerRenderOrder"/>: pictures the browser asks for (<see cref="Request"/>; served
/// pages load them lazily, so these are the visible ones) before pictures a page announces
/// (<see cref="Announce"/>); among the asked-for ones the quick ones first, then in the order of
/// the latest announcement (the page's visible ones first). A feature visualization takes along
/// the other waiting ones of its layer of the same kind (asked for, or announced; up to
/// <see cref="ServedBatch"/>) into one batch.
/// </summary>
public sealed class ExplorerRenderQueue : IDisposable
{
    readonly ExplorerSite _site;
    readonly ExplorerRenderOrder _order = new();
    readonly Dictionary<string, TaskCompletionSource<string>> _done = new(StringComparer.Ordinal);
    readonly object _lock = new();
    readonly Thread _worker;
    readonly CancellationTokenSource _stop = new();

    /// <summary>The folder pictures are written to (site-relative paths below it).</summary>
    public string Folder { get; }

    /// <summary>Pictures rendered by this queue so far.</summary>
    public int Rendered { get; private set; }

    /// <summary>A queue rendering <paramref name="site"/>'s pictures into
    /// <paramref name="folder"/>; starts its worker thread.</summary>
    public ExplorerRenderQueue(ExplorerSite site, string folder)
    {
        _site = site ?? throw new ArgumentNullException(nameof(site));
        ExplorerSiteWriter.CheckFolder(folder);
        Folder = folder;
        _worker = new Thread(Work) { IsBackground = true, Name = "explorer render queue" };
        _worker.Start();
    }

    /// <summary>The file of <paramref name="asset"/>.</summary>
    public string FileOf(ExplorerAsset asset) => Path.Combine(Folder, asset.Path);

    /// <summary>The file of <paramref name="asset"/> once rendered (at once when it already
    /// exists); asked-for pictures jump ahead of announced ones.</summary>
    public Task<string> Request(ExplorerAsset asset)
    {
        ArgumentNullException.ThrowIfNull(asset);
        var file = FileOf(asset);
        if (File.Exists(file))
            return Task.FromResult(file);
        lock (_lock)
        {
            // Not asked for again while the worker renders it (no longer waiting then).
            if (!IsRendering(asset))
                _order.Request(asset);
            if (!_done.TryGetValue(asset.Path, out var done))
            {
                done = new(TaskCreationOptions.RunContinuationsAsynchronously);
                _done[asset.Path] = done;
            }
            Monitor.Pulse(_lock);
            return done.Task;
        }
    }

    /// <summary>
    /// Computes the data of <paramref name="layer"/> (<see cref="ExplorerSite.Data"/>, by rendering
    /// its NMF grid) on the worker ahead of every waiting optimization: a served page of a layer
    /// not prepared yet asks for this as it answers, so the preparation starts before the page's
    /// pictures are asked for, and the page's placeholders fill in without waiting for feature
    /// visualizations (at most for the one batch being rendered). Done at once when prepared.
    /// </summary>
    public Task Prepare(string layer) =>
        _site.IsPrepared(layer)
            ? Task.CompletedTask
            : Request(new ExplorerAsset(ExplorerAssetKind.LayerNmf, layer));

    /// <summary>At most this many feature visualizations are rendered in one batch (fewer with a
    /// smaller <see cref="ExplorerOptions.FeatureVisBatch"/>): a picture asked for meanwhile waits
    /// for the running batch, and on ResNet18's layer4 a batch of 8 costs about as much per unit
    /// as one of 32 (4.3 vs 4.6 s/unit, docs/benchmarks.md) in a quarter of the time.</summary>
    public const int ServedBatch = 8;

    /// <summary>Queues pictures a page shows, in the given order (visible ones first), behind the
    /// ones asked for and ahead of earlier announcements.</summary>
    public void Announce(IEnumerable<ExplorerAsset> assets)
    {
        ArgumentNullException.ThrowIfNull(assets);
        var todo = assets.Where(a => !File.Exists(FileOf(a))).ToList();
        lock (_lock)
        {
            var added = _order.Announce(todo.Where(a => !IsRendering(a)));
            foreach (var a in added)
                if (!_done.ContainsKey(a.Path))
                    _done[a.Path] = new(TaskCreationOptions.RunContinuationsAsynchronously);
            Monitor.Pulse(_lock);
        }
    }

    // Under _lock: has a completion but is no longer waiting, i.e. the worker has it now.
    bool IsRendering(ExplorerAsset a) => _done.ContainsKey(a.Path) && !_order.Contains(a);

    void Work()
    {
        while (true)
        {
            IReadOnlyList<ExplorerAsset> batch;
            lock (_lock)
            {
                while (_order.Count == 0 && !_stop.IsCancellationRequested)
                    Monitor.Wait(_lock);
                if (_stop.IsCancellationRequested)
                    break;
                batch = _order.Take(Math.Min(_site.Options.FeatureVisBatch, ServedBatch));
            }
            try
            {
                if (batch[0].Kind == ExplorerAssetKind.FeatureVis)
                    _site.RenderFeatureVis(
                        batch[0].Layer,
                        batch.Select(a => a.Unit).ToList(),
                        null,
                        _stop.Token
                    );
                foreach (var a in batch)
                {
                    var file = FileOf(a);
                    if (!File.Exists(file))
                        AtomicFile.Write(file, _site.RenderAsset(a, _stop.Token));
                    TaskCompletionSource<string>? done;
                    lock (_lock)
                    {
                        _done.Remove(a.Path, out done);
                        Rendered++;
                    }
                    done?.TrySetResult(file);
                }
            }
            catch (Exception e)
            {
                var failed = new List<TaskCompletionSource<string>>();
                lock (_lock)
                    foreach (var a in batch)
                        if (_done.Remove(a.Path, out var done))
                            failed.Add(done);
                foreach (var done in failed)
                    done.TrySetException(e);
                if (e is OperationCanceledException)
                    break;
            }
        }
        lock (_lock)
        {
            foreach (var done in _done.Values)
                done.TrySetCanceled();
            _done.Clear();
        }
    }

    /// <summary>Stops the worker (a running feature visualization is cancelled) and fails the
    /// waiting requests as cancelled.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        lock (_lock)
            Monitor.PulseAll(_lock);
        _worker.Join();
        _stop.Dispose();
    }
}
