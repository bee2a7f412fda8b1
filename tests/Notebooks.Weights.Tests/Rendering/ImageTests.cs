using Notebooks.Weights.Rendering;
using static Notebooks.Weights.Tests.Rendering.RenderTestUtil;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Rendering;

public class ImageTests
{
    [Fact]
    public void Hwc_and_chw_tensors_give_the_same_pixels()
    {
        var hwc = arange(2 * 4 * 3, dtype: ScalarType.Float32).view(2, 4, 3) / 23f;
        var a = Image.FromTensor(hwc);
        var b = Image.FromTensor(hwc.permute(2, 0, 1).contiguous());
        Assert.Equal(a.ToRgb8(), b.ToRgb8());
        using var bmp = Decode(a.ToPng());
        // pixel (y=1, x=3) holds values 21,22,23 / 23 → truncated uint8 of v*255
        AssertPixel(bmp, 3, 1, ((byte)(21 / 23f * 255), (byte)(22 / 23f * 255), 255));
    }

    [Fact]
    public void Unit_domain_clips_and_counts_and_minmax_stretches()
    {
        var t = tensor(new float[] { -1, 0, 0.5f, 2 }).view(2, 2);
        var unit = Image.FromTensor(t);
        Assert.Equal(2, unit.ClippedCount);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 127, 127, 127, 255, 255, 255 }, unit.ToRgb8());
        var mm = Image.FromTensor(t, ImageDomain.MinMax);
        Assert.Equal(0, mm.ClippedCount);
        // (v+1)/3: 0, 1/3, 0.5, 1 → 0, 85, 127, 255
        Assert.Equal(
            new byte[] { 0, 85, 127, 255 },
            mm.ToRgb8().Where((_, i) => i % 3 == 0).ToArray()
        );
        var fixedDomain = Image.FromTensor(t, ImageDomain.Fixed(-1, 3));
        Assert.Equal(
            new byte[] { 0, 63, 95, 191 },
            fixedDomain.ToRgb8().Where((_, i) => i % 3 == 0).ToArray()
        );
        Assert.Throws<ArgumentException>(() => ImageDomain.Fixed(1, 1));
    }

    [Fact]
    public void Nearest_upscaling_repeats_pixels_exactly()
    {
        var t = tensor(new float[] { 0, 1, 1, 0 }).view(2, 2);
        var png = Image.FromTensor(t).ToPng(scale: 3);
        using var bmp = Decode(png);
        Assert.Equal(6, bmp.Width);
        Assert.Equal(6, bmp.Height);
        AssertPixel(bmp, 2, 2, (0, 0, 0));
        AssertPixel(bmp, 3, 2, (255, 255, 255));
        AssertPixel(bmp, 2, 3, (255, 255, 255));
        AssertPixel(bmp, 5, 5, (0, 0, 0));
        var up = Image.FromTensor(t).Upscale(2);
        Assert.Equal(4, up.Width);
        Assert.Equal(1f, up[0, 2, 0]);
        Assert.Equal(0f, up[1, 1, 0]);
    }

    [Fact]
    public void Html_is_a_pixelated_data_uri_img()
    {
        var img = Image.FromTensor(ones(4, 4) * 0.5f, displayWidth: 128, label: "<b>x</b>");
        var doc = Parse(img.ToHtml());
        var el = doc.QuerySelector("img")!;
        Assert.Contains("image-rendering:pixelated", el.GetAttribute("style"));
        Assert.Equal("128", el.GetAttribute("width"));
        using var bmp = DecodeDataUri(el.GetAttribute("src")!);
        Assert.Equal(4, bmp.Width);
        AssertPixel(bmp, 3, 3, (127, 127, 127));
        Assert.Equal("<b>x</b>", doc.QuerySelector("figcaption")!.TextContent);
        Assert.Null(doc.QuerySelector("figcaption b"));
    }

    [Fact]
    public void Bad_images_are_clear_errors()
    {
        Assert.Contains(
            "rank 1",
            Assert.Throws<ArgumentException>(() => Image.FromTensor(zeros(5))).Message
        );
        Assert.Contains(
            "batch of 2",
            Assert.Throws<ArgumentException>(() => Image.FromTensor(zeros(2, 3, 4, 4))).Message
        );
        Assert.Equal(4, Image.FromTensor(zeros(1, 3, 5, 4)).Width);
        Assert.Contains(
            "[4, 5, 6]",
            Assert.Throws<ArgumentException>(() => Image.FromTensor(zeros(4, 5, 6))).Message
        );
        Assert.Contains(
            "empty",
            Assert.Throws<ArgumentException>(() => Image.FromTensor(zeros(0, 5, 3))).Message
        );
        Assert.Contains(
            "Infinity",
            Assert
                .Throws<ArgumentException>(() =>
                    Image.FromTensor(full(2, 2, float.PositiveInfinity))
                )
                .Message
        );
    }
}
