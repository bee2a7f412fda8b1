namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// <c>weights bench nmf</c>: one-sided NMF of a whole conv layer, batched vs one neuron at a time
/// (ours, and sklearn through python3 when it is installed), all measured in the same run on the
/// same seeded weights.
/// </summary>
public sealed class BenchNmfVerb()
    : Verb(
        "bench nmf",
        "time batched one-sided NMF of a 1024-neuron layer vs one neuron at a time (ours and sklearn)"
    )
{
    readonly Option<int> _neurons = Opt.Int(
        "--neurons",
        "neurons (output channels) of the synthetic conv layer",
        1024
    );
    readonly Option<int> _inChannels = Opt.Int(
        "--in-channels",
        "input channels of the synthetic conv layer",
        832
    );
    readonly Option<int> _kernel = Opt.Int(
        "--kernel",
        "kernel height and width of the synthetic conv layer",
        3
    );
    readonly Option<int> _components = Opt.Int("--components", "NMF components K per neuron", 3);
    readonly Option<int> _seed = Opt.Seed(0);
    readonly Option<int?> _single = Opt.OptionalInt(
        "--single",
        "neurons timed one at a time (default all)",
        min: 1
    );
    readonly Option<bool> _json = Opt.Json();
    readonly Option<bool> _noSklearn = Opt.Flag(
        "--no-sklearn",
        "skip the scikit-learn baseline (python3 with sklearn)"
    );
    public override string Notes =>
        "  weights bench nmf [--neurons 1024] [--in-channels 832] [--kernel 3] [--components 3] [--seed 0]\n"
        + "                    [--single N (neurons timed one at a time; default all)] [--no-sklearn] [--json]";

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        int neurons = args.Get(_neurons),
            inCh = args.Get(_inChannels),
            kernel = args.Get(_kernel);
        int k = args.Get(_components),
            seed = args.Get(_seed);
        int single = args.Get(_single) ?? neurons;
        bool json = args.Get(_json),
            noSk = args.Get(_noSklearn);
        if (neurons < 1 || inCh < 1 || kernel < 1)
            throw new CliUsageException("--neurons, --in-channels and --kernel must be ≥ 1");
        if (single < 1 || single > neurons)
            throw new CliUsageException($"--single must be in 1..{neurons}; got {single}");

        using var scope = NewDisposeScope();
        var weight = SyntheticWeights.ConvLayer(neurons, inCh, kernel, kernel, seed: seed);
        var x = LayerNmf.PosNegMatrices(weight); // [N, k*k, 2*C_in] float32
        var options = new NmfOptions { Components = k };
        var shape = $"{neurons} neurons x [{kernel * kernel} x {2 * inCh}] posneg, K={k}";

        // Warm up both code paths once (JIT, native init), then time.
        var x64 = x.to_type(ScalarType.Float64);
        Nmf.FitBatched(x.narrow(0, 0, Math.Min(4, neurons)), options).Dispose();
        Nmf.Fit(x64[0], options).Dispose();
        var proc = Process.GetCurrentProcess();
        string load = File.Exists("/proc/loadavg")
            ? File.ReadAllText("/proc/loadavg").Split(' ')[0]
            : "n/a";
        var cpu0 = proc.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        using var batched = Nmf.FitBatched(x, options);
        double tBatched = sw.Elapsed.TotalSeconds;
        proc.Refresh();
        double cpuBatched = (proc.TotalProcessorTime - cpu0).TotalSeconds;

        sw.Restart();
        var singleRel = new double[single];
        var singleIter = new int[single];
        for (int n = 0; n < single; n++)
        {
            using var s = NewDisposeScope();
            using var fit = Nmf.Fit(x64[n], options);
            singleRel[n] = fit.RelativeError;
            singleIter[n] = fit.Iterations;
        }
        double tSingle = sw.Elapsed.TotalSeconds * neurons / single;

        SklearnRun? sk = null;
        string? skNote = null;
        if (noSk)
            skNote = "skipped (--no-sklearn)";
        else
        {
            var py = SklearnRunner.FindPython();
            if (py is null)
                skNote = "sklearn not installed: skipped";
            else
                sk = SklearnRunner.Run(py, x, k);
        }

        var relB = batched.RelativeError;
        double meanB = relB.Average(),
            meanS = singleRel.Average();
        double worstVsSingle = Enumerable
            .Range(0, single)
            .Max(i => (relB[i] - singleRel[i]) / singleRel[i]);
        double? worstVsSk = sk is null
            ? null
            : Enumerable
                .Range(0, neurons)
                .Max(i => (relB[i] - sk.RelativeError[i]) / sk.RelativeError[i]);
        if (json)
        {
            var o = new Dictionary<string, object?>
            {
                ["shape"] = shape,
                ["batched_float32_s"] = tBatched,
                ["single_ours_float64_s"] = tSingle,
                ["single_ours_timed_neurons"] = single,
                ["single_over_batched"] = tSingle / tBatched,
                ["batched_mean_relative_error"] = meanB,
                ["single_mean_relative_error"] = meanS,
                ["batched_mean_iterations"] = batched.Iterations.Average(),
                ["batched_not_converged"] = batched.Converged.Count(c => !c),
                ["worst_relative_error_excess_vs_single"] = worstVsSingle,
                ["batched_cpu_s"] = cpuBatched,
                ["load_average_1min"] = load,
                ["threads"] = Environment.ProcessorCount,
                ["sklearn_s"] = sk?.Seconds,
                ["sklearn_cpu_s"] = sk?.CpuSeconds,
                ["sklearn_cpu_over_batched_cpu"] = sk is null ? null : sk.CpuSeconds / cpuBatched,
                ["sklearn_over_batched"] = sk is null ? null : sk.Seconds / tBatched,
                ["sklearn_mean_relative_error"] = sk?.RelativeError.Average(),
                ["worst_relative_error_excess_vs_sklearn"] = worstVsSk,
                ["sklearn_version"] = sk?.Version,
                ["sklearn_note"] = skNote,
            };
            stdout.WriteLine(JsonSerializer.Serialize(o, CliJson.Indented));
            return 0;
        }
        stdout.WriteLine(
            $"one-sided NMF of {shape} (synthetic seeded weights, seed {seed}; {Environment.ProcessorCount} cores, load average {load})"
        );
        stdout.WriteLine(
            $"  batched (float32, ours)          {tBatched, 9:F3} s   (CPU {cpuBatched:F3} s)   mean rel. error {meanB:F5}   mean iterations {batched.Iterations.Average():F1}"
        );
        stdout.WriteLine(
            $"  one at a time (float64, ours)    {tSingle, 9:F3} s   mean rel. error {meanS:F5}"
                + (
                    single < neurons
                        ? $"   (timed {single} neurons, scaled x{(double)neurons / single:F1})"
                        : ""
                )
        );
        if (sk is not null)
            stdout.WriteLine(
                $"  one at a time (sklearn {sk.Version})  {sk.Seconds, 9:F3} s   (CPU {sk.CpuSeconds:F3} s)   mean rel. error {sk.RelativeError.Average():F5}   mean iterations {sk.Iterations.Average():F1}"
            );
        else
            stdout.WriteLine($"  sklearn: {skNote}");
        stdout.WriteLine($"  ratio ours one-at-a-time / batched: {tSingle / tBatched:F1}x");
        if (sk is not null)
            stdout.WriteLine(
                $"  ratio sklearn one-at-a-time / batched: {sk.Seconds / tBatched:F1}x wall, {sk.CpuSeconds / cpuBatched:F1}x CPU time"
            );
        stdout.WriteLine(
            $"  worst per-neuron rel. error excess, batched vs ours single: {worstVsSingle * 100:F3}%"
                + (worstVsSk is { } w ? $"; vs sklearn: {w * 100:F3}%" : "")
        );
        return 0;
    }
}

/// <summary>Result of timing sklearn's NMF one neuron at a time in a python3 subprocess.</summary>
sealed record SklearnRun(
    string Version,
    double Seconds,
    double CpuSeconds,
    double[] RelativeError,
    int[] Iterations
);

/// <summary>Runs sklearn 1.x <c>NMF(n_components=K)</c> on each matrix of a batch in python3 (bench
/// only, never at runtime).</summary>
static class SklearnRunner
{
    /// <summary>The first python3 that can import sklearn, or null.</summary>
    public static string? FindPython()
    {
        foreach (var py in new[] { "python3", "/usr/bin/python3" })
        {
            try
            {
                var psi = new ProcessStartInfo(py, ["-c", "import sklearn"])
                {
                    RedirectStandardError = true,
                    RedirectStandardOutput = true,
                };
                using var p = Process.Start(psi)!;
                p.WaitForExit();
                if (p.ExitCode == 0)
                    return py;
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        return null;
    }

    const string Script = """
import json, sys, time, warnings
import numpy as np, sklearn
from sklearn.decomposition import NMF
warnings.simplefilter("ignore")
x = np.load(sys.argv[1]).astype(np.float64)
k = int(sys.argv[2])
rel, it = [], []
t0 = time.perf_counter(); c0 = time.process_time()
for n in range(x.shape[0]):
    est = NMF(n_components=k)
    est.fit_transform(x[n])
    rel.append(est.reconstruction_err_); it.append(int(est.n_iter_))
sec = time.perf_counter() - t0; cpu = time.process_time() - c0
norms = np.linalg.norm(x.reshape(x.shape[0], -1), axis=1)
print(json.dumps({"version": sklearn.__version__, "seconds": sec, "cpu": cpu, "rel": (np.array(rel) / norms).tolist(), "iter": it}))
""";

    public static SklearnRun Run(string python, Tensor x, int k)
    {
        var tmp = Path.Combine(
            Path.GetTempPath(),
            $"weights-bench-nmf-{Environment.ProcessId}.npy"
        );
        try
        {
            Npy.Save(tmp, x.to_type(ScalarType.Float32).contiguous());
            var psi = new ProcessStartInfo(
                python,
                ["-c", Script, tmp, k.ToString(CultureInfo.InvariantCulture)]
            )
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var p = Process.Start(psi)!;
            var errTask = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
                throw new InvalidOperationException(
                    $"sklearn benchmark ({python}) failed: {errTask.Result}"
                );
            using var doc = JsonDocument.Parse(output);
            var r = doc.RootElement;
            return new SklearnRun(
                r.GetProperty("version").GetString()!,
                r.GetProperty("seconds").GetDouble(),
                r.GetProperty("cpu").GetDouble(),
                r.GetProperty("rel").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
                r.GetProperty("iter").EnumerateArray().Select(e => e.GetInt32()).ToArray()
            );
        }
        finally
        {
            File.Delete(tmp);
        }
    }
}
