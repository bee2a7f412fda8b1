namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights featurevis</c>: renders (or reads from the cache) feature visualizations of
/// units and writes PNGs.</summary>
public sealed class FeatureVisVerb()
    : Verb(
        "featurevis",
        "render feature visualizations of units (Lucid optvis; cached) and write PNGs"
    )
{
    readonly LayerOptions _layer = new();
    readonly Option<int[]?> _units = Opt.Units(required: true);
    readonly Option<string> _out = Opt.Out(
        "DIR: folder for one LAYER_UNIT.png per unit",
        required: true
    );
    readonly FeatureVisOptions _settings = new();
    readonly Option<string?> _cache = Opt.Cache();
    readonly Option<bool> _noCache = Opt.Flag(
        "--no-cache",
        "render into a temporary cache deleted afterwards (excludes --cache)"
    );
    readonly Option<bool> _lucidHosted = Opt.Flag(
        "--lucid-hosted",
        "download the images Lucid hosted (InceptionV1 only, needs network) instead of rendering"
    );
    public override string Notes =>
        """
              weights featurevis --model M --layer L --units a,b [--steps 512] [--size 128] [--seed S]
                                 [--objective channel|neuron] [--no-pre-relu] [--no-relu-override] [--lucid-hosted] [--no-cache] [--cache DIR] --out DIR
              --no-relu-override: ordinary ReLU gradients from the first step (Lucid's default redirects them for 17 steps).
              the layer's L_pre_relu tensor is optimized when the model has one (Lucid's convention); --no-pre-relu uses L itself.
              --lucid-hosted downloads the images Lucid hosted (InceptionV1 only, needs network) instead of rendering.
            """;

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var (modelName, layer) = _layer.Read(args);
        var units = args.Get(_units)!;
        var settings = _settings.Read(args);
        bool hosted = args.Get(_lucidHosted),
            noCache = args.Get(_noCache);
        var cacheDir = args.Get(_cache);
        var outDir = args.Get(_out);
        if (noCache && cacheDir is not null)
            throw new CliUsageException("--no-cache and --cache exclude each other");

        OutputPaths.Folder(outDir);
        using var model = args.Models.LoadModel(modelName);
        string? temp = noCache ? Directory.CreateTempSubdirectory("featurevis-").FullName : null;
        using var cts = new ConsoleCancellation();
        try
        {
            var cache = new FeatureVisCache(temp ?? cacheDir) { UseLucidHosted = hosted };
            if (!hosted && settings.TargetLayer(model, layer) is var target && target != layer)
                stderr.WriteLine(
                    $"optimizing {target} (the pre-ReLU tensor of {layer}; --no-pre-relu for {layer} itself)"
                );
            var bar = new ProgressBar(stderr);
            using var images = cache.GetOrRender(
                model,
                layer,
                units,
                settings,
                p => bar.Update(p.Step, p.TotalSteps, $"objective {p.Objective.Average():F3}"),
                cts.Token
            );
            bar.Done();
            Directory.CreateDirectory(outDir);
            for (int i = 0; i < units.Length; i++)
            {
                var path = Path.Combine(outDir, $"{layer}_{units[i]}.png");
                ImageFiles.SavePng(images[i], path);
                stdout.WriteLine(path);
            }
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine(
                "\nweights featurevis: cancelled; nothing written for the unfinished units."
            );
            return 130;
        }
        finally
        {
            if (temp is not null)
                Directory.Delete(temp, recursive: true);
        }
        return 0;
    }
}
