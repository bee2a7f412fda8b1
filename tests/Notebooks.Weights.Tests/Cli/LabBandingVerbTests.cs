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
        var args = new[]
        {
            "lab",
            "banding",
            "--out",
            outDir,
            "--steps",
            "1",
            "--batch",
            "4",
            "--validation",
            "4",
            "--variants",
            "baseline,xpool",
        };
        var (code, o, e) = CliRun.Run(args);
        Assert.True(code == 0, e);
        Assert.Contains("baseline: training", o);
        foreach (
            var f in new[]
            {
                "baseline.weights",
                "baseline.json",
                "xpool.weights",
                "xpool.json",
                "banding.json",
                "banding.md",
                "banding.html",
            }
        )
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        var report = JsonDocument
            .Parse(File.ReadAllText(Path.Combine(outDir, "banding.json")))
            .RootElement;
        var variants = report.GetProperty("Variants").EnumerateArray().ToList();
        Assert.Equal(
            new[] { "baseline", "xpool" },
            variants.Select(v => v.GetProperty("Variant").GetString())
        );
        var layers = variants[0].GetProperty("Layers").EnumerateArray().ToList();
        Assert.Equal(
            new[] { "conv2d0", "conv2d1", "conv2d2", "conv2d3" },
            layers.Select(l => l.GetProperty("Layer").GetString())
        );
        Assert.Equal("5x5", layers[0].GetProperty("Kernel").GetString());
        Assert.Equal(0.25, layers[3].GetProperty("ReferenceHorizontal").GetDouble(), 12);
        Assert.Equal(1.0 / 6, layers[0].GetProperty("ReferenceHorizontal").GetDouble(), 12);
        // The reported scores are BandingScore of the saved weights, and each verdict follows the
        // published rule.
        using (
            var saved = Notebooks.Weights.Models.Default.DefaultModel.LoadFile(
                Path.Combine(outDir, "xpool.weights")
            )
        )
        {
            var xLayers = variants[1].GetProperty("Layers").EnumerateArray().ToList();
            for (int i = 0; i < 4; i++)
            {
                var b = Notebooks.Weights.Decomposition.BandingScore.ForLayer(
                    saved.Parameters[$"conv2d{i}_w"]
                );
                Assert.Equal(b.Horizontal, xLayers[i].GetProperty("Horizontal").GetDouble(), 12);
                Assert.Equal(b.Vertical, xLayers[i].GetProperty("Vertical").GetDouble(), 12);
                Assert.Equal(
                    Notebooks.Weights.Training.BandingLab.Verdict(b),
                    xLayers[i].GetProperty("Verdict").GetString()
                );
            }
        }
        // One color-consistent NMF grid per variant and layer: PNGs of the mosaic (conv2d3: 128
        // units in 4 rows of 32 3x3 cells with 1 px gaps = 15x127 px) at scale 8, and the same
        // pictures in the HTML page.
        foreach (var v in new[] { "baseline", "xpool" })
            for (int i = 0; i < 4; i++)
                Assert.True(
                    File.Exists(Path.Combine(outDir, "grids", $"{v}-conv2d{i}.png")),
                    $"{v}-conv2d{i}.png"
                );
        Assert.Equal("grids/baseline-conv2d3.png", layers[3].GetProperty("Grid").GetString());
        using (
            var bmp = SkiaSharp.SKBitmap.Decode(
                Path.Combine(outDir, "grids", "baseline-conv2d3.png")
            )
        )
            Assert.Equal((127 * 8, 15 * 8), (bmp.Width, bmp.Height));
        var html = File.ReadAllText(Path.Combine(outDir, "banding.html"));
        Assert.Equal(
            8,
            System.Text.RegularExpressions.Regex.Matches(html, "data:image/png;base64,").Count
        );
        Assert.Contains("xpool conv2d2", html);
        // Claims about variants that were not run say so instead of guessing.
        var claims = report
            .GetProperty("Claims")
            .EnumerateArray()
            .Select(c => c.GetProperty("Result").GetString())
            .ToList();
        Assert.Equal("not run", claims[1]);
        Assert.Contains("BandingScore", report.GetProperty("Score").GetString());
        // Second run: same options → the saved weights are reused (hash checked against the
        // record).
        var (code2, o2, e2) = CliRun.Run(args);
        Assert.True(code2 == 0, e2);
        Assert.Contains("baseline: reusing", o2);
        Assert.Equal(
            File.ReadAllText(Path.Combine(outDir, "banding.md")),
            o2[o2.IndexOf("# Weight banding")..o2.IndexOf("wrote ")]
        );
        // The notebook's loader: the variant named after itself, hash checked; missing pieces say
        // how to make them.
        var (loaded, record) = Notebooks.Weights.Training.BandingLab.LoadVariant(outDir, "xpool");
        using (loaded)
        {
            Assert.Equal("xpool", loaded.Name);
            Assert.Equal(record.WeightsHash, loaded.WeightsHash);
            Assert.Equal(variants[1].GetProperty("WeightsHash").GetString(), loaded.WeightsHash);
            Assert.Equal(new long[] { 1, 128, 8, 1 }, loaded.LayerInfo("avgpool").Shape);
        }
        Assert.Contains(
            "--variants rotated",
            Assert
                .Throws<FileNotFoundException>(() =>
                    Notebooks.Weights.Training.BandingLab.LoadVariant(outDir, "rotated")
                )
                .Message
        );
        var missing = Path.Combine(_dir, "nope");
        Assert.Contains(
            $"weights lab banding --out {missing}",
            Assert
                .Throws<DirectoryNotFoundException>(() =>
                    Notebooks.Weights.Training.BandingLab.LoadVariant(missing, "baseline")
                )
                .Message
        );
        // Training again from scratch in another folder gives byte-identical weight files
        // (deterministic for a seed).
        var again = Path.Combine(_dir, "again");
        var (code3, _, e3) = CliRun.Run([
            "lab",
            "banding",
            "--out",
            again,
            "--steps",
            "1",
            "--batch",
            "4",
            "--validation",
            "4",
            "--variants",
            "xpool",
        ]);
        Assert.True(code3 == 0, e3);
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(outDir, "xpool.weights")),
            File.ReadAllBytes(Path.Combine(again, "xpool.weights"))
        );
    }

    [Theory]
    [InlineData(new[] { "lab", "banding" }, 2, "missing required option --out")]
    [InlineData(
        new[] { "lab", "banding", "--out", "/tmp/x", "--variants", "flat" },
        1,
        "Unknown banding variant 'flat'"
    )]
    [InlineData(
        new[] { "lab", "banding", "--out", "/nonexistent-parent/lab" },
        1,
        "folder '/nonexistent-parent' does not exist"
    )]
    [InlineData(
        new[] { "lab", "banding", "--out", "/tmp/x", "--validation", "0" },
        2,
        "option --validation: expected a positive integer, got 0"
    )]
    [InlineData(
        new[] { "lab", "banding", "--out", "/tmp/x", "--scale", "0" },
        2,
        "option --scale: expected an integer in 1..64, got 0"
    )]
    public void BadCommandLinesAreNamed(string[] args, int expectedCode, string message)
    {
        var (code, _, e) = CliRun.Run(args);
        Assert.Equal(expectedCode, code);
        Assert.Contains(message, e);
    }
}
