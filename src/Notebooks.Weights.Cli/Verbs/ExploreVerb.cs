using System.Security.Cryptography;
using Notebooks.Weights.Cli.Explorer;
using Notebooks.Weights.Explorer;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights explore</c>: a browsable weight explorer of a model, written as a static
/// site or served on 127.0.0.1.</summary>
public sealed class ExploreVerb()
    : Verb(
        "explore",
        "a browsable weight explorer of a model (Lucid's InceptionV1 explorer, for any model): static site or --serve"
    )
{
    readonly Option<int?> _featureVisSize = Opt.OptionalInt(
        "--feature-vis-size",
        "PX: feature visualization size in pixels, at least 8 (default: the model's input size, at most 128)"
    );
    readonly Option<int?> _unitsPerLayer = Opt.OptionalInt(
        "--units-per-layer",
        "N: only the first N units of each layer get pages (default: all)"
    );
    readonly Option<string> _model = Opt.Model();
    readonly Option<string?> _out = Opt.OptionalOut(
        "SITE: folder of the static site; with --serve, the picture cache folder"
    );
    readonly Option<int?> _port = Opt.Port();
    readonly Option<string?> _layers = Opt.OptionalText(
        "--layers",
        "comma-separated layers to explore (default: every conv layer)"
    );
    readonly Option<string?> _cache = Opt.Cache();
    readonly Option<int> _featureVisSteps = Opt.Int(
        "--feature-vis-steps",
        "optimization steps per feature visualization",
        48
    );
    readonly Option<int> _top = Opt.Int(
        "--top",
        "strongest inputs and outputs shown on each unit page",
        8
    );
    readonly Option<int> _width = Opt.Width(5);
    readonly Option<int> _seed = Opt.Seed(0);
    readonly Option<bool> _serve = Opt.Flag(
        "--serve",
        "serve the explorer on 127.0.0.1, rendering pictures on demand, instead of writing a static site"
    );
    readonly Option<bool> _interactions = Opt.Flag(
        "--interactions",
        "static site: add the interaction panel (strongest input -> unit) to every unit page"
    );
    readonly Option<bool> _spatial = Opt.Flag(
        "--spatial",
        "static site: add the spatial-position views (one feature visualization per expanded-weight position)"
    );
    readonly Option<bool> _lucidHosted = Opt.Flag(
        "--lucid-hosted",
        "InceptionV1 only: take Lucid's hosted feature visualizations (downloaded once) instead of rendering"
    );
    public override string Notes =>
        "  weights explore --model M --out SITE [--layers a,b] [--feature-vis-steps 48] [--feature-vis-size PX]\n"
        + "                  [--units-per-layer N] [--top 8] [--width 5] [--seed 0] [--cache DIR] [--interactions] [--spatial] [--lucid-hosted]\n"
        + "  weights explore --model M --serve [--port 8080] [--out CACHE] [same options]\n"
        + "  Layers: the model's conv layers (default: all). The static site opens from disk (SITE/index.html).\n"
        + "  --serve: pages at once from a local server (127.0.0.1 only), pictures rendered as the browser asks for them and\n"
        + "  kept in CACHE (default: the user cache); Ctrl+C or SIGTERM stops. --cache: the feature-visualization cache folder.\n"
        + "  --interactions: static unit pages also get the interaction panel (strongest input -> unit: expanded weight and\n"
        + "  best case, 64 steps each); --spatial: also the spatial-position views (one feature visualization per position\n"
        + "  of the unit's W x W expanded weights). Served pages always have both. --lucid-hosted (InceptionV1 only, needs\n"
        + "  network): every unit's feature visualization is the image Lucid hosted, downloaded once into CACHE/lucid-hosted/.";

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var (serve, outDir, portOption) = (args.Get(_serve), args.Get(_out), args.Get(_port));
        var layers = args.Get(_layers)
            ?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var options = new ExplorerOptions
        {
            Layers = layers,
            FeatureVisSteps = args.Get(_featureVisSteps),
            FeatureVisSize = args.Get(_featureVisSize),
            UnitsPerLayer = args.Get(_unitsPerLayer),
            TopK = args.Get(_top),
            ExpandedWidth = args.Get(_width),
            Seed = args.Get(_seed),
            FeatureVisCacheRoot = args.Get(_cache),
            Interactions = args.Get(_interactions),
            Spatial = args.Get(_spatial),
            LucidHosted = args.Get(_lucidHosted),
        };
        if (!serve && outDir is null)
            throw new CliUsageException("give --out SITE for a static site, or --serve");
        if (!serve && portOption is not null)
            throw new CliUsageException("--port only applies with --serve");
        if (layers is { Length: 0 })
            throw new CliUsageException(
                "option --layers: expected a comma-separated list of layer names"
            );
        int port = portOption ?? 8080;
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message);
        }
        if (outDir is not null)
            OutputPaths.Folder(outDir);
        if (outDir is not null)
            ExplorerSiteWriter.CheckFolder(outDir);

        using var model = args.Models.LoadModel(args.Get(_model));
        using var site = ExplorerSite.Create(model, options);
        site.Served = serve;
        using var cts = new ConsoleCancellation();
        try
        {
            return serve
                ? Serve(site, outDir, port, stdout, stderr, cts.Token)
                : Write(site, outDir!, stdout, stderr, cts.Token);
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine(
                "\nweights explore: cancelled; pages and pictures written so far are complete (each file is written then renamed)."
            );
            return 130;
        }
    }

    static int Write(
        ExplorerSite site,
        string outDir,
        TextWriter stdout,
        TextWriter stderr,
        CancellationToken ct
    )
    {
        var bar = new ProgressBar(stderr);
        string phase = "";
        var summary = ExplorerSiteWriter.Write(
            site,
            outDir,
            p =>
            {
                if (p.Phase != phase)
                {
                    if (phase.Length > 0)
                        bar.Done();
                    bar = new ProgressBar(stderr);
                    phase = p.Phase;
                }
                bar.Update(
                    (int)Math.Min(int.MaxValue, p.Done),
                    (int)Math.Max(1, Math.Min(int.MaxValue, p.Total)),
                    $"{p.Phase} {p.Note}"
                );
            },
            ct
        );
        bar.Done();
        stdout.WriteLine(
            $"wrote {summary.Pages} pages and {summary.Pictures} pictures ({summary.FeatureVisRendered} feature visualizations rendered) "
                + $"in {summary.Elapsed.TotalSeconds:F1} s: {Path.GetFullPath(Path.Combine(outDir, ExplorerPaths.Index))}"
        );
        return 0;
    }

    static int Serve(
        ExplorerSite site,
        string? cacheDir,
        int port,
        TextWriter stdout,
        TextWriter stderr,
        CancellationToken ct
    )
    {
        cacheDir ??= Path.Combine(
            UserCache.Root,
            "explorer",
            $"{site.Model.Name}-{site.Model.WeightsHash}-{SettingsKey(site)}"
        );
        // Layers are prepared on first need (a page, picture or index statistics request), so this
        // listens at once.
        var server = ExplorerServer.StartAsync(site, cacheDir, port).GetAwaiter().GetResult();
        try
        {
            stdout.WriteLine(
                $"serving the {site.Model.Name} weight explorer at {server.Url} (pictures cached in {cacheDir}); Ctrl+C stops"
            );
            stdout.Flush();
            WaitHandle.WaitAny([ct.WaitHandle, server.Stopping.WaitHandle]); // Ctrl+C, or SIGTERM (the host stops itself)
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        stdout.WriteLine($"stopped ({server.Queue.Rendered} pictures rendered)");
        return 0;
    }

    static string SettingsKey(ExplorerSite site)
    {
        var o = site.Options;
        var key =
            $"{site.FeatureVisSettings.Hash}|{o.TopK}|{o.ExpandedWidth}|{o.Seed}"
            + (o.LucidHosted ? "|lucid-hosted" : "");
        return Convert
            .ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..10]
            .ToLowerInvariant();
    }
}
