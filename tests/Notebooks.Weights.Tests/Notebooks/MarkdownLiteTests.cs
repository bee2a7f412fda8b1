using Notebooks.Weights.Cli.Notebook;

namespace Notebooks.Weights.Tests.NotebookTests;

public class MarkdownLiteTests
{
    [Fact]
    public void Renders_headings_lists_emphasis_code_and_links_and_escapes_html()
    {
        var html = MarkdownLite.ToHtml(
            """
            ## Top *connections*
            Some **`inceptionv1`** text with `a<b>` and <script>alert(1)</script>,
            continued [here](https://distill.pub/2020/circuits/visualizing-weights/) and [bad](javascript:alert(1)).

            * one
            * two

            1. first
            ```
            var x = 1 < 2;
            ```
            """
        );
        var doc = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html);
        Assert.Equal("Top connections", doc.QuerySelector("h2")!.TextContent);
        Assert.Equal("connections", doc.QuerySelector("h2 em")!.TextContent);
        Assert.Equal("inceptionv1", doc.QuerySelector("strong > code")!.TextContent);
        Assert.Contains(doc.QuerySelectorAll("p code"), c => c.TextContent == "a<b>");
        Assert.Null(doc.QuerySelector("script"));
        var links = doc.QuerySelectorAll("a").Select(a => a.GetAttribute("href")).ToList();
        Assert.Equal(["https://distill.pub/2020/circuits/visualizing-weights/", "#"], links);
        Assert.Equal(["one", "two"], doc.QuerySelectorAll("ul li").Select(l => l.TextContent));
        Assert.Equal(["first"], doc.QuerySelectorAll("ol li").Select(l => l.TextContent));
        Assert.Equal("var x = 1 < 2;", doc.QuerySelector("pre code")!.TextContent);
        Assert.Single(doc.QuerySelectorAll("p")); // the two prose lines are one paragraph
    }
}
