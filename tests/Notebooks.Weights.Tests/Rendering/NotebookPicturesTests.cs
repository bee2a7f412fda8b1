using Notebooks.Weights.Models.InceptionV1;
using Notebooks.Weights.Rendering;
using static Notebooks.Weights.Tests.Rendering.RenderTestUtil;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Rendering;

/// <summary>
/// The notebook's first-section pictures from a real model's parameters (InceptionV1 architecture,
/// seeded init: the pipeline and the numbers are what is checked here, not the trained weights).
/// </summary>
public class NotebookPicturesTests
{
    [Fact]
    public void First_layer_filters_in_pca_order_from_model_parameters()
    {
        using var model = InceptionV1Model.Create(seed: 1);
        using var scope = NewDisposeScope();
        var w0 = model.Parameters["conv2d0_w"]; // OIHW [64, 3, 7, 7]
        var w1 = model.Parameters["conv2d1_w"]; // OIHW [64, 64, 1, 1]
        // ChannelReducer(1, "PCA").fit_transform(|conv2d1_w|[0, 0]) written independently: rows =
        // conv2d0 units.
        var x = w1[.., .., 0, 0].abs().t(); // [in 64, out 64]
        var xc = x - x.mean([0], keepdim: true);
        var (_, _, vh) = linalg.svd(xc, fullMatrices: false);
        var scores = xc.matmul(vh[0]);
        var order = scores.argsort().data<long>().Select(v => (int)v).ToArray();
        var pics = NotebookPictures.FirstLayerFilters(w0, order);
        Assert.Equal(4, pics.Views.Count);
        var rows = pics.Views.Cast<ImageRow>().ToList();
        Assert.Equal(
            order.Select(o => o.ToString()),
            rows.SelectMany(r => r.Images).Select(i => i.Label)
        );
        // pixel check of the first shown filter at (ky=3, kx=4), channel 1: 0.5 + 0.05
        // w/max|w_unit| + 0.45 w/max|w_all|
        int u = order[0];
        float wv = w0[u, 1, 3, 4].item<float>(),
            mu = w0[u].abs().max().item<float>(),
            ma = w0.abs().max().item<float>();
        Assert.Equal(0.5f + 0.05f * wv / mu + 0.45f * wv / ma, rows[0].Images[0][3, 4, 1], 4);
        using var png = Decode(pics.ToPng());
        Assert.Equal(16 * 66 - 2, png.Width);
        Assert.Contains(
            "first layer has only 64",
            Assert
                .Throws<ArgumentException>(() =>
                    NotebookPictures.FirstLayerFilters(w0, Enumerable.Range(0, 65).ToList())
                )
                .Message
        );
    }

    [Fact]
    public void Top_connections_in_and_out_with_standalone_report()
    {
        using var model = InceptionV1Model.Create(seed: 2);
        using var scope = NewDisposeScope();
        int unit = 5;
        var prev = model.Parameters["conv2d2_w"][unit].permute(1, 2, 0).contiguous(); // [3, 3, 64]: conv2d1 → conv2d2:5
        var next = model.Parameters["mixed3a_1x1_w"][.., unit].permute(1, 2, 0).contiguous(); // [1, 1, 64]: conv2d2:5 → mixed3a_1x1
        var pics = NotebookPictures.TopConnections(
            "conv2d2",
            unit,
            "conv2d1",
            prev,
            "mixed3a_1x1",
            next,
            top: 10
        );
        var doc = Parse(pics.ToHtml());
        var titles = doc.QuerySelectorAll(".nw-title").Select(e => e.TextContent).ToList();
        Assert.Equal(
            [
                "weights to previous layer (conv2d1 → conv2d2:5)",
                "weights to next layer (conv2d2:5 → mixed3a_1x1)",
            ],
            titles
        );
        // independent top-10 by L2 norm over the spatial axes
        var wantPrev = prev.pow(2)
            .sum([0, 1])
            .argsort(descending: true)[..10]
            .data<long>()
            .Select(v => $"conv2d1:{v}")
            .ToList();
        var rows = doc.QuerySelectorAll(".nw-row").ToList();
        Assert.Equal(wantPrev, rows[0].QuerySelectorAll(".nw-label").Select(e => e.TextContent));
        Assert.Equal(10, rows[1].QuerySelectorAll("img.weight").Length);
        // first column color at (0, 0): prev[0, 0, top1] / max |prev|
        int top1 = int.Parse(wantPrev[0].Split(':')[1]);
        double expected = prev[0, 0, top1].item<float>() / prev.abs().max().item<float>();
        using (var bmp = DecodeDataUri(rows[0].QuerySelector("img.weight")!.GetAttribute("src")!))
            AssertPixel(bmp, 0, 0, Expected8(expected), tol: 1);
        var dir = Directory.CreateTempSubdirectory("nw-pictures-");
        try
        {
            var path = new HtmlReport("top connections")
                .Add(pics)
                .Save(Path.Combine(dir.FullName, "top.html"));
            var html = File.ReadAllText(path);
            Assert.True(html.Length < 100_000, $"report is {html.Length} bytes");
            Assert.Equal(20, Parse(html).QuerySelectorAll("img.weight").Length);
            using var png = Decode(pics.ToPng());
            Assert.True(png.Height > 2 * 68 * 2);
        }
        finally
        {
            dir.Delete(true);
        }
        Assert.Contains(
            "more than the 64 units",
            Assert
                .Throws<ArgumentOutOfRangeException>(() =>
                    NotebookPictures.TopConnections(
                        "conv2d2",
                        unit,
                        "conv2d1",
                        prev,
                        null,
                        null,
                        top: 65
                    )
                )
                .Message
        );
    }
}
