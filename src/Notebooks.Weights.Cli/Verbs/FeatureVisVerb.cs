using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Models;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights featurevis</c>: renders (or reads from the cache) feature visualizations of units and writes PNGs.</summary>
public sealed class FeatureVisVerb : IVerb
{
    public string Name => "featurevis";
    public string Summary => "render feature visualizations of units (Lucid optvis; cached) and write PNGs";
    readonly Option<string> _model = Opt.Model();
    readonly Option<string> _layer = Opt.Layer();
    readonly Option<string> _out = Opt.Out("DIR: folder for one LAYER_UNIT.png per unit", required: true);
    readonly Option<string> _objective = Opt.Text("--objective", "channel (mean of the unit's channel) or neuron (its center position)", "channel");
    readonly Option<string?> _cache = Opt.Cache();
    readonly Option<int> _steps = Opt.Steps(512);
    readonly Option<int> _size = Opt.Int("--size", "image size in pixels", 128, min: 8);
    readonly Option<int> _seed = Opt.Seed(0);
    readonly Option<int[]?> _units = Opt.Units(required: true);
    readonly Option<bool> _lucidHosted = Opt.Flag("--lucid-hosted", "download the images Lucid hosted (InceptionV1 only, needs network) instead of rendering");
    readonly Option<bool> _noCache = Opt.Flag("--no-cache", "render into a temporary cache deleted afterwards (excludes --cache)");
    readonly Option<bool> _noPreRelu = Opt.Flag("--no-pre-relu", "optimize the layer itself, not its pre-ReLU tensor (Lucid's convention)");
    readonly Option<bool> _noReluOverride = Opt.Flag("--no-relu-override", "ordinary ReLU gradients from the first step (Lucid redirects them for the first 17 steps)");
    public string Notes =>
        "  weights featurevis --model M --layer L --units a,b [--steps 512] [--size 128] [--seed S]\n" +
        "                     [--objective channel|neuron] [--no-pre-relu] [--no-relu-override] [--lucid-hosted] [--no-cache] [--cache DIR] --out DIR\n" +
        "  --no-relu-override: ordinary ReLU gradients from the first step (Lucid's default redirects them for 17 steps).\n" +
        "  the layer's L_pre_relu tensor is optimized when the model has one (Lucid's convention); --no-pre-relu uses L itself.\n" +
        "  --lucid-hosted downloads the images Lucid hosted (InceptionV1 only, needs network) instead of rendering.";

    public int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var modelName = args.Get(_model);
        var layer = args.Get(_layer);
        var units = args.Get(_units)!;
        int steps = args.Get(_steps), size = args.Get(_size), seed = args.Get(_seed);
        var objective = args.Get(_objective).ToLowerInvariant() switch
        {
            "channel" => UnitObjective.Channel,
            "neuron" => UnitObjective.Neuron,
            var o => throw new CliUsageException($"option --objective: expected channel or neuron, got '{o}'"),
        };
        bool hosted = args.Get(_lucidHosted), noCache = args.Get(_noCache), noPreRelu = args.Get(_noPreRelu), noReluOverride = args.Get(_noReluOverride);
        var cacheDir = args.Get(_cache);
        var outDir = args.Get(_out);
        if (noCache && cacheDir is not null) throw new CliUsageException("--no-cache and --cache exclude each other");

        OutputPaths.Folder(outDir);
        using var model = args.Models.LoadModel(modelName);
        string? temp = noCache ? Directory.CreateTempSubdirectory("featurevis-").FullName : null;
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            var cache = new FeatureVisCache(temp ?? cacheDir) { UseLucidHosted = hosted };
            var settings = new FeatureVisSettings(size, steps, seed, objective) { PreRelu = !noPreRelu, ReluGradientOverride = !noReluOverride };
            if (!hosted && settings.TargetLayer(model, layer) is var target && target != layer)
                stderr.WriteLine($"optimizing {target} (the pre-ReLU tensor of {layer}; --no-pre-relu for {layer} itself)");
            var bar = new ProgressBar(stderr);
            using var images = cache.GetOrRender(model, layer, units, settings,
                p => bar.Update(p.Step, p.TotalSteps, $"objective {p.Objective.Average():F3}"), cts.Token);
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
            stderr.WriteLine("\nweights featurevis: cancelled; nothing written for the unfinished units.");
            return 130;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            if (temp is not null) Directory.Delete(temp, recursive: true);
        }
        return 0;
    }
}

/// <summary>A one-line text progress bar on stderr (redrawn with carriage returns).</summary>
sealed class ProgressBar(TextWriter w)
{
    int _last = -1;
    bool _shown;

    public void Update(int step, int total, string note)
    {
        int pct = (int)(100L * step / total);
        if (pct == _last && step != total) return;
        _last = pct;
        int filled = pct * 30 / 100;
        w.Write($"\r[{new string('#', filled)}{new string('-', 30 - filled)}] {step}/{total} {note}   ");
        _shown = true;
    }

    public void Done() { if (_shown) w.WriteLine(); }
}
