using Notebooks.Weights.Rendering;
using static Notebooks.Weights.Tests.Rendering.RenderTestUtil;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Rendering;

public class TensorViewTests
{
    [Fact]
    public void Vector_gets_a_histogram_with_exact_counts()
    {
        var v = TensorView.Of(tensor(new float[] { 0, 0, 1, 2, 3, 4, 4, 4 }));
        var h = Assert.IsType<Histogram>(v.Picture);
        Assert.Equal(40, h.Counts.Count);
        Assert.Equal(2, h.Counts[0]);
        Assert.Equal(3, h.Counts[39]);
        Assert.Equal(1, h.Counts[10]);
        Assert.Equal(8, h.Counts.Sum());
        Assert.Contains("min 0 max 4 mean 2.25", v.Summary);
        Assert.Equal(40, Parse(v.ToHtml()).QuerySelectorAll("rect").Length);
    }

    [Fact]
    public void Native_binning_matches_managed_binning()
    {
        var v = randn(new long[] { 5000 }, generator: new Generator(21));
        var native = Assert.IsType<Histogram>(TensorView.Of(v).Picture);
        var managed = new Histogram(v.data<float>().ToArray());
        Assert.Equal(managed.Counts, native.Counts);
        Assert.Equal(managed.Min, native.Min);
        Assert.Equal(managed.Max, native.Max);
        var constant = Assert.IsType<Histogram>(TensorView.Of(full(7, 2f)).Picture);
        Assert.Equal(7, constant.Counts[0]);
        Assert.Equal(7, constant.Counts.Sum());
    }

    [Fact]
    public void Matrix_gets_a_heatmap_and_legend()
    {
        var v = TensorView.Of(tensor(new float[] { 1, -2 }).view(1, 2));
        var doc = Parse(v.ToHtml());
        Assert.Contains("Tensor [1, 2] Float32", doc.QuerySelector(".nw-summary")!.TextContent);
        using var bmp = DecodeDataUri(doc.QuerySelector("img")!.GetAttribute("src")!);
        AssertPixel(bmp, 0, 0, Expected8(0.5));
        AssertPixel(bmp, 1, 0, Expected8(-1));
        Assert.NotNull(doc.QuerySelector(".nw-legend"));
    }

    [Fact]
    public void Rgb_first_layer_and_hidden_conv_weights()
    {
        var img = TensorView.Of(rand(new long[] { 3, 8, 8 }, generator: new Generator(11)));
        Assert.IsType<Image>(img.Picture);
        var first = TensorView.Of(randn(new long[] { 64, 3, 7, 7 }, generator: new Generator(12)));
        var row = Assert.IsType<ImageRow>(first.Picture);
        Assert.Equal(64, row.Images.Count);
        // unit 9, pixel (ky 2, kx 5), green: 0.5 + 0.5 w / max|w_unit|
        var w = randn(new long[] { 64, 3, 7, 7 }, generator: new Generator(12));
        float want = 0.5f + 0.5f * w[9, 1, 2, 5].item<float>() / w[9].abs().max().item<float>();
        Assert.Equal(want, row.Images[9][2, 5, 1], 5);
        var hidden = TensorView.Of(
            randn(new long[] { 32, 20, 3, 3 }, generator: new Generator(13))
        );
        var sm = Assert.IsType<SmallMultiples>(hidden.Picture);
        Assert.Equal(16, sm.FromUnits.Count);
        Assert.Equal(16, sm.ToUnits.Count);
        Assert.Contains("first 16 of 32 units", hidden.Notes);
        var pointwise = TensorView.Of(
            randn(new long[] { 8, 6, 1, 1 }, generator: new Generator(14))
        );
        Assert.IsType<ImageRow>(pointwise.Picture);
    }

    [Fact]
    public void Huge_tensors_are_downsampled_never_dumped()
    {
        var big = ones(2000, 1500);
        big[0, 0] = tensor(-1f);
        var v = TensorView.Of(big);
        Assert.Contains("downsampled from 2000x1500 to 256x256 by average pooling", v.Notes);
        var html = v.ToHtml();
        Assert.True(html.Length < 200_000, $"html is {html.Length} chars");
        using var bmp = DecodeDataUri(Parse(html).QuerySelector("img")!.GetAttribute("src")!);
        Assert.Equal(256, bmp.Width);
    }

    [Fact]
    public void Nan_empty_and_high_rank_summaries_have_no_picture()
    {
        var nan = TensorView.Of(tensor(new[] { 1f, float.NaN }));
        Assert.Null(nan.Picture);
        Assert.Contains("1 NaN/Inf value(s)", nan.Summary);
        var empty = TensorView.Of(zeros(0, 3));
        Assert.Null(empty.Picture);
        Assert.Contains("empty", empty.Summary);
        var r5 = TensorView.Of(zeros(new long[] { 1, 1, 1, 1, 2 }));
        Assert.Null(r5.Picture);
        Assert.Contains("rank 5: no picture; index it down to ≤ 4 dimensions", r5.Notes);
        Assert.Throws<InvalidOperationException>(() => empty.ToPng());
    }
}
