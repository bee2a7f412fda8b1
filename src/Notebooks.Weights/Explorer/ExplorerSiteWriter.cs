using Notebooks.Weights.IO;
using Notebooks.Weights.Models;

namespace Notebooks.Weights.Explorer;

/// <summary>
/// Writes an explorer as a static site that opens from disk: feature visualizations first (batched
/// per layer, from the disk cache when present), then every picture, then the pages, each file
/// written to a temp name and renamed, so a cancelled run leaves no half-written file and no page
/// links a picture that is not there yet.
/// </summary>
public static class ExplorerSiteWriter
{
    /// <summary>Counts of a finished run.</summary>
    public sealed record Summary(int Pages, int Pictures, int FeatureVisRendered, TimeSpan Elapsed);

    /// <summary>Writes the whole site of <paramref name="site"/> into <paramref name="folder"/>
    /// (created; must not be a file).</summary>
    public static Summary Write(
        ExplorerSite site,
        string folder,
        Action<ExplorerProgress>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(site);
        CheckFolder(folder);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        site.Prepare(progress, cancellationToken);
        var pages = site.PagePaths().Select(p => ExplorerPages.Render(site, p)!).ToList();
        var assets = pages.SelectMany(p => p.Assets).Distinct().ToList();

        var fv = assets.Where(a => a.Kind == ExplorerAssetKind.FeatureVis).ToList();
        var missing = fv.GroupBy(a => a.Layer)
            .Select(g =>
                (Layer: g.Key, Units: site.MissingFeatureVis(g.Key, g.Select(a => a.Unit)))
            )
            .Where(g => g.Units.Count > 0)
            .ToList();
        int total = missing.Sum(g => g.Units.Count),
            done = 0;
        foreach (var g in missing)
        {
            var units = g.Units.OrderBy(u => u).ToList();
            for (int s = 0; s < units.Count; s += site.Options.FeatureVisBatch)
            {
                var batch = units.GetRange(
                    s,
                    Math.Min(site.Options.FeatureVisBatch, units.Count - s)
                );
                int before = done;
                site.RenderFeatureVis(
                    g.Layer,
                    batch,
                    p =>
                        progress?.Invoke(
                            new ExplorerProgress(
                                "feature vis",
                                before * (long)p.TotalSteps + (long)p.Step * batch.Count,
                                (long)total * p.TotalSteps,
                                $"{g.Layer} units {batch[0]}-{batch[^1]}"
                            )
                        ),
                    cancellationToken
                );
                done += batch.Count;
            }
        }

        for (int i = 0; i < assets.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (i % 50 == 0)
                progress?.Invoke(new ExplorerProgress("pictures", i, assets.Count));
            AtomicFile.Write(
                Path.Combine(folder, assets[i].Path),
                site.RenderAsset(assets[i], cancellationToken)
            );
        }
        progress?.Invoke(new ExplorerProgress("pictures", assets.Count, assets.Count));
        AtomicFile.WriteText(Path.Combine(folder, ExplorerPaths.Style), ExplorerResources.Css);
        AtomicFile.WriteText(Path.Combine(folder, ExplorerPaths.Script), ExplorerResources.Js);
        for (int i = 0; i < pages.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            AtomicFile.WriteText(Path.Combine(folder, pages[i].Path), pages[i].Html);
            progress?.Invoke(new ExplorerProgress("pages", i + 1, pages.Count));
        }
        return new Summary(pages.Count, assets.Count, total, sw.Elapsed);
    }

    /// <summary>Throws <see cref="IOException"/> when <paramref name="folder"/> exists as a file;
    /// creates it otherwise.</summary>
    public static void CheckFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (File.Exists(folder))
            throw new IOException(
                $"The output folder '{folder}' is a file; give a folder (new or existing) for the site."
            );
        Directory.CreateDirectory(folder);
    }
}
