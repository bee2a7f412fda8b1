using System.Text.Json;

namespace Notebooks.Weights.Tests.Cli;

public sealed class LabBandingVerbTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("lab-banding").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void TinyRunWritesWeightsScoresAndReusesMatchingWeights()
    {
        var outDir = Path.Combine(_dir, "lab");
        var args = new[] { "lab", "banding", "--out", outDir, "--steps", "1", "--batch", "4", "--validation", "4", "--variants", "baseline,xpool" };
        var (code, o, e) = CliRun.Run(args);
        Assert.True(code == 0, e);
        Assert.Contains("baseline: training", o);
        foreach (var f in new[] { "baseline.weights", "baseline.json", "xpool.weights", "xpool.json", "banding.json", "banding.md" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "banding.json"))).RootElement;
        var variants = report.GetProperty("Variants").EnumerateArray().ToList();
        Assert.Equal(new[] { "baseline", "xpool" }, variants.Select(v => v.GetProperty("Variant").GetString()));
        var layers = variants[0].GetProperty("Layers").EnumerateArray().ToList();
        Assert.Equal(new[] { "conv2d0", "conv2d1", "conv2d2", "conv2d3" }, layers.Select(l => l.GetProperty("Layer").GetString()));
        Assert.Equal("5x5", layers[0].GetProperty("Kernel").GetString());
        Assert.Equal(0.25, layers[3].GetProperty("Reference").GetDouble(), 12);
        // Claims about variants that were not run say so instead of guessing.
        var claims = report.GetProperty("Claims").EnumerateArray().Select(c => c.GetProperty("Result").GetString()).ToList();
        Assert.Equal("not run", claims[1]);
        Assert.Contains("PROVISIONAL", report.GetProperty("Score").GetString());
        // Second run: same options → the saved weights are reused (hash checked against the record).
        var (code2, o2, e2) = CliRun.Run(args);
        Assert.True(code2 == 0, e2);
        Assert.Contains("baseline: reusing", o2);
        Assert.Equal(File.ReadAllText(Path.Combine(outDir, "banding.md")), o2[o2.IndexOf("# Weight banding")..o2.IndexOf("wrote ")]);
    }

    [Theory]
    [InlineData(new[] { "lab", "banding" }, 2, "missing required option --out")]
    [InlineData(new[] { "lab", "banding", "--out", "/tmp/x", "--variants", "flat" }, 1, "Unknown banding variant 'flat'")]
    [InlineData(new[] { "lab", "banding", "--out", "/nonexistent-parent/lab" }, 1, "folder '/nonexistent-parent' does not exist")]
    [InlineData(new[] { "lab", "banding", "--out", "/tmp/x", "--validation", "0" }, 2, "option --validation: expected a positive integer, got 0")]
    public void BadCommandLinesAreNamed(string[] args, int expectedCode, string message)
    {
        var (code, _, e) = CliRun.Run(args);
        Assert.Equal(expectedCode, code);
        Assert.Contains(message, e);
    }
}
