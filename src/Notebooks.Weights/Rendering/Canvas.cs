namespace Notebooks.Weights.Rendering;

/// <summary>A white RGB8 canvas that composites images (nearest-neighbour resampling) into one
/// PNG.</summary>
public sealed class Canvas
{
    readonly byte[] _rgb;

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>A white canvas.</summary>
    public Canvas(int height, int width, byte background = 255)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"canvas size must be positive, got {height}x{width}");
        Height = height;
        Width = width;
        _rgb = new byte[height * width * 3];
        Array.Fill(_rgb, background);
    }

    /// <summary>Draws <paramref name="image"/> resized to h x w at (x, y),
    /// nearest-neighbour.</summary>
    public void Draw(Image image, int x, int y, int w, int h)
    {
        var src = image.ToRgb8();
        for (int yy = 0; yy < h; yy++)
        {
            int ty = y + yy;
            if (ty < 0 || ty >= Height)
                continue;
            int sy = (int)((long)yy * image.Height / h);
            for (int xx = 0; xx < w; xx++)
            {
                int tx = x + xx;
                if (tx < 0 || tx >= Width)
                    continue;
                int sx = (int)((long)xx * image.Width / w);
                int s = (sy * image.Width + sx) * 3,
                    d = (ty * Width + tx) * 3;
                _rgb[d] = src[s];
                _rgb[d + 1] = src[s + 1];
                _rgb[d + 2] = src[s + 2];
            }
        }
    }

    /// <summary>Fills a rectangle with one color.</summary>
    public void Fill(int x, int y, int w, int h, byte r, byte g, byte b)
    {
        for (int yy = Math.Max(0, y); yy < Math.Min(Height, y + h); yy++)
        for (int xx = Math.Max(0, x); xx < Math.Min(Width, x + w); xx++)
        {
            int d = (yy * Width + xx) * 3;
            _rgb[d] = r;
            _rgb[d + 1] = g;
            _rgb[d + 2] = b;
        }
    }

    /// <summary>PNG bytes.</summary>
    public byte[] ToPng() => Png.Encode(_rgb, Height, Width);
}
