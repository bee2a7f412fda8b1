using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Notebooks.Weights.Cli;
using Notebooks.Weights.Cli.Notebook;
using Notebooks.Weights.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.NotebookTests;

/// <summary>
/// The main job and the notebooks on the bundled default model, as CI runs them: `weights tour` with no options, and
/// every committed notebook with its own parameters. Feature visualizations go through the user cache, so a second
/// run on the same machine is fast; the first one renders everything.
/// </summary>
[Collection("NotebookRunner")]
public class DefaultModelNotebookTests
{
    static SkiaSharp.SKBitmap DecodeDataUri(string src)
    {
        Assert.StartsWith("data:image/png;base64,", src);
        var bmp = SkiaSharp.SKBitmap.Decode(Convert.FromBase64String(src["data:image/png;base64,".Length..]));
        Assert.NotNull(bmp);
        return bmp;
    }

    /// <summary>Standard deviation of the pixel values: a rendered feature visualization is not a flat gray square.</summary>
    static double PixelSpread(SkiaSharp.SKBitmap bmp)
    {
        var values = new List<double>();
        for (int y = 0; y < bmp.Height; y++)
            for (int x = 0; x < bmp.Width; x++) { var c = bmp.GetPixel(x, y); values.Add(c.Red); values.Add(c.Green); values.Add(c.Blue); }
        double mean = values.Average();
        return Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
    }

    static void AssertFeatureVis(IElement img, int size)
    {
        using var bmp = DecodeDataUri(img.GetAttribute("src")!);
        Assert.Equal((size, size), (bmp.Width, bmp.Height));
        Assert.True(PixelSpread(bmp) > 8, $"feature visualization '{img.GetAttribute("title")}' is nearly flat (pixel std {PixelSpread(bmp):0.0})");
    }

    [Fact]
    public void Tour_with_no_options_runs_the_companion_notebook_on_the_default_model_with_feature_visualizations()
    {
        var dir = Directory.CreateTempSubdirectory("tour-default");
        try
        {
            var page = Path.Combine(dir.FullName, "tour.html");
            var o = new StringWriter(); var e = new StringWriter();
            Assert.True(CliHost.Run(["tour", "--out", page], o, e) == 0, e.ToString());
            var doc = new HtmlParser().ParseDocument(File.ReadAllText(page));
            Assert.Contains("a tour of default", doc.Title);
            Assert.Empty(doc.QuerySelectorAll(".nb-error"));
            var sections = doc.QuerySelectorAll("h2").Select(h => h.TextContent).ToList();
            Assert.Equal(["Setup", "Utilities", "Visualizing the first layer", "Simple visualizations of hidden-hidden weights",
                          "Top connections in and out", "Spatial positions", "NMF of hidden-hidden weights",
                          "High-low frequency factors", "Black and white vs. color factors"], sections);

            // Top connections: the unit, then 10 inputs (6×6 weights from conv2d1) and 10 uses (3×3 weights into conv2d3),
            // each with a 64 px feature visualization above its weight.
            var rows = doc.QuerySelectorAll(".nw-row-block").Where(b => b.TextContent.Contains("weights to previous layer") || b.TextContent.Contains("weights to next layer")).ToList();
            Assert.Equal(2, rows.Count);
            foreach (var (row, weightSize) in rows.Zip(new[] { 6, 3 }))
            {
                var weights = row.QuerySelectorAll("img.weight");
                var vis = row.QuerySelectorAll("img.featurevis");
                Assert.Equal(10, weights.Length);
                Assert.Equal(10, vis.Length);
                foreach (var w in weights) { using var bmp = DecodeDataUri(w.GetAttribute("src")!); Assert.Equal((weightSize, weightSize), (bmp.Width, bmp.Height)); }
                foreach (var v in vis) AssertFeatureVis(v, 64);
            }
            // The weight "with context" sits between feature visualizations of both units.
            var context = doc.QuerySelector(".nw-context")!;
            Assert.Equal(2, context.QuerySelectorAll("img.featurevis").Length);
            // The NMF row: 20 units of conv2d2, each with its feature visualization; no placeholders anywhere.
            Assert.Contains(doc.QuerySelectorAll(".nw-row"), r => r.QuerySelectorAll("img.featurevis").Length == 20);
            Assert.Empty(doc.QuerySelectorAll(".featurevis-placeholder"));
            Assert.Contains("wrote " + page, o.ToString());
        }
        finally { dir.Delete(true); }
    }

    /// <summary>
    /// On the default model the notebook's expanded weights have closed forms (ExpandedWeights.Get through the notebook):
    /// input → conv2d0 (5×5, pad 2, a 5×5 window) is conv2d0's kernel; maxpool2 → conv2d3 (3×3, pad 1, a 3×3 window) is
    /// conv2d3's kernel; conv2d1 → conv2d2 through the 2×2 max pool (a 6×6 window) is conv2d2's kernel with every tap
    /// spread over its 2×2 pool window at 1/4 (max pooling's gradient replaced by average pooling's). The units and the
    /// top connections follow from the kernels' norms.
    /// </summary>
    [Fact]
    public void Companion_notebook_on_the_default_model_computes_the_analytic_expanded_weights_and_picks_units_by_its_rules()
    {
        var doc = NotebookDocument.Load(NotebookExecutionTests.NotebookPath("visualizing-weights.ipynb"));
        var result = NotebookRunner.Run(doc, new NotebookRunOptions { Parameters = [new("modelName", "default")] });
        Assert.True(result.Succeeded, result.Error?.Message);
        var v = result.Variables;
        var model = (VisionModel)v["model"]!;
        Assert.Equal("default", model.Name);
        using var scope = NewDisposeScope();
        Tensor Hwio(string name) => model.Parameters[name].permute(2, 3, 1, 0);   // [kH, kW, in, out]

        AssertClose(Hwio("conv2d0_w"), (Tensor)v["W_inp_0_alt"]!, "input → conv2d0");
        AssertClose(Hwio("conv2d3_w"), (Tensor)v["W_3b_4a"]!, "maxpool2 → conv2d3");
        var pooled = 0.25 * Hwio("conv2d2_w").repeat_interleave(2, 0).repeat_interleave(2, 1);   // [6, 6, 64, 96]
        AssertClose(pooled, (Tensor)v["W_3a_3b"]!, "conv2d1 → maxpool1 → conv2d2");

        // unitB: the conv2d2 unit with the largest kernel; unitA: its strongest input; the top-10 inputs by kernel norm.
        var w2 = model.Parameters["conv2d2_w"];                                             // [96, 64, 3, 3]
        int unitB = (int)w2.pow(2).sum([1, 2, 3]).argmax().item<long>();
        Assert.Equal(unitB, (int)v["unitB"]!);
        var inNorms = w2[unitB].pow(2).sum([1, 2]);
        Assert.Equal((int)inNorms.argmax().item<long>(), (int)v["unitA"]!);
        var expectedTopIn = inNorms.argsort(descending: true)[..10].data<long>().Select(i => (int)i).ToArray();
        Assert.Equal(expectedTopIn, ((IEnumerable<Notebooks.Weights.Weights.Connection>)v["topIn"]!).Select(c => c.Index).ToArray());
        var outNorms = model.Parameters["conv2d3_w"][.., unitB].pow(2).sum([1, 2]);          // [128]
        var expectedTopOut = outNorms.argsort(descending: true)[..10].data<long>().Select(i => (int)i).ToArray();
        Assert.Equal(expectedTopOut, ((IEnumerable<Notebooks.Weights.Weights.Connection>)v["topOut"]!).Select(c => c.Index).ToArray());
        // The families: 15 and 8 distinct conv2d1 units, strongest first.
        var highLow = (int[])v["highLowUnits"]!; var bw = (int[])v["bwUnits"]!;
        Assert.Equal(15, highLow.Length); Assert.Equal(8, bw.Length);
        Assert.Empty(highLow.Intersect(bw));

        NotebookExecutionTests.AssertTopConnections(result.Notebook, expectedWeightSizes: [6, 3]);
    }

    static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var diff = (expected - actual).abs().max().item<float>();
        Assert.True(actual.allclose(expected, rtol: 1e-4, atol: 1e-6), $"{what}: expanded weights differ from the analytic value by up to {diff}");
    }

    public static TheoryData<string> OtherNotebooks() =>
        new(Directory.GetFiles(Path.Combine(NotebookExecutionTests.RepoRoot(), "notebooks"), "*.ipynb").Select(Path.GetFileName)
            .Where(n => n != "visualizing-weights.ipynb").Order()!);

    [Theory]
    [MemberData(nameof(OtherNotebooks))]
    public void Notebook_runs_on_the_default_model_with_its_own_parameters_and_shows_pictures(string notebook)
    {
        var doc = NotebookDocument.Load(NotebookExecutionTests.NotebookPath(notebook));
        var result = NotebookRunner.Run(doc, new NotebookRunOptions());
        Assert.True(result.Succeeded, $"{notebook}: {result.Error?.Message}");
        Assert.Equal("default", ((VisionModel)result.Variables["model"]!).Name);
        var outputs = result.Notebook.Cells.Where(c => c.CellType == "code").SelectMany(c => c.Outputs).Select(o => o!.AsObject()).ToList();
        Assert.DoesNotContain(outputs, o => o["output_type"]!.GetValue<string>() == "error");
        // Every picture output is a decodable PNG, and each notebook shows at least two (objectives: two rows of five).
        var pngs = outputs.Where(o => o["data"]?["image/png"] is not null).Select(o => NotebookText.FromLines(o["data"]!["image/png"])).ToList();
        Assert.True(pngs.Count >= 2, $"{notebook} shows only {pngs.Count} pictures");
        foreach (var png in pngs) { using var bmp = SkiaSharp.SKBitmap.Decode(Convert.FromBase64String(png)); Assert.NotNull(bmp); }
    }
}
