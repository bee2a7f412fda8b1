using AngleSharp.Html.Parser;
using Notebooks.Weights.Cli;
using Notebooks.Weights.Cli.Notebook;
using Notebooks.Weights.Cli.Verbs;
using static Notebooks.Weights.Tests.NotebookTests.KernelTestSupport;

namespace Notebooks.Weights.Tests.NotebookTests;

[Collection("NotebookRunner")]
public class TourVerbTests
{
    [Fact]
    public void Embedded_tour_notebook_is_the_committed_companion_notebook()
    {
        var embedded = TourVerb.LoadNotebook();
        var committed = NotebookRunner.Load(NotebookPath("visualizing-weights.ipynb"));
        Assert.Equal(
            committed.Elements.Select(c => c.Contents),
            embedded.Elements.Select(c => c.Contents)
        );
    }

    /// <summary>
    /// The tour is the companion notebook in the real kernel on the default model, written as one
    /// self-contained page. Same feature-visualization steps as <see cref="KernelNotebookTests"/>,
    /// so the renders come from the cache.
    /// </summary>
    [Fact]
    public void Tour_writes_one_self_contained_page_with_every_section_and_valid_pictures()
    {
        EnsurePacked();
        var dir = Directory.CreateTempSubdirectory("tour");
        try
        {
            var page = Path.Combine(dir.FullName, "tour.html");
            var o = new StringWriter();
            var e = new StringWriter();
            Assert.True(
                CliHost.Run(["tour", "--feature-vis-steps", "24", "--out", page], o, e) == 0,
                e.ToString()
            );
            Assert.Contains("wrote " + page, o.ToString());
            var doc = new HtmlParser().ParseDocument(File.ReadAllText(page));
            Assert.Contains("a tour of default", doc.Title);
            Assert.Equal(
                [
                    "Setup",
                    "Utilities",
                    "Visualizing the first layer",
                    "Simple visualizations of hidden-hidden weights",
                    "Top connections in and out",
                    "Spatial positions",
                    "NMF of hidden-hidden weights",
                    "High-low frequency factors",
                    "Black and white vs. color factors",
                    "Beyond the article: interactions for particular examples",
                ],
                doc.QuerySelectorAll("h2").Select(h => h.TextContent)
            );
            Assert.Empty(doc.QuerySelectorAll(".nb-error"));
            Assert.Empty(doc.QuerySelectorAll(".featurevis-placeholder"));
            // Self-contained: no external scripts, stylesheets or images; the C# is on the page,
            // folded.
            Assert.Empty(doc.QuerySelectorAll("script[src], link[rel=stylesheet]"));
            var pictures = Pictures(doc.DocumentElement.OuterHtml);
            Assert.True(pictures.Count > 40, $"only {pictures.Count} images");
            Assert.NotEmpty(doc.QuerySelectorAll("details.nb-fold pre.nb-code"));
            // The cell numbers printed are the page's [1]…[N]; the page names no folder of this
            // machine.
            var logged = System
                .Text.RegularExpressions.Regex.Matches(
                    o.ToString(),
                    @"^cell \[(\d+)\]",
                    System.Text.RegularExpressions.RegexOptions.Multiline
                )
                .Select(m => m.Groups[1].Value)
                .ToList();
            var shown = doc.QuerySelectorAll(".nb-count")
                .Select(c => c.TextContent.Trim('[', ']', ' '))
                .Where(t => t.Length > 0)
                .ToList();
            Assert.Equal(shown, logged);
            Assert.Equal(Enumerable.Range(1, logged.Count).Select(i => i.ToString()), logged);
            var html = File.ReadAllText(page);
            Assert.DoesNotContain(Notebooks.Weights.Runtime.UserCache.Root, html);
            Assert.DoesNotContain(PackagesFolder, html);

            Assert.Equal(2, CliHost.Run(["tour", "--modle", "x"], o, e = new StringWriter()));
            Assert.Contains("unknown option --modle", e.ToString());
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
