using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Notebooks.Weights.Runtime;

namespace Notebooks.Weights.Tests.Cli;

/// <summary><c>weights doctor</c>: the runtime lines, the per-ISA child probes (about 15 s: three
/// child processes) and the probe's own checks.</summary>
public class DoctorVerbTests
{
    [Fact]
    public void DoctorPrintsOneLinePerIsaAndAVerdictAndTheDefaultAvxIsCorrect()
    {
        var (code, o, e) = CliRun.Run("doctor");
        Assert.True(code == 0, $"doctor failed ({code}):\n{o}\n{e}");
        Assert.Contains("conv forward+backward: ok (120 input-gradient cases exact", o);
        // The child started with DNNL_MAX_CPU_ISA=AVX ran all 120 cases exactly and timed the conv.
        Assert.Matches(
            @"(?m)^  AVX \(default\) +correct \(0 of 120 wrong\) +\d+\.\d ms CPU  1\.00x$",
            o
        );
        foreach (var isa in new[] { "AVX2", "AVX512_CORE" })
            Assert.Matches(
                $@"(?m)^  {isa} +(correct \(0 of 120 wrong\)|WRONG +\(\d+ of 120 wrong\)) +\d+\.\d ms CPU  (\d+\.\d\dx|-)",
                o
            );
        var verdict = o.TrimEnd().Split('\n')[^1];
        Assert.Matches(
            @"^(this CPU computes correct conv gradients at (AVX2|AVX512_CORE); export DNNL_MAX_CPU_ISA=\2 to use it \(about \d+\.\d\dx faster convolutions\)|keep the default \(DNNL_MAX_CPU_ISA=AVX\): .+)$",
            verdict
        );
        // A recommended ISA is one the table shows correct and at least 1.05x faster.
        var m = Regex.Match(verdict, @"at (\w+); export");
        if (m.Success)
        {
            var row = Regex.Match(o, $@"(?m)^  {m.Groups[1].Value} +correct .* (\d+\.\d\d)x");
            Assert.True(row.Success, o);
            Assert.True(double.Parse(row.Groups[1].Value, CultureInfo.InvariantCulture) >= 1.05, o);
        }
    }

    [Fact]
    public void TheProbeRunsTheCheckOnlyInAProcessWithItsIsa()
    {
        // This test process runs oneDNN at the default AVX: a probe for AVX reports the check here.
        var (code, o, e) = CliRun.Run("doctor", "--isa-probe", "avx");
        Assert.True(code == 0, e);
        var r = JsonDocument.Parse(o).RootElement;
        Assert.Equal("AVX", r.GetProperty("isa").GetString());
        Assert.Equal(ConvGradientCheck.CaseCount, r.GetProperty("cases").GetInt32());
        Assert.Equal(0, r.GetProperty("wrong").GetInt32());
        Assert.True(r.GetProperty("milliseconds").GetDouble() > 0);

        // oneDNN read the ISA when this process started: probing another ISA here would be a lie.
        (code, _, e) = CliRun.Run("doctor", "--isa-probe", "AVX2");
        Assert.Equal(1, code);
        Assert.Contains(
            $"this process runs oneDNN with DNNL_MAX_CPU_ISA={TorchRuntime.OneDnnIsa}",
            e
        );
        Assert.Contains("start the probe with DNNL_MAX_CPU_ISA=AVX2", e);
    }

    [Fact]
    public void BadIsaListsAreRejectedByName()
    {
        foreach (
            var (arg, message) in new[]
            {
                ("AVX3", "option --isa: expected a DNNL_MAX_CPU_ISA value ("),
                ("AVX2,,ALL", "option --isa: expected a comma-separated list"),
                ("AVX,AVX2", "option --isa: AVX is the default every ISA is compared with"),
            }
        )
        {
            var (code, _, e) = CliRun.Run("doctor", "--isa", arg);
            Assert.Equal(2, code);
            Assert.Contains(message, e);
            Assert.Contains($"got '{arg}'", e);
        }
    }

    [Fact]
    public void JsonWithoutIsaComparisonReportsTheRuntimeCheck()
    {
        var (code, o, e) = CliRun.Run("doctor", "--isa", "none", "--json");
        Assert.True(code == 0, e);
        var r = JsonDocument.Parse(o).RootElement;
        Assert.True(r.GetProperty("ok").GetBoolean());
        Assert.Equal(120, r.GetProperty("conv_gradients").GetProperty("cases").GetInt32());
        Assert.Equal(0, r.GetProperty("conv_gradients").GetProperty("wrong").GetInt32());
        Assert.Equal(0, r.GetProperty("isa_probes").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("recommended_isa").ValueKind);
        Assert.Equal("ISA comparison skipped (--isa none)", r.GetProperty("verdict").GetString());
    }
}
