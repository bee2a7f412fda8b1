using Notebooks.Weights.Rendering;
using static Notebooks.Weights.Tests.Rendering.RenderTestUtil;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Rendering;

public class CompositeTests
{
    /// <summary>[5, 5, C] weights with a known value pattern: w[y, x, c] = (c - C/2) * (1 + y) /
    /// 10, so unit c's sign and magnitude are known.</summary>
    static Tensor Weights(int c = 12)
    {
        var y = arange(5, dtype: ScalarType.Float32).view(5, 1, 1);
        var ch = arange(c, dtype: ScalarType.Float32).view(1, 1, c);
        return ((ch - c / 2) * (1 + y) / 10f).expand(5, 5, c).contiguous();
    }

    [Fact]
    public void Row_html_has_one_column_per_unit_with_labels_ranges_legend_and_exact_colors()
    {
        var w = Weights();
        int[] units = [0, 11, 6, 3];
        var row = NeuronWithWeightRow.Create(
            "mixed3a",
            units,
            w,
            title: "weights to previous layer"
        );
        var doc = Parse(row.ToHtml());
        var imgs = doc.QuerySelectorAll("img.weight").ToList();
        Assert.Equal(units.Length, imgs.Count);
        Assert.Equal(
            units.Select(u => $"mixed3a:{u}"),
            doc.QuerySelectorAll(".nw-label").Select(e => e.TextContent)
        );
        Assert.Equal(4, doc.QuerySelectorAll(".featurevis-placeholder").Length);
        Assert.Equal("weights to previous layer", doc.QuerySelector(".nw-title")!.TextContent);
        // max |w| over the whole block: c=0 → -6*5/10 = -3
        Assert.Contains("-3", doc.QuerySelector(".nw-legend")!.TextContent);
        Assert.Equal("68", imgs[0].GetAttribute("width")); // mixed3a: 60 → min 70 → 68 px images
        for (int k = 0; k < units.Length; k++)
        {
            using var bmp = DecodeDataUri(imgs[k].GetAttribute("src")!);
            Assert.Equal(5, bmp.Width);
            Assert.Equal(5, bmp.Height);
            for (int y = 0; y < 5; y++)
                AssertPixel(bmp, 2, y, Expected8((units[k] - 6) * (1 + y) / 10.0 / 3.0), tol: 1);
        }
        Assert.Equal("[-3, -0.6]", doc.QuerySelectorAll(".nw-range")[0].TextContent);
    }

    [Fact]
    public void Ten_unit_row_is_under_100_kb_and_feature_vis_is_used()
    {
        var w = Weights(40);
        var fv = Image.FromTensor(
            rand(new long[] { 60, 60, 3 }, generator: new TorchSharp.torch.Generator(1))
        );
        var row = NeuronWithWeightRow.Create(
            "mixed4a",
            Enumerable.Range(0, 10).ToList(),
            w,
            featureVis: u => u % 2 == 0 ? fv : null
        );
        var html = row.ToHtml();
        Assert.True(html.Length < 100_000, $"10-unit row is {html.Length} bytes");
        var doc = Parse(html);
        Assert.Equal(5, doc.QuerySelectorAll("img.featurevis").Length);
        Assert.Equal(5, doc.QuerySelectorAll(".featurevis-placeholder").Length);
        Assert.Equal("98", doc.QuerySelector("img.featurevis")!.GetAttribute("width")); // mixed4a 100 px
    }

    [Fact]
    public void Row_png_lays_out_feature_vis_above_weights()
    {
        var w = Weights();
        var row = NeuronWithWeightRow.Create("conv", [0, 11], w);
        using var bmp = Decode(row.ToPng());
        Assert.Equal(68 * 2 + 2, bmp.Width);
        Assert.Equal(2 * 68 + 14, bmp.Height);
        AssertPixel(bmp, 10, 10, (224, 224, 224)); // placeholder
        // weight of unit 0 at row y=4 (bottom cell rows 68+4*68/5 ...): value -3 → -1
        AssertPixel(bmp, 10, 68 + 67, Expected8(-1), tol: 1);
        AssertPixel(bmp, 70 + 10, 68 + 67, Expected8(5 * 5 / 10.0 / 3.0), tol: 1);
    }

    [Fact]
    public void Row_bad_inputs_are_clear()
    {
        var w = Weights(4);
        var longer = Assert.Throws<ArgumentException>(() =>
            NeuronWithWeightRow.Create("mixed3a", [0, 1, 2, 3, 0], w)
        );
        Assert.Contains("5 units requested but layer mixed3a has only 4", longer.Message);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() =>
            NeuronWithWeightRow.Create("mixed3a", [7], w)
        );
        Assert.Contains("unit 7 is out of range for layer mixed3a with 4 units", range.Message);
        Assert.Contains(
            "rank 2",
            Assert
                .Throws<ArgumentException>(() => NeuronWithWeightRow.Create("l", [0], zeros(5, 5)))
                .Message
        );
        Assert.Contains(
            "empty",
            Assert.Throws<ArgumentException>(() => NeuronWithWeightRow.Create("l", [], w)).Message
        );
        var nan = w.clone();
        nan[1, 2, 3] = tensor(float.NaN);
        Assert.Contains(
            "[1, 2, 3]",
            Assert
                .Throws<ArgumentException>(() => NeuronWithWeightRow.Create("l", [0], nan))
                .Message
        );
        Assert.Contains(
            "2 units but 1 pictures",
            Assert
                .Throws<ArgumentException>(() =>
                    NeuronWithWeightRow.Preselected("l", [0, 1], [zeros(3, 3)])
                )
                .Message
        );
        Assert.Contains(
            "more than the 4 units",
            Assert
                .Throws<ArgumentOutOfRangeException>(() => NeuronWithWeightRow.TopUnits(w, 5))
                .Message
        );
    }

    [Fact]
    public void Top_units_sort_by_decreasing_l2_norm()
    {
        // unit c has norm |c - 6| * const: largest for c = 0, then 11 / 1 (|5|), then 10 / 2 ...
        Assert.Equal(new[] { 0, 1, 11, 2, 10 }, NeuronWithWeightRow.TopUnits(Weights(), 5));
    }

    [Fact]
    public void Preselected_rgb_and_heatmap_variants()
    {
        var rgb = NeuronWithWeightRow.Preselected(
            "mixed3b",
            [320, 321],
            [full(new long[] { 3, 3, 3 }, 0.5f), zeros(3, 3, 3)]
        );
        Assert.Null(rgb.Legend);
        var doc = Parse(rgb.ToHtml());
        using var b0 = DecodeDataUri(doc.QuerySelectorAll("img.weight")[0].GetAttribute("src")!);
        AssertPixel(b0, 1, 1, (127, 127, 127));
        var heat = NeuronWithWeightRow.Preselected(
            "mixed3a",
            [110, 180],
            [full(2, 2, 0.5f), full(2, 2, -2f)]
        );
        Assert.Equal(2, heat.Legend!.Scale, 6);
        using var b1 = DecodeDataUri(
            Parse(heat.ToHtml()).QuerySelectorAll("img.weight")[0].GetAttribute("src")!
        );
        AssertPixel(b1, 0, 0, Expected8(0.25), tol: 1);
        Assert.Contains(
            "[0, 1]",
            Assert
                .Throws<ArgumentOutOfRangeException>(() =>
                    NeuronWithWeightRow.Preselected("l", [0], [full(new long[] { 2, 2, 3 }, 2f)])
                )
                .Message
        );
    }

    [Fact]
    public void Labels_are_escaped()
    {
        var row = NeuronWithWeightRow.Create(
            "<script>alert(1)</script>",
            [0],
            Weights(2),
            title: "a & <b>"
        );
        var html = row.ToHtml();
        Assert.DoesNotContain("<script>", html);
        var doc = Parse(html);
        Assert.Empty(doc.QuerySelectorAll("script"));
        Assert.Equal("<script>alert(1)</script>:0", doc.QuerySelector(".nw-label")!.TextContent);
        Assert.Equal("a & <b>", doc.QuerySelector(".nw-title")!.TextContent);
    }

    [Fact]
    public void Small_multiples_cells_share_one_scale()
    {
        // [3, 3, C1=4, C2=5], w = (i + 1) * (j - 2) with i, j the unit indices
        var i = arange(4, dtype: ScalarType.Float32).view(1, 1, 4, 1);
        var j = arange(5, dtype: ScalarType.Float32).view(1, 1, 1, 5);
        var w = ((i + 1) * (j - 2)).expand(3, 3, 4, 5).contiguous();
        var sm = SmallMultiples.Create(w, "mixed3a", [0, 3], "mixed3b", [0, 4, 2]);
        // selection max |w| = 4 * 2 = 8
        Assert.Equal(8, sm.Legend.Scale, 6);
        var doc = Parse(sm.ToHtml());
        var imgs = doc.QuerySelectorAll("img.weight").ToList();
        Assert.Equal(6, imgs.Count);
        Assert.Equal(
            ["mixed3b:0", "mixed3b:4", "mixed3b:2"],
            doc.QuerySelectorAll("tr")[0].QuerySelectorAll("th").Skip(1).Select(e => e.TextContent)
        );
        Assert.Equal("mixed3a:3", doc.QuerySelectorAll("tr")[2].QuerySelector("th")!.TextContent);
        using var cell = DecodeDataUri(imgs[3].GetAttribute("src")!); // row unit 3, col unit 0: 4 * -2 = -8
        AssertPixel(cell, 1, 1, Expected8(-1));
        using var cell2 = DecodeDataUri(imgs[1].GetAttribute("src")!); // row 0, col 4: 1 * 2 = 2
        AssertPixel(cell2, 0, 2, Expected8(0.25));
        using var png = Decode(sm.ToPng());
        AssertPixel(png, 50 + 10, 10, Expected8(0.25));
        Assert.Contains(
            "has only 5",
            Assert
                .Throws<ArgumentException>(() =>
                    SmallMultiples.Create(w, "a", [0], "b", [0, 1, 2, 3, 4, 0])
                )
                .Message
        );
        var fv = Image.FromTensor(zeros(2, 2));
        var withVis = SmallMultiples.Create(
            w,
            "mixed3a",
            [0, 3],
            "mixed3b",
            [0, 4, 2],
            featureVis: (l, u) => l == "mixed3b" && u == 4 ? fv : null,
            title: "curves"
        );
        var vdoc = Parse(withVis.ToHtml());
        Assert.Single(vdoc.QuerySelectorAll("img.featurevis"));
        Assert.Equal(
            "mixed3b:4",
            vdoc.QuerySelectorAll("tr")[0].QuerySelectorAll("th")[2].TextContent
        );
        Assert.Equal("curves", vdoc.QuerySelector(".nw-title")!.TextContent);
    }

    [Fact]
    public void Img_grid_fades_by_magnitude_pads_and_separates_like_build_img_grid()
    {
        // 2x2 grid of 3x3 cells; cell (i, j) is constant (i*2 + j + 1) / 4
        var vals = tensor(new float[] { 0.25f, 0.5f, 0.75f, 1f }).view(2, 2, 1, 1, 1);
        var imgs = vals.expand(2, 2, 3, 3, 3).contiguous();
        var mags = tensor(new float[] { 2, 4, 0, 1 }).view(2, 2);
        var g = ImgGrid.Build(imgs, mags, ((1, 0), (0, 1)));
        // padded grid 3x3 cells of 4 px (3 + 1 separator)
        Assert.Equal(12, g.Height);
        Assert.Equal(12, g.Width);
        Assert.Equal(0.9f, g[0, 0, 0]); // top padding row
        Assert.Equal(1f, g[3, 0, 0]); // separator row of padded cell
        Assert.Equal(0.25f * 0.5f + 0.9f * 0.5f, g[4, 0, 1], 5); // cell (0,0), m = 2/4
        Assert.Equal(0.5f, g[5, 5, 2], 5); // cell (0,1), m = 1
        Assert.Equal(0.9f, g[9, 1, 0], 5); // cell (1,0), m = 0 → pure 0.9
        Assert.Equal(1f * 0.25f + 0.9f * 0.75f, g[10, 6, 0], 5); // cell (1,1), m = 1/4
        Assert.Equal(0.9f, g[5, 9, 0]); // right padding column
        Assert.Equal(1f, g[5, 7, 0]); // cell separator column
        var noMag = ImgGrid.Build(imgs);
        Assert.Equal(8, noMag.Width);
        Assert.Equal(1f, noMag[4, 4, 0]);
        Assert.Contains(
            "[A, B, S, S, 3]",
            Assert
                .Throws<ArgumentException>(() => ImgGrid.Build(zeros(new long[] { 2, 2, 3, 4, 3 })))
                .Message
        );
    }

    [Fact]
    public void First_layer_filters_follow_show_ws()
    {
        // 2 filters [O=2, I=3, 1, 2]; filter 0 max |w| 2, filter 1 max |w| 4 (global max 4)
        var w = tensor(
                new float[]
                {
                    2,
                    -1,
                    0,
                    1,
                    0,
                    0, /* unit 1 */
                    4,
                    0,
                    0,
                    -4,
                    2,
                    0,
                }
            )
            .view(2, 3, 1, 2);
        var row = ImageRow.FirstLayerFilters(w, [1, 0]);
        Assert.Equal(["1", "0"], row.Images.Select(i => i.Label));
        // unit 1 pixel (0,0) rgb = w[1, :, 0, 0] = (4, 0, 2): 0.5 + 0.05 w/4 + 0.45 w/4
        var u1 = row.Images[0];
        Assert.Equal(0.5f + 0.5f, u1[0, 0, 0], 5);
        Assert.Equal(0.5f, u1[0, 0, 1], 5);
        Assert.Equal(0.5f + 0.25f, u1[0, 0, 2], 5);
        var u0 = row.Images[1]; // w[0, :, 0, 1] = (-1, 1, 0)
        Assert.Equal(0.5f - 0.05f / 2 - 0.45f / 4, u0[0, 1, 0], 5);
        Assert.NotNull(Parse(row.ToHtml()).QuerySelector(".nw-legend"));
        Assert.Contains(
            "3 input channels",
            Assert
                .Throws<ArgumentException>(() => ImageRow.FirstLayerFilters(zeros(2, 4, 3, 3), [0]))
                .Message
        );
    }
}

public class WeightInContextTests
{
    [Fact]
    public void Connection_with_context_shows_both_units_and_the_heatmap()
    {
        var w = tensor(new float[] { 1, 0, 0, -0.5f }).view(2, 2);
        var fv = Image.FromTensor(full(new long[] { 4, 4, 3 }, 0.25f));
        var v = new WeightInContext(
            "mixed3a",
            147,
            "mixed3b",
            379,
            w,
            WeightNormalization.DivideBy(2),
            fromVis: fv
        );
        var doc = Parse(v.ToHtml());
        var labels = doc.QuerySelectorAll(".nw-label").Select(e => e.TextContent).ToList();
        Assert.Equal("mixed3a:147", labels[0]);
        Assert.StartsWith("mixed3a:147 → mixed3b:379 [-0.5, 1]", labels[1]);
        Assert.Equal("mixed3b:379", labels[2]);
        Assert.Single(doc.QuerySelectorAll(".featurevis-placeholder"));
        using var heat = DecodeDataUri(doc.QuerySelector("img.weight")!.GetAttribute("src")!);
        AssertPixel(heat, 0, 0, Expected8(0.5));
        AssertPixel(heat, 1, 1, Expected8(-0.25));
        using var png = Decode(v.ToPng());
        AssertPixel(png, 5, 5, (63, 63, 63)); // from-unit feature vis (0.25)
        AssertPixel(png, 128 + 8 + 5, 5, Expected8(0.5)); // heatmap top-left
        AssertPixel(png, 2 * 128 + 16 + 5, 5, (224, 224, 224)); // to-unit placeholder
        Assert.Contains(
            "rank 3",
            Assert
                .Throws<ArgumentException>(() =>
                    new WeightInContext("a", 0, "b", 0, zeros(2, 2, 2))
                )
                .Message
        );
    }
}
