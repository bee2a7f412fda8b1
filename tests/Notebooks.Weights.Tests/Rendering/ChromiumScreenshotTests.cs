using System.Diagnostics;
using Notebooks.Weights.Rendering;
using SkiaSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Rendering;

/// <summary>Opens saved reports in headless Chromium and checks from the screenshot that the images
/// really display.</summary>
public class ChromiumScreenshotTests() : TempDirectoryTest("nw-chromium-")
{
    const string Chromium = "/usr/bin/chromium";

    static SKBitmap Screenshot(string htmlPath, string workDir)
    {
        Assert.True(
            File.Exists(Chromium),
            $"{Chromium} not found: run scripts/setup (installs Debian chromium) before the tests"
        );
        var png = Path.Combine(workDir, "shot.png");
        var psi = new ProcessStartInfo(
            Chromium,
            [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                "--user-data-dir=" + Path.Combine(workDir, "profile"),
                "--screenshot=" + png,
                "--window-size=800,600",
                new Uri(htmlPath).AbsoluteUri,
            ]
        )
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            p.Kill(true);
            Assert.Fail("chromium did not finish within 90 s");
        }
        Assert.True(
            File.Exists(png),
            $"chromium wrote no screenshot (exit {p.ExitCode}): {err.Result}"
        );
        var bmp = SKBitmap.Decode(png);
        Assert.NotNull(bmp);
        return bmp;
    }

    static int Count(SKBitmap bmp, (byte R, byte G, byte B) c, int tol = 4)
    {
        int n = 0;
        for (int y = 0; y < bmp.Height; y++)
        for (int x = 0; x < bmp.Width; x++)
        {
            var p = bmp.GetPixel(x, y);
            if (
                Math.Abs(p.Red - c.R) <= tol
                && Math.Abs(p.Green - c.G) <= tol
                && Math.Abs(p.Blue - c.B) <= tol
            )
                n++;
        }
        return n;
    }

    [Fact]
    public void Report_images_display_pixelated_in_headless_chromium()
    {
        // 2x2 checkerboard of +1 / -1 drawn at 200 CSS px: two 100x100 red squares and two blue
        // ones when images display.
        var heat = WeightColorScale
            .Heatmap(tensor(new float[] { 1, -1, -1, 1 }).view(2, 2))
            .Image.With(displayWidth: 200, label: "checker");
        var html = new HtmlReport("screenshot").Add(heat).Save(Path.Combine(Dir, "r.html"));
        using var shot = Screenshot(html, Dir);
        Assert.Equal(800, shot.Width);
        var red = RenderTestUtil.Expected8(1);
        var blue = RenderTestUtil.Expected8(-1);
        int nRed = Count(shot, red),
            nBlue = Count(shot, blue);
        // 2 * 100 * 100 each; sharp (pixelated) edges keep nearly all of them exact
        Assert.InRange(nRed, 19_000, 20_500);
        Assert.InRange(nBlue, 19_000, 20_500);
    }

    [Fact]
    public void Neuron_row_displays_weights_placeholders_and_legend()
    {
        // [1, 1, 3] weights: unit 0 = +1, unit 1 = -1, unit 2 = 0.5 → solid 68x68 squares
        var w = tensor(new float[] { 1, -1, 0.5f }).view(1, 1, 3);
        var row = NeuronWithWeightRow.Create("mixed3a", [0, 1, 2], w, title: "row");
        var html = new HtmlReport("row").Add(row).Save(Path.Combine(Dir, "r.html"));
        using var shot = Screenshot(html, Dir);
        Assert.InRange(Count(shot, RenderTestUtil.Expected8(1)), 68 * 68, 68 * 68 + 400); // + legend end
        Assert.InRange(Count(shot, RenderTestUtil.Expected8(-1)), 68 * 68, 68 * 68 + 400);
        Assert.InRange(Count(shot, RenderTestUtil.Expected8(0.5)), 68 * 68, 68 * 68 + 400);
        Assert.True(
            Count(shot, (0xe0, 0xe0, 0xe0), 0) >= 3 * 68 * 60,
            "feature-vis placeholders not visible"
        );
    }

    [Fact]
    public void Row_of_twenty_units_wraps_inside_an_800px_page()
    {
        // 20 units with weight +1: 20 solid 68x68 squares. 20 × 70 px is wider than 800 px, so all
        // of them show only when the row wraps.
        var w = ones(1, 1, 20);
        var row = NeuronWithWeightRow.Create(
            "mixed3b",
            Enumerable.Range(0, 20).ToList(),
            w,
            title: "twenty"
        );
        var html = new HtmlReport("row").Add(row).Save(Path.Combine(Dir, "r.html"));
        using var shot = Screenshot(html, Dir);
        Assert.InRange(Count(shot, RenderTestUtil.Expected8(1)), 20 * 68 * 68, 20 * 68 * 68 + 400);
    }
}
