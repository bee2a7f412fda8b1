using Notebooks.Weights.Models.Default;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights train default</c>: trains the default model on generated data (reproduces
/// the shipped weights with the Defaults).</summary>
public sealed class TrainVerb()
    : Verb(
        "train default",
        "train the default model on generated scenes (the defaults reproduce the shipped weights)"
    )
{
    static readonly TrainOptions Defaults = new();
    readonly Option<string> _out = Opt.Out(
        "PATH.weights: the trained weights (and PATH.json, its record)",
        required: true
    );
    readonly Option<string> _head = Opt.Text(
        "--head",
        "pooling head: gap (global average), flatten or xpool (pool along x only)",
        "gap"
    );
    readonly TrainingOptions _training = new();
    readonly Option<bool> _rotate90 = Opt.Flag(
        "--rotate90",
        "train on images rotated by 90 degrees"
    );
    readonly Option<int> _threads = Opt.Int("--threads", "torch threads", Defaults.Threads, min: 1);
    public override string Notes =>
        "  weights train default --out PATH.weights [--seed 1] [--steps 600] [--batch 32] [--head gap|flatten|xpool] [--rotate90] [--threads 2]\n"
        + "  writes PATH.weights (TorchSharp module format) and PATH.json (seed, steps, accuracies, weights hash)";

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var outPath = args.Get(_out);
        var head = ParseHead(args.Get(_head));
        OutputPaths.File(outPath);

        var options = _training.Read(args) with
        {
            Rotate90 = args.Get(_rotate90),
            Threads = args.Get(_threads),
            Config = DefaultNetConfig.Standard with { Head = head },
        };
        var (seed, steps, batch, rotate, threads) = (
            options.Seed,
            options.Steps,
            options.BatchSize,
            options.Rotate90,
            options.Threads
        );
        var command =
            "weights train default --out PATH"
            + (seed != Defaults.Seed ? $" --seed {seed}" : "")
            + (steps != Defaults.Steps ? $" --steps {steps}" : "")
            + (batch != Defaults.BatchSize ? $" --batch {batch}" : "")
            + (head != PoolingHead.GlobalAverage ? $" --head {HeadName(head)}" : "")
            + (rotate ? " --rotate90" : "")
            + (threads != Defaults.Threads ? $" --threads {threads}" : "");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var (model, record) = DefaultModelTrainer.Train(
            options,
            (s, l) =>
                stdout.WriteLine($"step {s, 5}  loss {l:F4}  ({sw.Elapsed.TotalSeconds:F0} s)"),
            command
        );
        using (model)
        {
            DefaultModel.Save(model, outPath);
            var json = Path.ChangeExtension(outPath, ".json");
            File.WriteAllText(json, JsonSerializer.Serialize(record, CliJson.Indented) + "\n");
            stdout.WriteLine(
                $"train accuracy {record.TrainAccuracy:P1}, validation accuracy {record.ValidationAccuracy:P1} (chance {1.0 / SyntheticScenes.Classes:P0})"
            );
            stdout.WriteLine($"weights hash {record.WeightsHash}");
            stdout.WriteLine($"wrote {outPath} and {json} in {sw.Elapsed.TotalSeconds:F0} s");
        }
        return 0;
    }

    internal static PoolingHead ParseHead(string s) =>
        s switch
        {
            "gap" => PoolingHead.GlobalAverage,
            "flatten" => PoolingHead.Flatten,
            "xpool" => PoolingHead.AverageX,
            _ => throw new CliUsageException(
                $"option --head: expected gap, flatten or xpool, got '{s}'"
            ),
        };

    internal static string HeadName(PoolingHead h) =>
        h switch
        {
            PoolingHead.GlobalAverage => "gap",
            PoolingHead.Flatten => "flatten",
            _ => "xpool",
        };
}
