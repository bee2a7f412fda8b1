using AngleSharp.Html.Parser;
using Notebooks.Weights.Cli;
using Notebooks.Weights.Cli.Verbs;

namespace Notebooks.Weights.Tests.NotebookTests;

[Collection("NotebookRunner")]
public class TourVerbTests
{
    [Fact]
    public void Embedded_tour_notebook_is_the_committed_companion_notebook()
    {
        var embedded = TourVerb.LoadNotebook();
        var committed = Notebooks.Weights.Cli.Notebook.NotebookDocument.Load(NotebookExecutionTests.NotebookPath("visualizing-weights.ipynb"));
        Assert.Equal(committed.Cells.Select(c => c.Source), embedded.Cells.Select(c => c.Source));
    }

    [Fact]
    public void Tour_writes_one_self_contained_page_with_every_section_and_valid_pictures()
    {
        NotebookExecutionTests.EnsureTinyModel();
        var dir = Directory.CreateTempSubdirectory("tour");
        try
        {
            var page = Path.Combine(dir.FullName, "tour.html");
            var o = new StringWriter(); var e = new StringWriter();
            Assert.True(CliHost.Run(["tour", "--model", NotebookExecutionTests.TinyModelName, "--feature-vis-steps", "4", "--out", page], o, e) == 0, e.ToString());
            Assert.Contains("wrote " + page, o.ToString());
            var doc = new HtmlParser().ParseDocument(File.ReadAllText(page));
            var sections = doc.QuerySelectorAll("h2").Select(h => h.TextContent).ToList();
            foreach (var s in new[] { "Setup", "Utilities", "Visualizing the first layer", "Simple visualizations of hidden-hidden weights",
                                      "Top connections in and out", "Spatial positions", "NMF of hidden-hidden weights",
                                      "High-low frequency factors", "Black and white vs. color factors" })
                Assert.Contains(s, sections);
            Assert.Empty(doc.QuerySelectorAll(".nb-error"));
            // Self-contained: no external scripts, stylesheets or images.
            Assert.Empty(doc.QuerySelectorAll("script[src], link[rel=stylesheet]"));
            var images = doc.QuerySelectorAll("img").ToList();
            Assert.True(images.Count > 40, $"only {images.Count} images");
            foreach (var img in images)
            {
                var src = img.GetAttribute("src")!;
                Assert.StartsWith("data:image/png;base64,", src);
                using var bmp = SkiaSharp.SKBitmap.Decode(Convert.FromBase64String(src["data:image/png;base64,".Length..]));
                Assert.NotNull(bmp);
            }
            // The C# is on the page, folded.
            Assert.NotEmpty(doc.QuerySelectorAll("details.nb-fold pre.nb-code"));

            Assert.Equal(2, CliHost.Run(["tour", "--modle", "x"], o, e = new StringWriter()));
            Assert.Contains("unknown option --modle", e.ToString());
        }
        finally { dir.Delete(true); }
    }
}
