using System.Text.Json;
using Notebooks.Weights.Models.Default;
using Notebooks.Weights.Training;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights train default</c>: trains the default model on generated data (reproduces the shipped weights with the defaults).</summary>
[Flags("rotate90")]
public sealed class TrainVerb : IVerb
{
    public string Name => "train default";
    public string Summary => "train the default model on generated scenes (the defaults reproduce the shipped weights)";
    public string Usage => "  weights train default --out PATH.weights [--seed 1] [--steps 600] [--batch 32] [--head gap|flatten|xpool] [--rotate90] [--threads 2]\n" +
                           "  writes PATH.weights (TorchSharp module format) and PATH.json (seed, steps, accuracies, weights hash)";

    public int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var defaults = new TrainOptions();
        var outPath = args.Require("out");
        long seed = args.GetInt("seed", (int)defaults.Seed);
        int steps = args.GetInt("steps", defaults.Steps);
        int batch = args.GetInt("batch", defaults.BatchSize);
        var head = ParseHead(args.Get("head", "gap")!);
        bool rotate = args.Flag("rotate90");
        int threads = args.GetInt("threads", defaults.Threads);
        args.EnsureAllUsed();
        if (args.Positional.Count > 0) throw new CliUsageException($"unexpected argument '{args.Positional[0]}'");
        if (steps < 1) throw new CliUsageException($"option --steps: expected a positive integer, got {steps}");
        if (threads < 1) throw new CliUsageException($"option --threads: expected a positive integer, got {threads}");
        if (batch < 1) throw new CliUsageException($"option --batch: expected a positive integer, got {batch}");
        var dir = Path.GetDirectoryName(Path.GetFullPath(outPath))!;
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"Output folder does not exist: {dir}");

        var options = defaults with { Seed = seed, Steps = steps, BatchSize = batch, Rotate90 = rotate, Threads = threads, Config = DefaultNetConfig.Standard with { Head = head } };
        var command = "weights train default --out PATH" + (seed != defaults.Seed ? $" --seed {seed}" : "") + (steps != defaults.Steps ? $" --steps {steps}" : "")
                      + (batch != defaults.BatchSize ? $" --batch {batch}" : "") + (head != PoolingHead.GlobalAverage ? $" --head {HeadName(head)}" : "") + (rotate ? " --rotate90" : "")
                      + (threads != defaults.Threads ? $" --threads {threads}" : "");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var (model, record) = DefaultModelTrainer.Train(options, (s, l) => stdout.WriteLine($"step {s,5}  loss {l:F4}  ({sw.Elapsed.TotalSeconds:F0} s)"), command);
        using (model)
        {
            DefaultModel.Save(model, outPath);
            var json = Path.ChangeExtension(outPath, ".json");
            File.WriteAllText(json, JsonSerializer.Serialize(record, new JsonSerializerOptions { WriteIndented = true }) + "\n");
            stdout.WriteLine($"train accuracy {record.TrainAccuracy:P1}, validation accuracy {record.ValidationAccuracy:P1} (chance {1.0 / SyntheticScenes.Classes:P0})");
            stdout.WriteLine($"weights hash {record.WeightsHash}");
            stdout.WriteLine($"wrote {outPath} and {json} in {sw.Elapsed.TotalSeconds:F0} s");
        }
        return 0;
    }

    internal static PoolingHead ParseHead(string s) => s switch
    {
        "gap" => PoolingHead.GlobalAverage,
        "flatten" => PoolingHead.Flatten,
        "xpool" => PoolingHead.AverageX,
        _ => throw new CliUsageException($"option --head: expected gap, flatten or xpool, got '{s}'"),
    };

    internal static string HeadName(PoolingHead h) => h switch
    {
        PoolingHead.GlobalAverage => "gap", PoolingHead.Flatten => "flatten", _ => "xpool",
    };
}
