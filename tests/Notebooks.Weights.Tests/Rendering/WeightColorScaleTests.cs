using Notebooks.Weights.Rendering;
using static Notebooks.Weights.Tests.Rendering.RenderTestUtil;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Rendering;

public class WeightColorScaleTests
{
    [Theory]
    [InlineData(0.0, 0xf7, 0xf7, 0xf7)]
    [InlineData(0.5, 0xf4, 0xa5, 0x82)]
    [InlineData(1.0, 0xca, 0x00, 0x20)]
    [InlineData(-0.5, 0x92, 0xc5, 0xde)]
    [InlineData(-1.0, 0x05, 0x71, 0xb0)]
    public void Anchors_are_the_fidelity_sheet_hex_colors(double x, int r, int g, int b)
    {
        var (cr, cg, cb) = WeightColorScale.Color(x);
        Assert.Equal(r / 255.0, cr, 6);
        Assert.Equal(g / 255.0, cg, 6);
        Assert.Equal(b / 255.0, cb, 6);
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(-0.25)]
    [InlineData(0.75)]
    [InlineData(-0.9)]
    [InlineData(0.1)]
    [InlineData(1.005)]
    [InlineData(-1.01)]
    public void Between_anchors_is_piecewise_linear(double x)
    {
        var (r, g, b) = WeightColorScale.Color(x);
        var want = Expected(x);
        Assert.Equal(want.R, r, 5);
        Assert.Equal(want.G, g, 5);
        Assert.Equal(want.B, b, 5);
    }

    [Fact]
    public void Quarter_is_the_midpoint_of_gray_and_salmon()
    {
        var (r, g, b) = WeightColorScale.Color(0.25);
        Assert.Equal((0xf7 + 0xf4) / 2.0 / 255, r, 6);
        Assert.Equal((0xf7 + 0xa5) / 2.0 / 255, g, 6);
        Assert.Equal((0xf7 + 0x82) / 2.0 / 255, b, 6);
    }

    [Fact]
    public void Out_of_tolerance_and_NaN_are_clear_errors()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => WeightColorScale.Color(1.02));
        Assert.Contains("1.01", e.Message);
        Assert.Throws<ArgumentException>(() => WeightColorScale.Color(double.NaN));
    }

    [Fact]
    public void Heatmap_normalizes_by_max_abs_and_encodes_exact_png_pixels()
    {
        var w = tensor(new float[] { 0, 1, -2, 4, -4, 0.5f }).view(2, 3);
        var h = WeightColorScale.Heatmap(w);
        Assert.Equal(4, h.Scale, 6);
        Assert.Equal(-4, h.Min);
        Assert.Equal(4, h.Max);
        using var bmp = Decode(h.Image.ToPng());
        Assert.Equal(3, bmp.Width);
        Assert.Equal(2, bmp.Height);
        float[] vals = [0, 1, -2, 4, -4, 0.5f];
        for (int i = 0; i < 6; i++)
            AssertPixel(bmp, i % 3, i / 3, Expected8(vals[i] / 4.0));
    }

    [Fact]
    public void Heatmap_with_explicit_divisor_and_none()
    {
        var w = tensor(new float[] { 0.5f, -1f }).view(1, 2);
        using var bmp = Decode(
            WeightColorScale.Heatmap(w, WeightNormalization.DivideBy(2)).Image.ToPng()
        );
        AssertPixel(bmp, 0, 0, Expected8(0.25));
        AssertPixel(bmp, 1, 0, Expected8(-0.5));
        using var bmp2 = Decode(
            WeightColorScale.Heatmap(w, WeightNormalization.None).Image.ToPng()
        );
        AssertPixel(bmp2, 1, 0, Expected8(-1));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            WeightColorScale.Heatmap(w * 3, WeightNormalization.None)
        );
        Assert.Contains("at [0, 0]", e.Message);
        Assert.Contains("1.01", e.Message);
        Assert.Contains("MaxAbs", e.Message);
    }

    [Fact]
    public void Heatmap_bad_inputs_name_the_problem()
    {
        var rank = Assert.Throws<ArgumentException>(() => WeightColorScale.Heatmap(zeros(2, 3, 4)));
        Assert.Contains("rank 3", rank.Message);
        Assert.Contains("[2, 3, 4]", rank.Message);
        var empty = Assert.Throws<ArgumentException>(() => WeightColorScale.Heatmap(zeros(0, 3)));
        Assert.Contains("empty", empty.Message);
        var nan = Assert.Throws<ArgumentException>(() =>
            WeightColorScale.Heatmap(tensor(new[] { 1f, float.NaN, 2f, 3f }).view(2, 2))
        );
        Assert.Contains("NaN", nan.Message);
        Assert.Contains("[0, 1]", nan.Message);
    }

    [Fact]
    public void All_zero_weights_draw_neutral_gray()
    {
        using var bmp = Decode(WeightColorScale.Heatmap(zeros(2, 2)).Image.ToPng());
        AssertPixel(bmp, 1, 1, (0xf7, 0xf7, 0xf7));
    }
}
