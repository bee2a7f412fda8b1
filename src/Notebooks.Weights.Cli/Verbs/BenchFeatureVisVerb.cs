using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Models;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights bench featurevis</c>: time per step of one render of N units in a batch vs N single-unit renders, same run.</summary>
[Flags("json")]
public sealed class BenchFeatureVisVerb : IVerb
{
    public string Name => "bench featurevis";
    public string Summary => "time per step: a batch of N units vs N single-unit renders (same run), and their ratio";
    public string Usage => "  weights bench featurevis [--model default] [--layer L] [--units 8] [--size 128] [--steps 8] [--json]";

    public int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var modelName = args.Get("model", "default")!;
        var layerOpt = args.Get("layer");
        int n = args.GetInt("units", 8), size = args.GetInt("size", 128), steps = args.GetInt("steps", 8);
        bool json = args.Flag("json");
        args.EnsureAllUsed();
        if (n < 1 || steps < 1 || size < 8) throw new CliUsageException("--units and --steps must be at least 1, --size at least 8");

        using var model = ModelRegistry.Load(modelName);
        var layer = layerOpt ?? model.Layers().Where(l => l.IsSpatial && l.Name != VisionModel.InputLayer && l.Channels >= n).Select(l => l.Name).LastOrDefault()
            ?? throw new ArgumentException($"{model.Name} has no spatial layer with at least {n} channels; pass --layer.");
        var info = model.LayerInfo(layer);
        if (info.Channels < n) throw new ArgumentException($"Layer '{layer}' has {info.Channels} channels; fewer than --units {n}.");

        double Time(int[] units)
        {
            var obj = Objective.Sum(units.Select((u, b) => Objective.Channel(layer, u, batch: b)));
            using var p = ImageParam.Create(size, units.Select(u => u + 1).ToArray());
            var sw = new Stopwatch();
            // Step 1 is warm-up (allocations, kernel selection); time the rest.
            using var r = Optvis.Render(model, obj, p, new RenderOptions
            {
                Thresholds = [steps + 1],
                Progress = s => { if (s.Step == 1) sw.Start(); },
            });
            sw.Stop();
            return sw.Elapsed.TotalSeconds / steps;
        }

        var all = Enumerable.Range(0, n).ToArray();
        double batch = Time(all);
        var singles = all.Select(u => Time([u])).ToArray();
        double single = singles.Average();
        double ratio = batch / single;
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                model = model.Name, layer, units = n, size, steps,
                batchSecondsPerStep = batch, singleSecondsPerStep = single,
                batchOverSingle = ratio, separateOverBatch = n * single / batch,
            }));
        }
        else
        {
            var c = CultureInfo.InvariantCulture;
            stdout.WriteLine(string.Format(c, "featurevis bench: {0} {1}, {2} px, {3} timed steps", model.Name, layer, size, steps));
            stdout.WriteLine(string.Format(c, "  batch of {0} units : {1,8:F1} ms/step", n, batch * 1000));
            stdout.WriteLine(string.Format(c, "  one unit           : {0,8:F1} ms/step (mean of {1} runs)", single * 1000, n));
            stdout.WriteLine(string.Format(c, "  batch / one unit   : {0:F2}x   ({1} separate runs / batch: {2:F2}x)", ratio, n, n * single / batch));
        }
        return 0;
    }
}
