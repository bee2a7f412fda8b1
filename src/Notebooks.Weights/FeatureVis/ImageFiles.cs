using SkiaSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.FeatureVis;

/// <summary>
/// PNG/JPEG in and out for feature-visualization images ([H, W, 3] floats in [0,1]). Writing
/// follows Lucid's <c>_image_url</c>: clip to [0,1], scale by 255, truncate to uint8. (A small
/// private helper until the Rendering namespace provides a shared one.)
/// </summary>
public static class ImageFiles
{
    /// <summary>Saves an [H, W, 3] image in [0,1] as PNG.</summary>
    public static void SavePng(Tensor hwc, string path)
    {
        IO.AtomicFile.Write(path, EncodePng(hwc));
    }

    /// <summary>PNG bytes of an [H, W, 3] image in [0,1].</summary>
    public static byte[] EncodePng(Tensor hwc) => Encode(hwc, SKEncodedImageFormat.Png, 100);

    /// <summary>JPEG bytes of an [H, W, 3] image in [0,1] (used by tests serving Lucid-style
    /// files).</summary>
    public static byte[] EncodeJpeg(Tensor hwc, int quality = 95) =>
        Encode(hwc, SKEncodedImageFormat.Jpeg, quality);

    static byte[] Encode(Tensor hwc, SKEncodedImageFormat format, int quality)
    {
        if (hwc.dim() != 3 || hwc.shape[2] != 3)
            throw new ArgumentException(
                $"Expected an image [H, W, 3]; got [{string.Join(", ", hwc.shape)}].",
                nameof(hwc)
            );
        int h = (int)hwc.shape[0],
            w = (int)hwc.shape[1];
        var px = hwc.detach()
            .cpu()
            .to(ScalarType.Float32)
            .clamp(0, 1)
            .mul(255)
            .contiguous()
            .data<float>()
            .ToArray();
        using var bmp = new SKBitmap(
            new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque)
        );
        var buf = new byte[w * h * 4];
        for (int i = 0; i < w * h; i++)
        {
            buf[4 * i] = (byte)px[3 * i];
            buf[4 * i + 1] = (byte)px[3 * i + 1];
            buf[4 * i + 2] = (byte)px[3 * i + 2];
            buf[4 * i + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(buf, 0, bmp.GetPixels(), buf.Length);
        using var img = SKImage.FromBitmap(bmp);
        using var data = img.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>Decodes a PNG/JPEG file into [H, W, 3] floats in [0,1].</summary>
    public static Tensor Load(string path) => Decode(File.ReadAllBytes(path), path);

    /// <summary>Decodes PNG/JPEG bytes into [H, W, 3] floats in [0,1]; <paramref name="source"/>
    /// names them in errors.</summary>
    public static Tensor Decode(byte[] bytes, string source)
    {
        using var decoded = SKBitmap.Decode(bytes)
            ?? throw new InvalidDataException(
                $"{source}: not a decodable PNG/JPEG image ({bytes.Length} bytes)."
            );
        using var bmp =
            decoded.ColorType == SKColorType.Rgba8888
                ? decoded.Copy()
                : decoded.Copy(SKColorType.Rgba8888);
        int w = bmp.Width,
            h = bmp.Height;
        var buf = new byte[w * h * 4];
        System.Runtime.InteropServices.Marshal.Copy(bmp.GetPixels(), buf, 0, buf.Length);
        var f = new float[w * h * 3];
        for (int i = 0; i < w * h; i++)
        for (int c = 0; c < 3; c++)
            f[3 * i + c] = buf[4 * i + c] / 255f;
        return tensor(f).reshape(h, w, 3);
    }
}
