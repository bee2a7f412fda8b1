using Notebooks.Weights.IO;

namespace Notebooks.Weights.Explorer;

/// <summary>
/// Renders explorer pictures on demand for a served site, into <see cref="Folder"/> (so each is
/// computed once, also across runs). Pictures the browser asks for (<see cref="Request"/>) go
/// first, in request order; pictures a page announces (<see cref="Announce"/>, visible ones first)
/// follow. One worker thread renders; a feature visualization takes along the other waiting ones of
/// its layer (up to <see cref="ExplorerOptions.FeatureVisBatch"/>) into one batch.
/// </summary>
public sealed class ExplorerRenderQueue : IDisposable
{
    sealed class Job(ExplorerAsset asset, long seq)
    {
        public ExplorerAsset Asset { get; } = asset;
        public long Seq { get; set; } = seq;
        public bool Urgent { get; set; }
        public TaskCompletionSource<string> Done { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    readonly ExplorerSite _site;
    readonly Dictionary<string, Job> _pending = new(StringComparer.Ordinal);
    readonly object _lock = new();
    readonly Thread _worker;
    readonly CancellationTokenSource _stop = new();
    long _seq;

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
    public Task<string> Request(ExplorerAsset asset) => Enqueue(asset, urgent: true);

    /// <summary>Queues pictures a page shows, in the given order, behind the ones requested
    /// directly.</summary>
    public void Announce(IEnumerable<ExplorerAsset> assets)
    {
        foreach (var a in assets)
            _ = Enqueue(a, urgent: false);
    }

    Task<string> Enqueue(ExplorerAsset asset, bool urgent)
    {
        var file = FileOf(asset);
        if (File.Exists(file))
            return Task.FromResult(file);
        lock (_lock)
        {
            if (_pending.TryGetValue(asset.Path, out var job))
            {
                if (urgent && !job.Urgent)
                {
                    job.Urgent = true;
                    job.Seq = ++_seq;
                }
                return job.Done.Task;
            }
            job = new Job(asset, ++_seq) { Urgent = urgent };
            _pending[asset.Path] = job;
            Monitor.Pulse(_lock);
            return job.Done.Task;
        }
    }

    void Work()
    {
        while (true)
        {
            List<Job> batch;
            lock (_lock)
            {
                while (_pending.Count == 0 && !_stop.IsCancellationRequested)
                    Monitor.Wait(_lock);
                if (_stop.IsCancellationRequested)
                    break;
                var first = _pending
                    .Values.OrderByDescending(j => j.Urgent)
                    .ThenBy(j => j.Seq)
                    .First();
                batch = [first];
                if (first.Asset.Kind == ExplorerAssetKind.FeatureVis)
                    batch.AddRange(
                        _pending
                            .Values.Where(j =>
                                j != first
                                && j.Asset.Kind == ExplorerAssetKind.FeatureVis
                                && j.Asset.Layer == first.Asset.Layer
                            )
                            .OrderByDescending(j => j.Urgent)
                            .ThenBy(j => j.Seq)
                            .Take(_site.Options.FeatureVisBatch - 1)
                    );
            }
            try
            {
                if (batch[0].Asset.Kind == ExplorerAssetKind.FeatureVis)
                    _site.RenderFeatureVis(
                        batch[0].Asset.Layer,
                        batch.Select(j => j.Asset.Unit).ToList(),
                        null,
                        _stop.Token
                    );
                foreach (var job in batch)
                {
                    var file = FileOf(job.Asset);
                    if (!File.Exists(file))
                        AtomicFile.Write(file, _site.RenderAsset(job.Asset, _stop.Token));
                    lock (_lock)
                    {
                        _pending.Remove(job.Asset.Path);
                        Rendered++;
                    }
                    job.Done.TrySetResult(file);
                }
            }
            catch (Exception e)
            {
                lock (_lock)
                    foreach (var job in batch)
                        _pending.Remove(job.Asset.Path);
                foreach (var job in batch)
                    job.Done.TrySetException(e);
                if (e is OperationCanceledException)
                    break;
            }
        }
        lock (_lock)
        {
            foreach (var job in _pending.Values)
                job.Done.TrySetCanceled();
            _pending.Clear();
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
