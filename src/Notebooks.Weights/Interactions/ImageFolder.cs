using SkiaSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Interactions;

/// <summary>
/// A folder of JPEG/PNG images decoded with SkiaSharp for a model: each image is centre-cropped to
/// a square and resized to <see cref="Size"/> (Mitchell cubic resampling; none when already that
/// size), giving [N, 3, S, S] floats in [0, 1] — before the model's own preprocessing, which
/// <see cref="Models.VisionModel"/> applies. Files are taken in ordinal name order. Nothing is
/// skipped: unreadable files, grayscale files (one channel where the model takes three) and
/// transparent ones fail the load with a list of every offending file.
/// </summary>
public sealed class ImageFolder : IDisposable
{
    /// <summary>File extensions read (case-insensitive).</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg"];

    ImageFolder(string dir, Tensor images, string[] names, int size) =>
        (Directory, Images, Names, Size) = (dir, images, names, size);

    /// <summary>The folder.</summary>
    public string Directory { get; }

    /// <summary>[N, 3, S, S] in [0, 1].</summary>
    public Tensor Images { get; }

    /// <summary>File names (without folder), one per image.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Side S in pixels.</summary>
    public int Size { get; }

    /// <summary>Number of images.</summary>
    public int Count => Names.Count;

    /// <summary>Loads every JPEG/PNG in <paramref name="dir"/> (not recursive) at
    /// <paramref name="size"/>² for a model taking <paramref name="channels"/> channels.</summary>
    public static ImageFolder Load(string dir, int size, int channels = 3)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        if (size < 1)
            throw new ArgumentOutOfRangeException(
                nameof(size),
                $"Image size must be positive; got {size}."
            );
        if (channels != 3)
            throw new ArgumentException(
                $"Image folders give RGB (3-channel) images; the model takes {channels} channel(s).",
                nameof(channels)
            );
        if (!System.IO.Directory.Exists(dir))
            throw new DirectoryNotFoundException($"Image folder '{dir}' does not exist.");
        var all = System
            .IO.Directory.GetFiles(dir)
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToArray();
        var files = all.Where(f =>
                Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase)
            )
            .ToArray();
        if (files.Length == 0)
            throw new InvalidDataException(
                $"Image folder '{dir}' has no JPEG/PNG files ({string.Join(", ", Extensions)})"
                    + (
                        all.Length > 0
                            ? $"; it holds {all.Length} other file(s), e.g. {string.Join(", ", all.Take(3).Select(Path.GetFileName))}."
                            : " (it is empty)."
                    )
            );
        var problems = new List<string>();
        var pixels = new float[files.Length * 3 * size * size];
        for (int i = 0; i < files.Length; i++)
        {
            var why = TryDecode(
                files[i],
                size,
                pixels.AsSpan(i * 3 * size * size, 3 * size * size)
            );
            if (why is not null)
                problems.Add($"{Path.GetFileName(files[i])}: {why}");
        }
        if (problems.Count > 0)
            throw new InvalidDataException(
                $"{problems.Count} of {files.Length} image(s) in '{dir}' cannot be used (nothing was skipped; fix or remove them):\n  "
                    + string.Join("\n  ", problems)
            );
        return new ImageFolder(
            dir,
            tensor(pixels, [files.Length, 3, size, size]),
            files.Select(f => Path.GetFileName(f)!).ToArray(),
            size
        );
    }

    static string? TryDecode(string path, int size, Span<float> chw)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot be read ({e.Message})";
        }
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data);
        if (codec is null)
            return $"not a decodable JPEG/PNG ({bytes.Length} bytes)";
        var info = codec.Info;
        if (info.ColorType is SKColorType.Gray8 or SKColorType.Alpha8)
            return "grayscale (1 channel); the model takes RGB (3 channels)";
        using var decoded = SKBitmap.Decode(
            codec,
            info.WithColorType(SKColorType.Rgba8888).WithAlphaType(SKAlphaType.Unpremul)
        );
        if (decoded is null)
            return "decoding failed (truncated or corrupt file?)";
        int w = decoded.Width,
            h = decoded.Height,
            side = Math.Min(w, h);
        if (info.AlphaType != SKAlphaType.Opaque && HasTransparency(decoded))
            return "has transparent pixels (4 channels, RGBA); the model takes opaque RGB (3 channels)";
        using var square = new SKBitmap(
            new SKImageInfo(side, side, SKColorType.Rgba8888, SKAlphaType.Unpremul)
        );
        if (
            !decoded.ExtractSubset(
                square,
                SKRectI.Create((w - side) / 2, (h - side) / 2, side, side)
            )
        )
            return "centre crop failed";
        // Already the right size: no resampling (a cubic filter would blur even at scale 1).
        using var resized =
            side == size
                ? square.Copy()
                : square.Resize(
                    new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul),
                    new SKSamplingOptions(SKCubicResampler.Mitchell)
                );
        if (resized is null)
            return $"resizing to {size}x{size} failed";
        var buf = new byte[size * size * 4];
        System.Runtime.InteropServices.Marshal.Copy(resized.GetPixels(), buf, 0, buf.Length);
        int plane = size * size;
        for (int p = 0; p < plane; p++)
        for (int c = 0; c < 3; c++)
            chw[c * plane + p] = buf[4 * p + c] / 255f;
        return null;
    }

    static bool HasTransparency(SKBitmap bmp)
    {
        var buf = new byte[bmp.Width * bmp.Height * 4];
        System.Runtime.InteropServices.Marshal.Copy(bmp.GetPixels(), buf, 0, buf.Length);
        for (int i = 3; i < buf.Length; i += 4)
            if (buf[i] != 255)
                return true;
        return false;
    }

    /// <inheritdoc/>
    public void Dispose() => Images.Dispose();
}
