using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Models;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights featurevis</c>: renders (or reads from the cache) feature visualizations of units and writes PNGs.</summary>
[Flags("lucid-hosted", "no-cache", "no-relu-override")]
public sealed class FeatureVisVerb : IVerb
{
    public string Name => "featurevis";
    public string Summary => "render feature visualizations of units (Lucid optvis; cached) and write PNGs";
    public string Usage =>
        "  weights featurevis --model M --layer L --units a,b [--steps 512] [--size 128] [--seed S]\n" +
        "                     [--objective channel|neuron] [--no-pre-relu] [--no-relu-override] [--lucid-hosted] [--no-cache] [--cache DIR] --out DIR\n" +
        "  --no-relu-override: ordinary ReLU gradients from the first step (Lucid's default redirects them for 17 steps).\n" +
        "  the layer's L_pre_relu tensor is optimized when the model has one (Lucid's convention); --no-pre-relu uses L itself.\n" +
        "  --lucid-hosted downloads the images Lucid hosted (InceptionV1 only, needs network) instead of rendering.";

    public int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var modelName = args.Require("model");
        var layer = args.Require("layer");
        var units = args.GetIntList("units") ?? throw new CliUsageException("missing required option --units");
        int steps = args.GetInt("steps", 512), size = args.GetInt("size", 128), seed = args.GetInt("seed", 0);
        var objective = args.Get("objective", "channel")!.ToLowerInvariant() switch
        {
            "channel" => UnitObjective.Channel,
            "neuron" => UnitObjective.Neuron,
            var o => throw new CliUsageException($"option --objective: expected channel or neuron, got '{o}'"),
        };
        bool hosted = args.Flag("lucid-hosted"), noCache = args.Flag("no-cache"), noPreRelu = args.Flag("no-pre-relu"), noReluOverride = args.Flag("no-relu-override");
        var cacheDir = args.Get("cache");
        var outDir = args.Require("out");
        args.EnsureAllUsed();
        if (steps < 1) throw new CliUsageException($"option --steps: must be at least 1, got {steps}");
        if (size < 8) throw new CliUsageException($"option --size: must be at least 8, got {size}");
        if (noCache && cacheDir is not null) throw new CliUsageException("--no-cache and --cache exclude each other");

        using var model = ModelRegistry.Load(modelName);
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
