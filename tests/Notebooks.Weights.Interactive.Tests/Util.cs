using AngleSharp.Html.Parser;
using SkiaSharp;

namespace Notebooks.Weights.Interactive.Tests;

static class Util
{
    public static AngleSharp.Html.Dom.IHtmlDocument Parse(string html) =>
        new HtmlParser().ParseDocument(html);

    public static SKBitmap DecodeDataUri(string? src)
    {
        const string prefix = "data:image/png;base64,";
        Assert.NotNull(src);
        Assert.StartsWith(prefix, src);
        var bmp = SKBitmap.Decode(Convert.FromBase64String(src[prefix.Length..]));
        Assert.NotNull(bmp);
        return bmp;
    }

    /// <summary>The fidelity-sheet color of normalized x, as truncated 8-bit values.</summary>
    public static (byte R, byte G, byte B) Expected8(double x)
    {
        static (double, double, double) H(int rgb) =>
            (((rgb >> 16) & 255) / 255.0, ((rgb >> 8) & 255) / 255.0, (rgb & 255) / 255.0);
        var zero = H(0xf7f7f7);
        var (mid, end) = x >= 0 ? (H(0xf4a582), H(0xca0020)) : (H(0x92c5de), H(0x0571b0));
        double a = Math.Abs(x);
        var (p, q, t) = a < 0.5 ? (zero, mid, a / 0.5) : (mid, end, (a - 0.5) / 0.5);
        static byte T(double v) => (byte)(Math.Clamp(v, 0, 1) * 255);
        return (
            T(p.Item1 + (q.Item1 - p.Item1) * t),
            T(p.Item2 + (q.Item2 - p.Item2) * t),
            T(p.Item3 + (q.Item3 - p.Item3) * t)
        );
    }

    public static void AssertPixel(
        SKBitmap bmp,
        int x,
        int y,
        (byte R, byte G, byte B) want,
        int tol = 1
    )
    {
        var c = bmp.GetPixel(x, y);
        Assert.True(
            Math.Abs(c.Red - want.R) <= tol
                && Math.Abs(c.Green - want.G) <= tol
                && Math.Abs(c.Blue - want.B) <= tol,
            $"pixel ({x},{y}) is {c.Red},{c.Green},{c.Blue}; expected {want.R},{want.G},{want.B}"
        );
    }

    /// <summary>The repository root (the folder holding Notebooks.Weights.sln).</summary>
    public static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Notebooks.Weights.sln")))
            d = d.Parent;
        return d?.FullName
            ?? throw new InvalidOperationException(
                "Notebooks.Weights.sln not found above " + AppContext.BaseDirectory
            );
    }
}
