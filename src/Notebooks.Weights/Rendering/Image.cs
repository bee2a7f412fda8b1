using System.Runtime.InteropServices;
using SkiaSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Rendering;

/// <summary>
/// An RGB (or grayscale) float image with a display <see cref="Domain"/>, like Lucid's <c>show</c>:
/// values are mapped from the domain to 0..255 (clip, scale, truncate to uint8), encoded as PNG
/// through SkiaSharp, and shown with <c>image-rendering: pixelated</c> so small weight grids
/// upscale without blur.
/// </summary>
public sealed class Image : View
{
    readonly float[] _pixels;

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>1 (grayscale) or 3 (RGB).</summary>
    public int Channels { get; }

    /// <summary>The value range mapped to 0..255.</summary>
    public ImageDomain Domain { get; }

    /// <summary>CSS width in pixels for HTML (Lucid's <c>w=</c>); null shows the image at 4 CSS px
    /// per pixel up to 256 px.</summary>
    public int? DisplayWidth { get; init; }

    /// <summary>Optional caption under the image (escaped).</summary>
    public string? Label { get; init; }

    /// <summary>Creates an image from H*W*C values in row-major HWC order.</summary>
    public Image(int height, int width, int channels, float[] pixels, ImageDomain? domain = null)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"image size must be positive, got {height}x{width}");
        if (channels is not (1 or 3))
            throw new ArgumentException(
                $"image must have 1 or 3 channels, got {channels}",
                nameof(channels)
            );
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length != height * width * channels)
            throw new ArgumentException(
                $"pixel array has {pixels.Length} values; a {height}x{width}x{channels} image needs {height * width * channels}",
                nameof(pixels)
            );
        TensorData.CheckFinite(pixels, [height, width, channels], "image pixels");
        Height = height;
        Width = width;
        Channels = channels;
        _pixels = pixels;
        Domain = domain ?? ImageDomain.Unit;
    }

    /// <summary>
    /// An image from a tensor: [H, W] grayscale, [H, W, 3] or [3, H, W] RGB (also [H, W, 1] / [1,
    /// H, W]).
    /// <paramref name="domain"/> defaults to (0, 1) like <c>show</c>; pass
    /// <see cref="ImageDomain.MinMax"/> for raw data. When both the first and last axes have size 3
    /// the last axis is taken as channels (HWC, the Lucid layout). A batch of one ([1, H, W, 3] /
    /// [1, 3, H, W], as feature visualization returns) is accepted; larger batches are an error.
    /// </summary>
    public static Image FromTensor(
        Tensor image,
        ImageDomain? domain = null,
        int? displayWidth = null,
        string? label = null
    )
    {
        TensorData.RequireRank(
            image,
            nameof(image),
            "[H, W], [H, W, 3] or [3, H, W] (or a batch of one of those)",
            2,
            3,
            4
        );
        using var scope = NewDisposeScope();
        if (image.dim() == 4)
        {
            if (image.shape[0] != 1)
                throw new ArgumentException(
                    $"image is a batch of {image.shape[0]} (shape {TensorData.Shape(image)}); pick one (t[i]) or use ImageRow.FromTensor for the batch",
                    nameof(image)
                );
            image = image[0];
        }
        Tensor hwc = image;
        if (image.dim() == 2)
            hwc = image.unsqueeze(-1);
        else if (image.shape[2] is 3 or 1)
            hwc = image;
        else if (image.shape[0] is 3 or 1)
            hwc = image.permute(1, 2, 0);
        else
            throw new ArgumentException(
                $"image must be [H, W], [H, W, 3] or [3, H, W]; got shape {TensorData.Shape(image)} (no axis of size 3 or 1 for channels)",
                nameof(image)
            );
        var data = TensorData.Floats(hwc, nameof(image));
        return new Image((int)hwc.shape[0], (int)hwc.shape[1], (int)hwc.shape[2], data, domain)
        {
            DisplayWidth = displayWidth,
            Label = label,
        };
    }

    /// <summary>A copy with another display width / label.</summary>
    public Image With(int? displayWidth = null, string? label = null) =>
        new(Height, Width, Channels, _pixels, Domain)
        {
            DisplayWidth = displayWidth ?? DisplayWidth,
            Label = label ?? Label,
        };

    /// <summary>The raw value at (y, x, c).</summary>
    public float this[int y, int x, int c] => _pixels[(y * Width + x) * Channels + c];

    /// <summary>The (lo, hi) actually used for encoding (resolves
    /// <see cref="ImageDomain.MinMax"/>).</summary>
    public (double Lo, double Hi) EffectiveDomain
    {
        get
        {
            if (!Domain.IsAuto)
                return (Domain.Min!.Value, Domain.Max!.Value);
            return (_pixels.Min(), _pixels.Max());
        }
    }

    /// <summary>How many values fall outside the domain and are clipped when encoding.</summary>
    public int ClippedCount
    {
        get
        {
            var (lo, hi) = EffectiveDomain;
            return _pixels.Count(v => v < lo || v > hi);
        }
    }

    /// <summary>8-bit RGB, H*W*3 bytes: (v - lo) / (hi - lo), clipped to [0, 1], times 255,
    /// truncated (Lucid's <c>_normalize_array</c> + uint8).</summary>
    public byte[] ToRgb8()
    {
        var (lo, hi) = EffectiveDomain;
        double range = hi - lo;
        var rgb = new byte[Height * Width * 3];
        for (int p = 0; p < Height * Width; p++)
        for (int c = 0; c < 3; c++)
        {
            double v = _pixels[p * Channels + (Channels == 1 ? 0 : c)];
            double n = range > 0 ? (v - lo) / range : 0;
            n = Math.Clamp(n, 0, 1);
            rgb[p * 3 + c] = (byte)(n * 255);
        }
        return rgb;
    }

    /// <summary>PNG bytes, upscaled by an integer <paramref name="scale"/> with nearest-neighbour
    /// sampling.</summary>
    public byte[] ToPng(int scale) => Png.Encode(ToRgb8(), Height, Width, scale);

    /// <inheritdoc />
    public override byte[] ToPng() => ToPng(1);

    /// <summary>A nearest-neighbour upscaled copy (each pixel becomes factor x factor).</summary>
    public Image Upscale(int factor)
    {
        if (factor < 1)
            throw new ArgumentOutOfRangeException(
                nameof(factor),
                factor,
                "upscale factor must be >= 1"
            );
        var dst = new float[Height * factor * Width * factor * Channels];
        int w2 = Width * factor;
        for (int y = 0; y < Height * factor; y++)
        for (int x = 0; x < w2; x++)
        for (int c = 0; c < Channels; c++)
            dst[(y * w2 + x) * Channels + c] = _pixels[
                ((y / factor) * Width + x / factor) * Channels + c
            ];
        return new Image(Height * factor, w2, Channels, dst, Domain)
        {
            DisplayWidth = DisplayWidth,
            Label = Label,
        };
    }

    /// <summary>The CSS width used in HTML.</summary>
    public int CssWidth => DisplayWidth ?? Math.Min(256, Math.Max(Width * 4, Width));

    /// <summary>An <c>&lt;img&gt;</c> with a PNG data URI, pixelated, at
    /// <see cref="CssWidth"/>.</summary>
    public string ImgTag(
        int? cssWidth = null,
        string? cssClass = null,
        string? title = null,
        int? cssHeight = null
    )
    {
        int w = cssWidth ?? CssWidth;
        int h = cssHeight ?? Math.Max(1, (int)Math.Round(w * (double)Height / Width));
        var clipped = ClippedCount;
        var tip = title
            ?? $"{Height}x{Width}, domain {Domain}"
                + (clipped > 0 ? $", {clipped} value(s) clipped" : "");
        return $"<img src=\"{Html.PngDataUri(ToPng())}\" width=\"{w}\" height=\"{h}\" style=\"image-rendering:pixelated;width:{w}px;height:{h}px\""
            + (cssClass is null ? "" : $" class=\"{Html.Escape(cssClass)}\"")
            + $" title=\"{Html.Escape(tip)}\" alt=\"{Html.Escape(Label ?? "image")}\">";
    }

    /// <inheritdoc />
    public override string ToHtml() =>
        Label is null
            ? $"<div class=\"nw-image\" style=\"display:inline-block\">{ImgTag()}</div>"
            : $"<figure class=\"nw-image\" style=\"display:inline-block;margin:2px;text-align:center\">{ImgTag()}<figcaption style=\"font:11px sans-serif\">{Html.Escape(Label)}</figcaption></figure>";

    /// <inheritdoc />
    public override string ToString() => $"Image {Height}x{Width}x{Channels}, domain {Domain}";
}

/// <summary>PNG encoding through SkiaSharp.</summary>
public static class Png
{
    /// <summary>Encodes H*W*3 RGB bytes as PNG, optionally upscaled by an integer factor (nearest
    /// neighbour).</summary>
    public static byte[] Encode(byte[] rgb, int height, int width, int scale = 1)
    {
        if (scale < 1)
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be >= 1");
        if (rgb.Length != height * width * 3)
            throw new ArgumentException(
                $"expected {height * width * 3} RGB bytes, got {rgb.Length}",
                nameof(rgb)
            );
        int h = height * scale,
            w = width * scale;
        var rgba = new byte[h * w * 4];
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            int s = ((y / scale) * width + x / scale) * 3,
                d = (y * w + x) * 4;
            rgba[d] = rgb[s];
            rgba[d + 1] = rgb[s + 1];
            rgba[d + 2] = rgb[s + 2];
            rgba[d + 3] = 255;
        }
        using var bitmap = new SKBitmap(
            new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque)
        );
        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
