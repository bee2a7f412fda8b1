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
    readonly Option<bool> _vsTorch = Opt.Flag(
        "--vs-torch",
        "also time the same render in PyTorch eager (python3 with torch, torchvision and onnx)"
    );
    readonly Option<string> _torchLayer = Opt.Text(
        "--torch-layer",
        "ResNet18 module rendered side by side with PyTorch (conv1, relu, maxpool, layer1..layer4)",
        "layer3"
    );
    readonly Option<string?> _python = Opt.OptionalText(
        "--python",
        "python3 for the PyTorch baseline (default: python3, then /usr/bin/python3)"
    );
    public override string Notes =>
        "  weights bench featurevis [--model default] [--layer L] [--units 8] [--size 128] [--steps 8] [--threads T] [--json] [--profile]\n"
        + "                         [--vs-torch [--torch-layer layer3] [--python PATH]]\n"
        + "  --profile also times each phase of a step (image, transforms, forward, objective, backward, Adam) for both.\n"
        + "  --vs-torch, when python3 can import torch, torchvision and onnx (Debian python3-torch 1.13), also renders unit 0 of\n"
        + "  --torch-layer of a seeded random torchvision ResNet18 exported to ONNX, in PyTorch eager and here (the imported\n"
        + "  ONNX), same image, transforms, size and threads: 20 warm-up steps, then 5 interleaved rounds of --steps steps\n"
        + "  (PyTorch with the parameters frozen as ours, PyTorch as lucent runs it with the parameters requiring grad,\n"
        + "  ours), best round of each; torchOverOurs = frozen PyTorch / ours per step, torchLucentOverOurs = lucent's.";

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var modelName = args.Get(_model);
        var layerOpt = args.Get(_layer);
        int n = args.Get(_units),
            size = args.Get(_size),
            steps = args.Get(_steps);
        bool json = args.Get(_json),
            profile = args.Get(_profile),
            vsTorch = args.Get(_vsTorch);
        var torchLayer = args.Get(_torchLayer);
        if (!TorchLayers.Contains(torchLayer))
            throw new CliUsageException(
                $"option --torch-layer: expected one of {string.Join(", ", TorchLayers)}; got '{torchLayer}'"
            );
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
        var vs = !vsTorch
            ? TorchComparison.Skipped("not run (pass --vs-torch)")
            : CompareWithTorch(args, args.Get(_python), torchLayer, size, steps);
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
                        loadAverage1Min = LoadAverage(),
                        torchLayer,
                        oneDnnMaxCpuIsa = OneDnnIsa(),
                        torchVersion = vs.Version,
                        torchRounds = vs.Torch is null ? (int?)null : TorchRounds,
                        torchSecondsPerStep = vs.Torch?.Wall,
                        torchCpuSecondsPerStep = vs.Torch?.Cpu,
                        torchLucentSecondsPerStep = vs.TorchLucent?.Wall,
                        torchLucentCpuSecondsPerStep = vs.TorchLucent?.Cpu,
                        oursSecondsPerStep = vs.Ours?.Wall,
                        oursCpuSecondsPerStep = vs.Ours?.Cpu,
                        torchOverOurs = vs.Torch is { } tr && vs.Ours is { } o
                            ? tr.Wall / o.Wall
                            : (double?)null,
                        torchCpuOverOursCpu = vs.Torch is { } tc && vs.Ours is { } oc
                            ? tc.Cpu / oc.Cpu
                            : (double?)null,
                        torchLucentOverOurs = vs.TorchLucent is { } tl && vs.Ours is { } ol
                            ? tl.Wall / ol.Wall
                            : (double?)null,
                        torchOverOursPerRound = vs.RoundRatios,
                        torchOverOursMedianRound = vs.RoundRatios is { } rr
                            ? Median(rr)
                            : (double?)null,
                        torchFirstObjective = vs.TorchFirst,
                        oursFirstObjective = vs.OursFirst,
                        torchNote = vs.Note,
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
            if (vs is { Torch: { } tr, TorchLucent: { } tl, Ours: { } o })
            {
                stdout.WriteLine(
                    string.Format(
                        c,
                        "vs PyTorch {0} eager: seeded ResNet18 {1} unit 0, {2} px (ONNX export imported here), best of {3} interleaved rounds, load average {4}",
                        vs.Version,
                        torchLayer,
                        size,
                        TorchRounds,
                        LoadAverage()
                    )
                );
                stdout.WriteLine($"  our oneDNN ISA limit: DNNL_MAX_CPU_ISA={OneDnnIsa()}");
                stdout.WriteLine(
                    string.Format(
                        c,
                        "  ours (parameters frozen)             : {0,10:F1} {1,13:F1}",
                        o.Wall * 1000,
                        o.Cpu * 1000
                    )
                );
                stdout.WriteLine(
                    string.Format(
                        c,
                        "  PyTorch eager, parameters frozen     : {0,10:F1} {1,13:F1}",
                        tr.Wall * 1000,
                        tr.Cpu * 1000
                    )
                );
                stdout.WriteLine(
                    string.Format(
                        c,
                        "  PyTorch eager as lucent (params grad): {0,10:F1} {1,13:F1}",
                        tl.Wall * 1000,
                        tl.Cpu * 1000
                    )
                );
                stdout.WriteLine(
                    string.Format(
                        c,
                        "  objective at step 1: ours {0:G6}, PyTorch {1:G6} (same network, image and transforms)",
                        vs.OursFirst,
                        vs.TorchFirst
                    )
                );
                if (
                    Math.Abs(vs.OursFirst!.Value - vs.TorchFirst!.Value)
                    > 1e-3 * Math.Max(1e-6, Math.Abs(vs.TorchFirst.Value))
                )
                    stdout.WriteLine(
                        "  warning: the step-1 objectives differ, so the two sides are not rendering the same thing (network, image or transform draws)"
                    );
                stdout.WriteLine(
                    string.Format(
                        c,
                        "  torch / ours       : {0:F2}x wall, {1:F2}x cpu time (target: at least {2:F2}, i.e. ours at most 1.1x torch); per round {3} (median {4:F2})",
                        tr.Wall / o.Wall,
                        tr.Cpu / o.Cpu,
                        1 / 1.1,
                        string.Join(" ", vs.RoundRatios!.Select(x => x.ToString("F2", c))),
                        Median(vs.RoundRatios!)
                    )
                );
                stdout.WriteLine(
                    string.Format(
                        c,
                        "  torch as lucent / ours: {0:F2}x wall, {1:F2}x cpu time (lucent also computes every weight's gradient)",
                        tl.Wall / o.Wall,
                        tl.Cpu / o.Cpu
                    )
                );
            }
            else
                stdout.WriteLine($"PyTorch baseline: {vs.Note}");
        }
        return 0;
    }

    static readonly string[] TorchLayers =
    [
        "conv1",
        "relu",
        "maxpool",
        "layer1",
        "layer2",
        "layer3",
        "layer4",
    ];
    const int TorchWarmupSteps = 20,
        LucentWarmupSteps = 3,
        TorchRounds = 5;

    /// <summary>Seconds per step, wall and process CPU.</summary>
    sealed record StepTimes(double Wall, double Cpu);

    /// <summary>The side-by-side result: best round of each side (PyTorch with frozen parameters,
    /// PyTorch as lucent runs it, ours), each round's frozen-torch / ours wall ratio, the step-1
    /// objectives; or a note on why it was skipped.</summary>
    sealed record TorchComparison(
        string? Version,
        StepTimes? Torch,
        StepTimes? TorchLucent,
        StepTimes? Ours,
        double[]? RoundRatios,
        double? TorchFirst,
        double? OursFirst,
        string? Note
    )
    {
        public static TorchComparison Skipped(string note) =>
            new(null, null, null, null, null, null, null, note);
    }

    /// <summary>The oneDNN ISA limit of this process (<see cref="TorchRuntime"/> sets
    /// <c>DNNL_MAX_CPU_ISA=AVX</c> unless the user chose one; PyTorch's subprocess inherits only a
    /// user's choice).</summary>
    static string OneDnnIsa() =>
        Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA") is { Length: > 0 } user
            ? $"{user} (set by the user; PyTorch inherits it)"
            : $"{TorchRuntime.DefaultOneDnnIsa} (the library's default guard; PyTorch runs at its own default)";

    static double Median(double[] xs)
    {
        var o = xs.Order().ToArray();
        return o.Length % 2 == 1 ? o[o.Length / 2] : (o[o.Length / 2 - 1] + o[o.Length / 2]) / 2;
    }

    static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    /// <summary>
    /// The PyTorch eager baseline and our render of the same ONNX network, interleaved round by
    /// round so that both sides see the same machine load: after <see cref="TorchWarmupSteps"/>
    /// warm-up steps on each side (ours include Lucid's 17 redirected-ReLU steps), each of
    /// <see cref="TorchRounds"/> rounds times <paramref name="steps"/> steps of PyTorch with frozen
    /// parameters, then the same steps as lucent runs them (parameters requiring grad), then ours,
    /// all three with the same transform draws (step for step). Or a note on why it was skipped.
    /// </summary>
    static TorchComparison CompareWithTorch(
        CliArgs args,
        string? python,
        string layer,
        int size,
        int steps
    )
    {
        var py = TorchFeatureVisRunner.FindPython(python is null ? null : [python]);
        if (py is null)
            return TorchComparison.Skipped(
                $"skipped: {python ?? "no python3"} cannot import torch, torchvision and onnx (apt-get install python3-torch python3-torchvision python3-onnx)"
            );
        var dir = Directory.CreateTempSubdirectory("weights-bench-featurevis-");
        try
        {
            var onnx = Path.Combine(dir.FullName, "resnet18-seeded.onnx");
            int total = TorchWarmupSteps + TorchRounds * steps;
            using var torch = TorchFeatureVisSession.Start(
                py,
                onnx,
                layer,
                unit: 0,
                size,
                TorchWarmupSteps,
                LucentWarmupSteps,
                steps,
                Math.Max(total, TorchWarmupSteps + LucentWarmupSteps),
                TorchSharp.torch.get_num_threads(),
                seed: 0
            );
            using var model = args.Models.LoadModel(onnx);
            var frozen = new List<TorchRound>();
            var lucent = new List<TorchRound>();
            var ours = new List<StepTimes>();
            using var p = ImageParam.Create(size);
            using var proc = Process.GetCurrentProcess();
            var sw = Stopwatch.StartNew();
            TimeSpan cpu0 = default;
            double wall0 = 0;
            using var r = Optvis.Render(
                model,
                Objective.Channel(layer, 0),
                p,
                new RenderOptions
                {
                    Thresholds = [total],
                    Progress = s =>
                    {
                        if (s.Step < TorchWarmupSteps || (s.Step - TorchWarmupSteps) % steps != 0)
                            return;
                        proc.Refresh();
                        if (s.Step > TorchWarmupSteps)
                            ours.Add(
                                new StepTimes(
                                    (sw.Elapsed.TotalSeconds - wall0) / steps,
                                    (proc.TotalProcessorTime - cpu0).TotalSeconds / steps
                                )
                            );
                        if (s.Step == total)
                            return;
                        frozen.Add(torch.Round(s.Step, lucent: false));
                        lucent.Add(torch.Round(s.Step, lucent: true));
                        proc.Refresh();
                        (wall0, cpu0) = (sw.Elapsed.TotalSeconds, proc.TotalProcessorTime);
                    },
                }
            );
            torch.Finish();
            static StepTimes Best(IEnumerable<StepTimes> t) =>
                new(t.Min(x => x.Wall), t.Min(x => x.Cpu));
            return new(
                torch.Version,
                Best(frozen.Select(t => new StepTimes(t.SecondsPerStep, t.CpuSecondsPerStep))),
                Best(lucent.Select(t => new StepTimes(t.SecondsPerStep, t.CpuSecondsPerStep))),
                Best(ours),
                frozen.Zip(ours, (t, o) => t.SecondsPerStep / o.Wall).ToArray(),
                torch.FirstObjective,
                r.ObjectiveTrace[0][0],
                null
            );
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
