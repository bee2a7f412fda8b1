using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Notebooks.Weights.Runtime;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// <c>weights doctor</c>: checks that the native runtime loads and computes correct conv gradients,
/// then whether this CPU could safely lift the library's oneDNN guard: the conv-gradient check and
/// a short conv timing with <c>DNNL_MAX_CPU_ISA</c> at the default AVX and at each faster ISA, each
/// in its own child process (<see cref="IsaProbe"/>), and which ISA to export, if any.
/// </summary>
public sealed class DoctorVerb()
    : Verb(
        "doctor",
        "check the TorchSharp native runtime (load, GLIBCXX patch, oneDNN guard, conv gradients) and which oneDNN ISA this CPU computes correctly"
    )
{
    /// <summary>A faster ISA is recommended only if its timed conv is at least this much faster
    /// than the default AVX.</summary>
    public const double MinSpeedup = 1.05;

    readonly Option<string> _isa = Opt.Text(
        "--isa",
        "oneDNN ISAs (DNNL_MAX_CPU_ISA values) to compare with the default AVX, comma-separated; 'none' skips the comparison",
        "AVX2,AVX512_CORE"
    );
    readonly Option<bool> _json = Opt.Json();
    readonly Option<string?> _probe = new("--isa-probe")
    {
        Description =
            "internal: run the conv-gradient check and timing in this process, which must have DNNL_MAX_CPU_ISA=ISA, and print one JSON line",
        Hidden = true,
    };

    public override string Notes =>
        "  weights doctor [--isa AVX2,AVX512_CORE|none] [--json]\n"
        + "  Each ISA runs in a child process (oneDNN reads DNNL_MAX_CPU_ISA once per process): the conv input-gradient\n"
        + "  check (sizes 6,7,9,12 x channels 1,3,8 x batches 1-5 x threads 1,2, exact analytic values) and a\n"
        + "  forward+backward timing of a ResNet 3x3 conv, as a ratio to AVX. Exit code 1 if the runtime or the default AVX\n"
        + "  computes a wrong gradient.";

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Get(_probe) is { } probe)
        {
            stdout.WriteLine(IsaProbe.ToJson(IsaProbe.RunHere(ParseIsa(probe, "--isa-probe"))));
            return 0;
        }
        var isas = ParseIsaList(args.Get(_isa));
        bool json = args.Get(_json);
        TorchRuntime.EnsureLoaded();
        var here = ConvGradientCheck.Run();
        var probes = new List<IsaProbeResult>();
        if (isas.Count > 0)
            foreach (var isa in (string[])[TorchRuntime.DefaultOneDnnIsa, .. isas])
                probes.Add(IsaProbe.Launch(isa, TimeSpan.FromMinutes(2)));
        var baseline = probes.FirstOrDefault();
        double Speedup(IsaProbeResult p) =>
            baseline is { Correct: true } && p.Correct
                ? baseline.Milliseconds / p.Milliseconds
                : double.NaN;
        // Of the correct, faster ISAs this CPU has, the lowest within 5% of the fastest: timings
        // of equally fast ISAs would otherwise flip the advice between runs.
        var faster = probes
            .Skip(1)
            .Where(p => p.Correct && IsaProbe.CpuHas(p.Isa) && Speedup(p) >= MinSpeedup)
            .ToList();
        var best = faster
            .Where(p => Speedup(p) * MinSpeedup >= faster.Max(Speedup))
            .MinBy(p => IsaProbe.KnownIsas.ToList().IndexOf(p.Isa));
        string verdict =
            baseline is null ? "ISA comparison skipped (--isa none)"
            : !baseline.Correct
                ? $"the default {TorchRuntime.DefaultOneDnnIsa} is not correct here ({Describe(baseline)}): report this CPU and libtorch version"
            : best is not null
                ? $"this CPU computes correct conv gradients at {best.Isa}; export DNNL_MAX_CPU_ISA={best.Isa} to use it (about {Speedup(best).ToString("F2", CultureInfo.InvariantCulture)}x faster convolutions)"
            : probes.Skip(1).Any(p => !p.Correct)
                ? $"keep the default (DNNL_MAX_CPU_ISA={TorchRuntime.DefaultOneDnnIsa}): not safe here: {string.Join(", ", probes.Skip(1).Where(p => !p.Correct).Select(p => p.Error is null ? $"{p.Isa} ({p.Wrong} of {p.Cases} conv gradient cases wrong)" : $"{p.Isa} (probe failed)"))}{(probes.Skip(1).Any(p => p.Correct) ? "; the correct ones are not faster" : "")}"
            : $"keep the default (DNNL_MAX_CPU_ISA={TorchRuntime.DefaultOneDnnIsa}): {string.Join(", ", isas)} are correct here but not {MinSpeedup.ToString("F2", CultureInfo.InvariantCulture)}x faster in this run";
        bool ok = here.Correct && baseline is null or { Correct: true };
        if (json)
        {
            stdout.WriteLine(
                JsonSerializer.Serialize(
                    new
                    {
                        runtime = TorchRuntime.Log,
                        one_dnn_isa = TorchRuntime.OneDnnIsa,
                        torch_threads = TorchSharp.torch.get_num_threads(),
                        conv_gradients = new
                        {
                            cases = here.Cases,
                            wrong = here.Wrong.Count,
                            examples = here.Wrong.Take(5),
                        },
                        isa_probes = probes.Select(p => new
                        {
                            isa = p.Isa,
                            correct = p.Correct,
                            cases = p.Cases,
                            wrong = p.Wrong,
                            examples = p.Examples,
                            cpu_has = IsaProbe.CpuHas(p.Isa),
                            conv_cpu_ms = double.IsFinite(p.Milliseconds)
                                ? p.Milliseconds
                                : (double?)null,
                            threads = p.Threads,
                            speedup_vs_avx = double.IsFinite(Speedup(p))
                                ? Speedup(p)
                                : (double?)null,
                            error = p.Error,
                        }),
                        timed_conv = IsaProbe.TimedConv,
                        recommended_isa = best?.Isa,
                        verdict,
                        ok,
                    },
                    CliJson.Indented
                )
            );
            return ok ? 0 : 1;
        }
        foreach (var line in TorchRuntime.Log)
            stdout.WriteLine(line);
        stdout.WriteLine($"torch threads: {TorchSharp.torch.get_num_threads()}");
        stdout.WriteLine(
            here.Correct
                ? $"conv forward+backward: ok ({here.Cases} input-gradient cases exact at DNNL_MAX_CPU_ISA={TorchRuntime.OneDnnIsa ?? "(oneDNN's own choice)"})"
                : $"conv forward+backward: WRONG input gradients in {here.Wrong.Count} of {here.Cases} cases: {string.Join("; ", here.Wrong.Take(5))}"
        );
        if (probes.Count > 0)
        {
            stdout.WriteLine(
                $"oneDNN ISAs, each in a child process ({ConvGradientCheck.CaseCount} conv input-gradient cases; CPU time of a {IsaProbe.TimedConv} forward+backward at {baseline!.Threads} thread, best of {IsaProbe.Repeats}, vs AVX):"
            );
            foreach (var p in probes)
            {
                var name = p.Isa == TorchRuntime.DefaultOneDnnIsa ? $"{p.Isa} (default)" : p.Isa;
                var cpu = IsaProbe.CpuHas(p.Isa)
                    ? ""
                    : " (not on this CPU: oneDNN runs a lower ISA)";
                stdout.WriteLine(
                    p.Error is not null
                        ? $"  {name, -18} probe failed: {p.Error}"
                        : string.Create(
                            CultureInfo.InvariantCulture,
                            $"  {name, -18} {(p.Correct ? "correct" : "WRONG"), -7} ({p.Wrong} of {p.Cases} wrong)  {p.Milliseconds, 7:F1} ms CPU  {Ratio(Speedup(p))}{cpu}"
                        )
                );
            }
        }
        stdout.WriteLine(verdict);
        return ok ? 0 : 1;
    }

    static string Ratio(double r) =>
        double.IsFinite(r) ? $"{r.ToString("F2", CultureInfo.InvariantCulture)}x" : "-";

    static string Describe(IsaProbeResult p) =>
        p.Error ?? $"{p.Wrong} of {p.Cases} wrong: {string.Join("; ", p.Examples)}";

    static string ParseIsa(string s, string option)
    {
        var isa = s.Trim().ToUpperInvariant();
        if (!IsaProbe.KnownIsas.Contains(isa))
            throw new CliUsageException(
                $"option {option}: expected a DNNL_MAX_CPU_ISA value ({string.Join(", ", IsaProbe.KnownIsas)}), got '{s}'"
            );
        return isa;
    }

    static List<string> ParseIsaList(string s)
    {
        if (s.Trim().Equals("none", StringComparison.OrdinalIgnoreCase))
            return [];
        var parts = s.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Any(p => p.Length == 0))
            throw new CliUsageException(
                $"option --isa: expected a comma-separated list of DNNL_MAX_CPU_ISA values or 'none', got '{s}'"
            );
        var isas = parts.Select(p => ParseIsa(p, "--isa")).Distinct().ToList();
        if (isas.Contains(TorchRuntime.DefaultOneDnnIsa))
            throw new CliUsageException(
                $"option --isa: {TorchRuntime.DefaultOneDnnIsa} is the default every ISA is compared with; list the others, got '{s}'"
            );
        return isas;
    }
}
