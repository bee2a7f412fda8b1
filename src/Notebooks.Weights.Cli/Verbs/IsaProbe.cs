using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using Notebooks.Weights.Runtime;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// The per-ISA check of <c>weights doctor</c>. oneDNN reads <c>DNNL_MAX_CPU_ISA</c> once per
/// process, so each ISA runs in a child: the same <c>weights</c> tool started as <c>weights doctor
/// --isa-probe ISA</c> with the variable set (<see cref="Launch"/>), which runs
/// <see cref="ConvGradientCheck"/> and times a ResNet-like conv (<see cref="RunHere"/>) and prints
/// one JSON line.
/// </summary>
public static class IsaProbe
{
    /// <summary>oneDNN's <c>DNNL_MAX_CPU_ISA</c> values for x86-64 (oneDNN 3.7).</summary>
    public static IReadOnlyList<string> KnownIsas { get; } =
    [
        "SSE41",
        "AVX",
        "AVX2",
        "AVX2_VNNI",
        "AVX2_VNNI_2",
        "AVX512_CORE",
        "AVX512_CORE_VNNI",
        "AVX512_CORE_BF16",
        "AVX10_1_512",
        "AVX512_CORE_FP16",
        "AVX10_1_512_AMX",
        "AVX512_CORE_AMX",
        "AVX10_1_512_AMX_FP16",
        "AVX512_CORE_AMX_FP16",
        "ALL",
    ];

    /// <summary>The timed conv: a ResNet layer1 3x3 conv (64 to 64 channels, 56x56, padding 1)
    /// on a batch of 2.</summary>
    public const string TimedConv = "3x3 conv 64->64 ch, 56x56, batch 2";

    /// <summary>Timed repetitions (after 2 warm-up ones); the best is reported.</summary>
    public const int Repeats = 10;

    /// <summary>Torch threads of the timing: one, so every op runs on the calling thread and its
    /// CPU time (<see cref="ThreadCpuSeconds"/>) is the conv's cost whatever else the machine is
    /// doing (the check itself runs at 1 and 2 threads).</summary>
    public const int TimingThreads = 1;

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>The /proc/cpuinfo flags each ISA needs (its extensions over the ISA
    /// below).</summary>
    static readonly Dictionary<string, string[]> CpuFlags = new()
    {
        ["SSE41"] = ["sse4_1"],
        ["AVX"] = ["avx"],
        ["AVX2"] = ["avx2"],
        ["AVX2_VNNI"] = ["avx2", "avx_vnni"],
        ["AVX2_VNNI_2"] = ["avx2", "avx_vnni", "avx_vnni_int8"],
        ["AVX512_CORE"] = ["avx512f", "avx512bw", "avx512vl", "avx512dq"],
        ["AVX512_CORE_VNNI"] = ["avx512f", "avx512_vnni"],
        ["AVX512_CORE_BF16"] = ["avx512f", "avx512_vnni", "avx512_bf16"],
        ["AVX10_1_512"] = ["avx512f", "avx512_bf16", "avx512_fp16"],
        ["AVX512_CORE_FP16"] = ["avx512f", "avx512_bf16", "avx512_fp16"],
        ["AVX10_1_512_AMX"] = ["avx512_fp16", "amx_tile", "amx_bf16", "amx_int8"],
        ["AVX512_CORE_AMX"] = ["avx512_bf16", "amx_tile", "amx_bf16", "amx_int8"],
        ["AVX10_1_512_AMX_FP16"] = ["avx512_fp16", "amx_tile", "amx_fp16"],
        ["AVX512_CORE_AMX_FP16"] = ["avx512_fp16", "amx_tile", "amx_fp16"],
    };

    /// <summary>
    /// False when this CPU lacks instructions the ISA needs (oneDNN then runs its best lower ISA,
    /// so the probe measures that instead): read from /proc/cpuinfo on Linux, from .NET's
    /// AVX/AVX2/AVX-512F detection elsewhere; true for ALL.
    /// </summary>
    public static bool CpuHas(string isa)
    {
        if (!CpuFlags.TryGetValue(isa, out var needed))
            return true;
        if (CpuInfoFlags.Value is { } flags)
            return needed.All(flags.Contains);
        return needed[0].StartsWith("avx512", StringComparison.Ordinal) ? Avx512F.IsSupported
            : needed[0] == "avx2" ? Avx2.IsSupported
            : needed[0] != "avx" || Avx.IsSupported;
    }

    static readonly Lazy<HashSet<string>?> CpuInfoFlags = new(() =>
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo")
                .FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
            return line is null
                ? null
                :
                [
                    .. line[(line.IndexOf(':') + 1)..]
                        .Split(' ', StringSplitOptions.RemoveEmptyEntries),
                ];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    });

    /// <summary>Runs the check and the timing in this process, whose oneDNN must run with
    /// <c>DNNL_MAX_CPU_ISA=<paramref name="isa"/></c>.</summary>
    public static IsaProbeResult RunHere(string isa)
    {
        TorchRuntime.EnsureLoaded();
        if (!string.Equals(TorchRuntime.OneDnnIsa, isa, StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException(
                $"--isa-probe {isa}: this process runs oneDNN with DNNL_MAX_CPU_ISA={TorchRuntime.OneDnnIsa ?? "(unset)"}; "
                    + $"oneDNN reads it once per process, so start the probe with DNNL_MAX_CPU_ISA={isa} in its environment (weights doctor does)"
            );
        var check = ConvGradientCheck.Run();
        return new IsaProbeResult(
            isa,
            check.Cases,
            check.Wrong.Count,
            check.Wrong.Take(5).ToList(),
            TimeConvMilliseconds(),
            TimingThreads
        );
    }

    /// <summary>The best of <see cref="Repeats"/> forward+backward passes of
    /// <see cref="TimedConv"/> at <see cref="TimingThreads"/> thread, in CPU
    /// milliseconds.</summary>
    static double TimeConvMilliseconds()
    {
        int before = TorchSharp.torch.get_num_threads();
        TorchSharp.torch.set_num_threads(TimingThreads);
        try
        {
            return BestConvMilliseconds();
        }
        finally
        {
            TorchSharp.torch.set_num_threads(before);
        }
    }

    static double BestConvMilliseconds()
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var x = TorchSharp.torch.ones(2, 64, 56, 56).requires_grad_(true);
        var w = TorchSharp.torch.full(64, 64, 3, 3, 1f / 576).requires_grad_(true);
        double best = double.MaxValue;
        for (int i = 0; i < Repeats + 2; i++)
        {
            using var step = TorchSharp.torch.NewDisposeScope();
            double start = ThreadCpuSeconds();
            var y = TorchSharp.torch.nn.functional.conv2d(x, w, padding: [1, 1]);
            y.sum().backward();
            double ms = (ThreadCpuSeconds() - start) * 1000;
            x.grad!.zero_();
            w.grad!.zero_();
            if (i >= 2)
                best = Math.Min(best, ms);
        }
        return best;
    }

    /// <summary>The calling thread's CPU seconds to the nanosecond (Linux
    /// <c>CLOCK_THREAD_CPUTIME_ID</c>; getrusage counts in 4 ms ticks, a third of a 12 ms conv);
    /// wall time elsewhere.</summary>
    static double ThreadCpuSeconds()
    {
        const int ClockThreadCpuTime = 3;
        if (OperatingSystem.IsLinux() && clock_gettime(ClockThreadCpuTime, out var t) == 0)
            return t.Seconds + t.Nanoseconds / 1e9;
        return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
    }

    [StructLayout(LayoutKind.Sequential)]
    struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    static extern int clock_gettime(int clock, out TimeSpec time);

    /// <summary>The JSON line a probe child prints.</summary>
    public static string ToJson(IsaProbeResult r) => JsonSerializer.Serialize(r, Json);

    /// <summary>
    /// Runs <c>weights doctor --isa-probe ISA</c> in a child with <c>DNNL_MAX_CPU_ISA=ISA</c> and
    /// reads its result; a child that fails, times out or prints no result gives a result with
    /// <see cref="IsaProbeResult.Error"/> set.
    /// </summary>
    public static IsaProbeResult Launch(string isa, TimeSpan timeout)
    {
        var psi = SelfStartInfo(["doctor", "--isa-probe", isa]);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.Environment["DNNL_MAX_CPU_ISA"] = isa;
        IsaProbeResult Failed(string why) => new(isa, 0, 0, [], double.NaN, 0, why);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return Failed($"no result within {timeout.TotalSeconds:F0} s");
        }
        var line = stdout.Result.Split('\n').Where(l => l.StartsWith('{')).LastOrDefault();
        if (p.ExitCode != 0 || line is null)
        {
            var err = stderr.Result.Trim().Split('\n').LastOrDefault("").Trim();
            return Failed(
                $"child exited with code {p.ExitCode}{(err.Length > 0 ? $": {err}" : "")}"
            );
        }
        try
        {
            return JsonSerializer.Deserialize<IsaProbeResult>(line, Json)
                ?? Failed("child printed null");
        }
        catch (JsonException e)
        {
            return Failed($"unreadable child result ({e.Message})");
        }
    }

    /// <summary>How to start this same <c>weights</c> tool with <paramref name="args"/>:
    /// <c>dotnet weights.dll ARGS</c> (also when the tool runs in-process in a test host), or the
    /// executable itself when published as one file.</summary>
    static ProcessStartInfo SelfStartInfo(string[] args)
    {
        var dll = typeof(IsaProbe).Assembly.Location;
        if (string.IsNullOrEmpty(dll))
            return new ProcessStartInfo(Environment.ProcessPath!, args);
        var host =
            Environment.ProcessPath is { } self
            && Path.GetFileNameWithoutExtension(self) == "dotnet"
                ? self
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h
            : "dotnet";
        return new ProcessStartInfo(host, [dll, .. args]);
    }
}
