using AngleSharp.Html.Parser;
using SkiaSharp;

namespace Notebooks.Weights.Tests.Rendering;

/// <summary>Independent decoding helpers: AngleSharp for HTML, SkiaSharp for PNG, and the
/// fidelity-sheet color formula.</summary>
static class RenderTestUtil
{
    public static AngleSharp.Html.Dom.IHtmlDocument Parse(string html) =>
        new HtmlParser().ParseDocument(html);

    public static SKBitmap DecodeDataUri(string src)
    {
        const string prefix = "data:image/png;base64,";
        Assert.StartsWith(prefix, src);
        var bmp = SKBitmap.Decode(Convert.FromBase64String(src[prefix.Length..]));
        Assert.NotNull(bmp);
        return bmp;
    }

    public static SKBitmap Decode(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        var bmp = SKBitmap.Decode(png);
        Assert.NotNull(bmp);
        return bmp;
    }

    /// <summary>The fidelity-sheet scale written out independently: anchors and linear segments, in
    /// 0..1 floats.</summary>
    public static (double R, double G, double B) Expected(double x)
    {
        static (double, double, double) H(int rgb) =>
            (((rgb >> 16) & 255) / 255.0, ((rgb >> 8) & 255) / 255.0, (rgb & 255) / 255.0);
        var zero = H(0xf7f7f7);
        var (mid, end) = x >= 0 ? (H(0xf4a582), H(0xca0020)) : (H(0x92c5de), H(0x0571b0));
        double a = Math.Abs(x);
        var (p, q, t) = a < 0.5 ? (zero, mid, a / 0.5) : (mid, end, (a - 0.5) / 0.5);
        return (
            p.Item1 + (q.Item1 - p.Item1) * t,
            p.Item2 + (q.Item2 - p.Item2) * t,
            p.Item3 + (q.Item3 - p.Item3) * t
        );
    }

    /// <summary>Expected 8-bit color: clip to [0, 1], times 255, truncate (Lucid's uint8
    /// cast).</summary>
    public static (byte R, byte G, byte B) Expected8(double x)
    {
        var (r, g, b) = Expected(x);
        static byte T(double v) => (byte)(Math.Clamp(v, 0, 1) * 255);
        return (T(r), T(g), T(b));
    }

    public static void AssertPixel(
        SKBitmap bmp,
        int x,
        int y,
        (byte R, byte G, byte B) want,
        int tol = 0
    )
    {
        var c = bmp.GetPixel(x, y);
        Assert.True(
            Math.Abs(c.Red - want.R) <= tol
                && Math.Abs(c.Green - want.G) <= tol
                && Math.Abs(c.Blue - want.B) <= tol,
            $"pixel ({x},{y}) is {c.Red},{c.Green},{c.Blue}; expected {want.R},{want.G},{want.B} (±{tol})"
        );
    }
}
