namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights bench featurevis</c>: time per step of one render of N units in a batch vs N
/// single-unit renders, same run.</summary>
public sealed class BenchFeatureVisVerb()
    : Verb(
        "bench featurevis",
        "time per step: a batch of N units vs N single-unit renders (same run), and their ratio"
    )
{
    readonly Option<int?> _threads = Opt.OptionalInt(
        "--threads",
        "torch threads T (at least 1; default: TorchSharp's)"
    );
    readonly Option<string> _model = Opt.Model("default");
    readonly Option<string?> _layer = Opt.OptionalText(
        "--layer",
        "layer to render (default: the last spatial layer with at least --units channels)"
    );
    readonly Option<int> _units = Opt.Int(
        "--units",
        "N: units rendered as one batch, and one at a time",
        8
    );
    readonly Option<int> _size = Opt.Int("--size", "image size in pixels (at least 8)", 128);
    readonly Option<int> _steps = Opt.Steps(8);
    readonly Option<bool> _json = Opt.Json();
    readonly Option<bool> _profile = Opt.Flag(
        "--profile",
        "also time each phase of a step (image, transforms, forward, objective, backward, Adam)"
    );
    public override string Notes =>
        "  weights bench featurevis [--model default] [--layer L] [--units 8] [--size 128] [--steps 8] [--threads T] [--json] [--profile]\n"
        + "  --profile also times each phase of a step (image, transforms, forward, objective, backward, Adam) for both.";

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var modelName = args.Get(_model);
        var layerOpt = args.Get(_layer);
        int n = args.Get(_units),
            size = args.Get(_size),
            steps = args.Get(_steps);
        bool json = args.Get(_json),
            profile = args.Get(_profile);
        int? threads = args.Get(_threads);
        if (threads is int t && t < 1)
            throw new CliUsageException($"option --threads: must be at least 1, got {t}");
        if (threads is int nt)
            TorchSharp.torch.set_num_threads(nt);
        if (n < 1 || steps < 1 || size < 8)
            throw new CliUsageException(
                "--units and --steps must be at least 1, --size at least 8"
            );

        using var model = args.Models.LoadModel(modelName);
        var layer = layerOpt
            ?? model
                .Layers()
                .Where(l => l.IsSpatial && l.Name != VisionModel.InputLayer && l.Channels >= n)
                .Select(l => l.Name)
                .LastOrDefault()
            ?? throw new ArgumentException(
                $"{model.Name} has no spatial layer with at least {n} channels; pass --layer."
            );
        var info = model.LayerInfo(layer);
        if (info.Channels < n)
            throw new ArgumentException(
                $"Layer '{layer}' has {info.Channels} channels; fewer than --units {n}."
            );

        // Wall time and this process's CPU time per step: on a shared machine the CPU time is the
        // steadier measure.
        (double Wall, double Cpu) Time(int[] units)
        {
            var obj = Objective.Sum(units.Select((u, b) => Objective.Channel(layer, u, batch: b)));
            using var p = ImageParam.Create(size, units.Select(u => u + 1).ToArray());
            using var proc = Process.GetCurrentProcess();
            var sw = new Stopwatch();
            TimeSpan cpu0 = default;
            // Step 1 is warm-up (allocations, kernel selection); time the rest.
            using var r = Optvis.Render(
                model,
                obj,
                p,
                new RenderOptions
                {
                    Thresholds = [steps + 1],
                    Progress = s =>
                    {
                        if (s.Step == 1)
                        {
                            proc.Refresh();
                            cpu0 = proc.TotalProcessorTime;
                            sw.Start();
                        }
                    },
                }
            );
            sw.Stop();
            proc.Refresh();
            return (
                sw.Elapsed.TotalSeconds / steps,
                (proc.TotalProcessorTime - cpu0).TotalSeconds / steps
            );
        }

        var all = Enumerable.Range(0, n).ToArray();
        if (profile)
        {
            var pb = FeatureVisPhaseProfile.Measure(model, layer, all, size, steps);
            var p1 = FeatureVisPhaseProfile.Measure(model, layer, [0], size, steps);
            var c = CultureInfo.InvariantCulture;
            stdout.WriteLine(
                string.Format(
                    c,
                    "phase profile (thread cpu ms/step; exact with --threads 1; {0} threads): {1,10} {2,10} {3,7}",
                    TorchSharp.torch.get_num_threads(),
                    $"batch {n}",
                    "one unit",
                    "ratio"
                )
            );
            for (int i = 0; i < pb.Count; i++)
                stdout.WriteLine(
                    string.Format(
                        c,
                        "  {0,-28} {1,10:F1} {2,10:F1} {3,6:F2}x",
                        pb[i].Name,
                        pb[i].Seconds * 1000,
                        p1[i].Seconds * 1000,
                        pb[i].Seconds / p1[i].Seconds
                    )
                );
            var tb = FeatureVisPhaseProfile.TransformTimes(n, size, steps);
            var t1 = FeatureVisPhaseProfile.TransformTimes(1, size, steps);
            stdout.WriteLine(
                string.Format(
                    c,
                    "transforms, forward + backward (thread cpu ms): {0,14} {1,14}",
                    $"batch {n}",
                    "one image"
                )
            );
            for (int i = 0; i < tb.Count; i++)
                stdout.WriteLine(
                    string.Format(
                        c,
                        "  {0,-24} {1,6:F1} + {2,6:F1}  {3,6:F1} + {4,6:F1}",
                        tb[i].Name,
                        tb[i].Forward * 1000,
                        tb[i].Backward * 1000,
                        t1[i].Forward * 1000,
                        t1[i].Backward * 1000
                    )
                );
        }
        var (batch, batchCpu) = Time(all);
        var singles = all.Select(u => Time([u])).ToArray();
        double single = singles.Average(x => x.Wall),
            singleCpu = singles.Average(x => x.Cpu);
        double ratio = batch / single,
            cpuRatio = batchCpu / singleCpu;
        if (json)
        {
            stdout.WriteLine(
                JsonSerializer.Serialize(
                    new
                    {
                        model = model.Name,
                        layer,
                        units = n,
                        size,
                        steps,
                        threads = TorchSharp.torch.get_num_threads(),
                        batchSecondsPerStep = batch,
                        singleSecondsPerStep = single,
                        batchOverSingle = ratio,
                        separateOverBatch = n * single / batch,
                        batchCpuSecondsPerStep = batchCpu,
                        singleCpuSecondsPerStep = singleCpu,
                        cpuBatchOverSingle = cpuRatio,
                    }
                )
            );
        }
        else
        {
            var c = CultureInfo.InvariantCulture;
            stdout.WriteLine(
                string.Format(
                    c,
                    "featurevis bench: {0} {1}, {2} px, {3} timed steps, {4} threads",
                    model.Name,
                    layer,
                    size,
                    steps,
                    TorchSharp.torch.get_num_threads()
                )
            );
            stdout.WriteLine(string.Format(c, "                       wall ms/step   cpu ms/step"));
            stdout.WriteLine(
                string.Format(
                    c,
                    "  batch of {0} units : {1,10:F1} {2,13:F1}",
                    n,
                    batch * 1000,
                    batchCpu * 1000
                )
            );
            stdout.WriteLine(
                string.Format(
                    c,
                    "  one unit         : {0,10:F1} {1,13:F1}   (mean of {2} runs)",
                    single * 1000,
                    singleCpu * 1000,
                    n
                )
            );
            stdout.WriteLine(
                string.Format(
                    c,
                    "  batch / one unit   : {0:F2}x   ({1} separate runs / batch: {2:F2}x; cpu time: {3:F2}x)",
                    ratio,
                    n,
                    n * single / batch,
                    cpuRatio
                )
            );
        }
        return 0;
    }
}
