using Notebooks.Weights.Cli;
using Notebooks.Weights.IO;
using Notebooks.Weights.Tests.Cli;
using static Notebooks.Weights.Tests.Rendering.RenderTestUtil;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Rendering;

public class RenderVerbTests
{
    [Fact]
    public void Render_writes_previous_and_next_rows_as_a_standalone_page_and_png()
    {
        var dir = Directory.CreateTempSubdirectory("nw-render-");
        try
        {
            // prev [3, 3, 12, 4]: unit 2 of L2 connects to L1 unit c with weight (c - 5) everywhere
            // → top by |c - 5|
            var c = arange(12, dtype: ScalarType.Float32).view(1, 1, 12, 1) - 5;
            var prev = (c * ones(3, 3, 12, 4)).contiguous();
            var next = randn(new long[] { 3, 3, 4, 7 }, generator: new Generator(5));
            Npy.Save(Path.Combine(dir.FullName, "prev.npy"), prev);
            Npy.Save(Path.Combine(dir.FullName, "next.npy"), next);
            var html = Path.Combine(dir.FullName, "r.html");
            var (code, stdout, err) = CliRun.Run(
                "render",
                "--weights",
                Path.Combine(dir.FullName, "prev.npy"),
                "--from",
                "mixed3a",
                "--to",
                "mixed3b",
                "--unit",
                "2",
                "--next",
                "mixed4a",
                "--next-weights",
                Path.Combine(dir.FullName, "next.npy"),
                "--top",
                "5",
                "--out",
                html
            );
            Assert.True(code == 0, err);
            Assert.Equal(html, stdout.Trim());
            var doc = Parse(File.ReadAllText(html));
            var rows = doc.QuerySelectorAll(".nw-row").ToList();
            Assert.Equal(2, rows.Count);
            // |c - 5|: 11 → 6, 0 → 5, 10 → 5, 1 → 4, 9 → 4 (ties by index)
            Assert.Equal(
                ["mixed3a:11", "mixed3a:0", "mixed3a:10", "mixed3a:1", "mixed3a:9"],
                rows[0].QuerySelectorAll(".nw-label").Select(e => e.TextContent)
            );
            Assert.Equal(5, rows[1].QuerySelectorAll("img.weight").Length);
            using (
                var bmp = DecodeDataUri(rows[0].QuerySelector("img.weight")!.GetAttribute("src")!)
            )
                AssertPixel(bmp, 1, 1, Expected8(1));
            var png = Path.Combine(dir.FullName, "r.png");
            Assert.Equal(
                0,
                CliRun
                    .Run(
                        "render",
                        "--weights",
                        Path.Combine(dir.FullName, "prev.npy"),
                        "--from",
                        "mixed3a",
                        "--to",
                        "mixed3b",
                        "--unit",
                        "2",
                        "--out",
                        png
                    )
                    .Code
            );
            using var pb = Decode(File.ReadAllBytes(png));
            Assert.True(pb.Width >= 10 * 70 - 2);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void Render_bad_inputs_give_clear_errors()
    {
        var dir = Directory.CreateTempSubdirectory("nw-render-");
        try
        {
            var p = Path.Combine(dir.FullName, "w.npy");
            Npy.Save(p, ones(3, 3, 4, 2));
            var r = CliRun.Run(
                "render",
                "--weights",
                p,
                "--from",
                "a",
                "--to",
                "b",
                "--unit",
                "2",
                "--out",
                Path.Combine(dir.FullName, "o.html")
            );
            Assert.Equal(1, r.Code);
            Assert.Contains("unit 2 is out of range for layer b", r.Err);
            r = CliRun.Run(
                "render",
                "--weights",
                p,
                "--from",
                "a",
                "--to",
                "b",
                "--unit",
                "0",
                "--top",
                "5",
                "--out",
                Path.Combine(dir.FullName, "o.html")
            );
            Assert.Equal(1, r.Code);
            Assert.Contains("top 5 is more than the 4 units", r.Err);
            var p3 = Path.Combine(dir.FullName, "w3.npy");
            Npy.Save(p3, ones(3, 4, 2));
            r = CliRun.Run(
                "render",
                "--weights",
                p3,
                "--from",
                "a",
                "--to",
                "b",
                "--unit",
                "0",
                "--out",
                Path.Combine(dir.FullName, "o.html")
            );
            Assert.Equal(1, r.Code);
            Assert.Contains("got shape [3, 4, 2]", r.Err);
            var pn = Path.Combine(dir.FullName, "nan.npy");
            var nan = ones(3, 3, 4, 2);
            nan[0, 1, 2, 0] = tensor(float.NaN);
            Npy.Save(pn, nan);
            r = CliRun.Run(
                "render",
                "--weights",
                pn,
                "--from",
                "a",
                "--to",
                "b",
                "--unit",
                "0",
                "--top",
                "2",
                "--out",
                Path.Combine(dir.FullName, "o.html")
            );
            Assert.Equal(1, r.Code);
            Assert.Contains("NaN", r.Err);
            Assert.Contains("[0, 1, 2]", r.Err);
            r = CliRun.Run(
                "render",
                "--weights",
                p,
                "--from",
                "a",
                "--to",
                "b",
                "--unit",
                "0",
                "--out",
                Path.Combine(dir.FullName, "o.txt")
            );
            Assert.Equal(2, r.Code);
            Assert.Contains(".html or .png", r.Err);
            r = CliRun.Run(
                "render",
                "--weights",
                Path.Combine(dir.FullName, "missing.npy"),
                "--from",
                "a",
                "--to",
                "b",
                "--unit",
                "0",
                "--out",
                "x.html"
            );
            Assert.Equal(1, r.Code);
            Assert.Contains("file not found", r.Err);
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
