using System.Diagnostics;
using System.Text.Json;
using Notebooks.Weights.Models;
using Notebooks.Weights.Models.InceptionV1;
using Notebooks.Weights.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// <c>weights bench expand</c>: on an InceptionV1-shaped block (mixed3a → mixed3b: 256 → 480 channels, random weights),
/// times (a) batched <see cref="ExpandedWeights"/> with the cache off, (b) the Lucid-style loop (one fresh forward and one
/// gradient per output channel) and (c) one plain batched forward+backward of the same [480, 256, W, W] batch, in one run.
/// </summary>
[Notebooks.Weights.Cli.Flags("json")]
public sealed class BenchExpandVerb : IVerb
{
    public string Name => "bench expand";
    public string Summary => "time batched expanded weights vs the per-channel Lucid loop on an InceptionV1-shaped block";
    public string Usage => "  weights bench expand [--width 5] [--repeat 3] [--seed 0] [--json]";

    public int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        int width = args.GetInt("width", 5);
        int repeat = args.GetInt("repeat", 3);
        int seed = args.GetInt("seed", 0);
        bool json = args.Flag("json");
        args.EnsureAllUsed();
        if (repeat < 1) throw new CliUsageException($"option --repeat: expected at least 1, got {repeat}");

        manual_seed(seed);
        // mixed3b config: in 256; 1x1 128; 3x3 bottleneck 128 → 192; 5x5 bottleneck 32 → 96; pool → pool_reduce 64 = 480.
        var block = new InceptionMixedBlock(256, 128, 128, 192, 32, 96, 64, "mixed3b");
        var seq = nn.Sequential(("mixed3a", nn.Identity()), ("mixed3b", block));
        using var model = new VisionModel("bench-mixed3a-3b", seq, new InputSpec(256, 28, -1, 1),
            [new LayerSpec("mixed3a", "mixed3a", "Identity"), new LayerSpec("mixed3b", "mixed3b", "InceptionMixedBlock")]);

        double Time(Action a)
        {
            var sw = Stopwatch.StartNew();
            a();
            return sw.Elapsed.TotalSeconds;
        }
        double Median(Func<double> f) { var t = Enumerable.Range(0, repeat).Select(_ => f()).Order().ToList(); return t[t.Count / 2]; }

        Tensor crop;
        using (no_grad()) crop = model.Preprocess(zeros(1, 256, width, width));
        var units = (int)model.LayerInfo("mixed3b").Channels;

        // Warm-up (allocator, oneDNN primitives).
        using (NewDisposeScope()) ExpandedWeights.Get(model, "mixed3a", "mixed3b", width, useCache: false);

        double batched = Median(() => { using var s = NewDisposeScope(); return Time(() => ExpandedWeights.Get(model, "mixed3a", "mixed3b", width, useCache: false)); });
        double single = Median(() =>
        {
            using var s = NewDisposeScope();
            return Time(() =>
            {
                var x = crop.expand(units, -1, -1, -1).clone().requires_grad_(true);
                var y = seq.call(x);
                var g = autograd.grad([y.sum()], [x])[0];
            });
        });
        double loop = Median(() =>
        {
            using var s = NewDisposeScope();
            return Time(() =>
            {
                for (int c = 0; c < units; c++)
                {
                    using var inner = NewDisposeScope();
                    var x = crop.clone().requires_grad_(true);
                    var y = model.Run(x, new RunOptions { Capture = ["mixed3b"], Replace = new Dictionary<string, Tensor> { ["mixed3a"] = x }, Linearize = true })["mixed3b"];
                    long ch = (y.shape[2] - 1) / 2, cw = (y.shape[3] - 1) / 2;
                    var g = autograd.grad([y[0, c, ch, cw]], [x])[0];
                }
            });
        });
        var result = new
        {
            block = "mixed3a->mixed3b (256->480)",
            width,
            repeat,
            threads = get_num_threads(),
            batched_seconds = batched,
            loop_seconds = loop,
            single_forward_backward_seconds = single,
            loop_over_batched = loop / batched,
            batched_over_single = batched / single,
        };
        if (json) stdout.WriteLine(JsonSerializer.Serialize(result));
        else
        {
            stdout.WriteLine($"{result.block}, W={width}, median of {repeat}, {result.threads} threads");
            stdout.WriteLine($"  batched ExpandedWeights (cache off): {batched * 1000,10:F1} ms");
            stdout.WriteLine($"  Lucid-style per-channel loop:        {loop * 1000,10:F1} ms");
            stdout.WriteLine($"  one batched forward+backward:        {single * 1000,10:F1} ms");
            stdout.WriteLine($"  loop / batched = {loop / batched:F1}x   batched / forward+backward = {batched / single:F2}x");
        }
        return 0;
    }
}
