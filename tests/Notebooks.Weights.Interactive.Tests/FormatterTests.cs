using Microsoft.DotNet.Interactive.Formatting;
using Notebooks.Weights.Rendering;
using static Notebooks.Weights.Interactive.Tests.Util;
using static TorchSharp.torch;

namespace Notebooks.Weights.Interactive.Tests;

/// <summary>A view type nobody registers a formatter for: only the inherited convention attribute
/// can format it.</summary>
sealed class ProbeView : View
{
    public override string ToHtml() => "<p class=\"probe\">probe &amp; view</p>";

    public override byte[] ToPng() => [];

    public override string ToString() => "ProbeView summary";
}

public class FormatterTests
{
    [Fact]
    public void Core_views_format_as_html_through_the_convention_attribute_without_registration()
    {
        Formatter.ResetToDefault();
        Assert.Equal(
            "<p class=\"probe\">probe &amp; view</p>",
            new ProbeView().ToDisplayString("text/html")
        );
        Assert.Equal("ProbeView summary", new ProbeView().ToDisplayString("text/plain"));
        Assert.Equal("text/html", Formatter.GetPreferredMimeTypesFor(typeof(ProbeView)).First());
        var img = WeightColorScale.Heatmap(tensor(new float[] { 2, -1 }).view(1, 2)).Image;
        var doc = Parse(img.ToDisplayString("text/html"));
        using var bmp = DecodeDataUri(doc.QuerySelector("img")!.GetAttribute("src"));
        AssertPixel(bmp, 0, 0, Expected8(1));
        AssertPixel(bmp, 1, 0, Expected8(-0.5));
    }

    [Fact]
    public void Tensor_2d_formats_as_weight_heatmap_html_and_text_summary()
    {
        Formatter.ResetToDefault();
        Formatters.Register();
        var t = tensor(new float[] { 0, 4, -2, -4 }).view(2, 2);
        Assert.Equal("text/html", Formatter.GetPreferredMimeTypesFor(t.GetType()).First());
        var doc = Parse(t.ToDisplayString("text/html"));
        Assert.Contains("Tensor [2, 2] Float32", doc.QuerySelector(".nw-summary")!.TextContent);
        using var bmp = DecodeDataUri(doc.QuerySelector("img")!.GetAttribute("src"));
        Assert.Equal(2, bmp.Width);
        AssertPixel(bmp, 1, 0, Expected8(1));
        AssertPixel(bmp, 0, 1, Expected8(-0.5));
        AssertPixel(bmp, 1, 1, Expected8(-1));
        Assert.NotNull(doc.QuerySelector(".nw-legend"));
        var param = new TorchSharp.Modules.Parameter(t.clone(), requires_grad: true);
        Assert.Contains(
            "Tensor [2, 2] Float32",
            Parse(param.ToDisplayString("text/html")).QuerySelector(".nw-summary")!.TextContent
        );
        var plain = t.ToDisplayString("text/plain");
        Assert.StartsWith("Tensor [2, 2] Float32 cpu · min -4 max 4 mean -0.5", plain);
    }

    [Fact]
    public void Tensor_shapes_pick_their_pictures()
    {
        Formatter.ResetToDefault();
        Formatters.Register();
        var vec = Parse(arange(100, dtype: ScalarType.Float32).ToDisplayString("text/html"));
        Assert.Equal(40, vec.QuerySelectorAll("svg rect").Length);
        var rgb = Parse(full(new long[] { 3, 4, 5 }, 0.5f).ToDisplayString("text/html"));
        using (var b = DecodeDataUri(rgb.QuerySelector("img")!.GetAttribute("src")))
        {
            Assert.Equal(5, b.Width);
            Assert.Equal(4, b.Height);
        }
        var conv = Parse(
            randn(new long[] { 64, 3, 7, 7 }, generator: new Generator(3))
                .ToDisplayString("text/html")
        );
        Assert.Equal(64, conv.QuerySelectorAll("img").Length);
        var hidden = Parse(
            randn(new long[] { 20, 30, 3, 3 }, generator: new Generator(4))
                .ToDisplayString("text/html")
        );
        Assert.Equal(16 * 16, hidden.QuerySelectorAll("img.weight").Length);
        var huge = ones(3000, 3000).ToDisplayString("text/html");
        Assert.True(huge.Length < 100_000, $"{huge.Length} chars");
        Assert.Contains("downsampled from 3000x3000", huge);
        Assert.Contains("NaN", tensor(new[] { float.NaN, 1f }).ToDisplayString("text/html"));
    }

    [Fact]
    public void Registered_view_and_chart_formatters()
    {
        Formatter.ResetToDefault();
        Formatters.Register();
        var w = arange(5 * 5 * 8, dtype: ScalarType.Float32).view(5, 5, 8) - 100;
        var row = NeuronWithWeightRow.Create(
            "mixed3a",
            [0, 7],
            w,
            title: "weights to previous layer"
        );
        Assert.Equal(row.ToHtml(), row.ToDisplayString("text/html"));
        var chart = XPlot.Plotly.Chart.Plot(new XPlot.Plotly.Bar { y = new[] { 3.0, 1, 2 } });
        var html = chart.ToDisplayString("text/html");
        Assert.Contains("Plotly.newPlot", html);
        Assert.Contains(PlotlyHtml.PlotlyJsUrl, html);
        Assert.NotNull(Parse(html).QuerySelector(".nw-plotly div[id]"));
    }
}
