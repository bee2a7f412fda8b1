using Notebooks.Weights.Rendering;
using static Notebooks.Weights.Tests.Rendering.RenderTestUtil;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Rendering;

public class HtmlReportTests() : TempDirectoryTest("nw-report-")
{
    [Fact]
    public void Saved_report_is_one_self_contained_page_with_escaped_text()
    {
        var report = new HtmlReport("Weights <test>")
            .AddHeading("mixed3b:379 & friends")
            .AddText("weights to previous layer:\n<none>")
            .Add(
                WeightColorScale
                    .Heatmap(tensor(new float[] { 1, -1 }).view(1, 2))
                    .Image.With(displayWidth: 64, label: "w")
            );
        var path = report.Save(Path.Combine(Dir, "sub", "r.html"));
        var html = File.ReadAllText(path);
        var doc = Parse(html);
        Assert.Equal("Weights <test>", doc.Title);
        Assert.Equal("mixed3b:379 & friends", doc.QuerySelector("h2")!.TextContent);
        Assert.Equal("weights to previous layer:\n<none>", doc.QuerySelector("p")!.TextContent);
        Assert.Empty(doc.QuerySelectorAll("script"));
        Assert.All(doc.QuerySelectorAll("img"), i =>
            Assert.StartsWith("data:image/png;base64,", i.GetAttribute("src"))
        );
        using var bmp = DecodeDataUri(doc.QuerySelector("img")!.GetAttribute("src")!);
        AssertPixel(bmp, 0, 0, Expected8(1));
        AssertPixel(bmp, 1, 0, Expected8(-1));
    }

    [Fact]
    public void Plotly_chart_is_embedded_with_its_loader()
    {
        var chart = XPlot.Plotly.Chart.Plot(
            new XPlot.Plotly.Histogram { x = new[] { 1.0, 2, 2, 3 } }
        );
        var html = new HtmlReport().Add(chart).ToHtml();
        var doc = Parse(html);
        Assert.NotNull(doc.QuerySelector(".nw-chart div"));
        Assert.Contains("newPlot", html);
        Assert.Contains(PlotlyHtml.PlotlyJsUrl, html);
        Assert.Contains("[1.0,2.0,2.0,3.0]", html);
    }

    [Fact]
    public void Local_plotly_is_embedded_once_for_offline_charts()
    {
        var js = Path.Combine(Dir, "plotly.min.js");
        File.WriteAllText(js, "window.Plotly={newPlot:function(){}}; var s='</script>';");
        var chart = XPlot.Plotly.Chart.Plot(new XPlot.Plotly.Bar { y = new[] { 1.0 } });
        var html = new HtmlReport().EmbedPlotly(js).Add(chart).Add(chart).ToHtml();
        var doc = Parse(html);
        Assert.StartsWith("window.Plotly=", doc.Head!.QuerySelector("script")!.TextContent);
        Assert.Contains("var s='<\\/script>'", doc.Head!.QuerySelector("script")!.TextContent);
        File.WriteAllText(js, "not plotly");
        Assert.Throws<InvalidDataException>(() => new HtmlReport().EmbedPlotly(js));
        Assert.Throws<FileNotFoundException>(() =>
            new HtmlReport().EmbedPlotly(Path.Combine(Dir, "none.js"))
        );
    }

    [Fact]
    public void Heading_level_is_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HtmlReport().AddHeading("x", 7));
    }
}

public class WeightChartsTests
{
    [Fact]
    public void Norm_chart_holds_the_per_unit_l2_norms()
    {
        // OIHW [2, 1, 1, 2]: unit 0 = (3, 4) → 5, unit 1 = (0, -2) → 2
        var w = tensor(new float[] { 3, 4, 0, -2 }).view(2, 1, 1, 2);
        Assert.Equal(new[] { 5f, 2f }, WeightCharts.UnitNorms(w));
        Assert.Equal(new[] { 3f, 4.472136f }, WeightCharts.UnitNorms(w, -1), new FloatTol(1e-5f));
        var html = new HtmlReport().Add(WeightCharts.Norms(w, 0, "conv norms")).ToHtml();
        Assert.Contains("\"y\":[5.0,2.0]", html);
        Assert.Contains("conv norms [2, 1, 1, 2]", html);
        var hist = WeightCharts.Histogram(w, "all", bins: 4).GetInlineHtml();
        Assert.Contains("\"x\":[3.0,4.0,0.0,-2.0]", hist);
        Assert.Contains(
            "axis out of range",
            Assert.Throws<ArgumentOutOfRangeException>(() => WeightCharts.UnitNorms(w, 4)).Message
        );
    }

    sealed class FloatTol(float tol) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tol;

        public int GetHashCode(float f) => 0;
    }
}
