using SkiaSharp;

namespace Notebooks.Weights.Rendering;

/// <summary>Views one under another (a notebook cell's outputs), with optional text lines between
/// them.</summary>
public sealed class ViewStack : View
{
    readonly List<(string? Text, View? View)> _items = [];

    /// <summary>The views in order.</summary>
    public IReadOnlyList<View> Views =>
        _items.Where(i => i.View is not null).Select(i => i.View!).ToList();

    /// <summary>A stack of <paramref name="views"/>.</summary>
    public ViewStack(params View[] views)
    {
        foreach (var v in views)
            Add(v);
    }

    /// <summary>Appends a view.</summary>
    public ViewStack Add(View view)
    {
        _items.Add((null, view ?? throw new ArgumentNullException(nameof(view))));
        return this;
    }

    /// <summary>Appends a line of text (escaped; HTML only).</summary>
    public ViewStack AddText(string text)
    {
        _items.Add((text ?? throw new ArgumentNullException(nameof(text)), null));
        return this;
    }

    /// <inheritdoc />
    public override string ToHtml() =>
        "<div class=\"nw-stack\">"
        + string.Concat(
            _items.Select(i =>
                i.View is { } v
                    ? $"<div style=\"margin:4px 0\">{v.ToHtml()}</div>"
                    : $"<div class=\"nw-text\" style=\"font:12px sans-serif;margin:6px 0\">{Html.Escape(i.Text)}</div>"
            )
        )
        + "</div>";

    /// <summary>PNG: the views' PNGs one under another, left-aligned, 6 px apart (text lines are
    /// HTML-only).</summary>
    public override byte[] ToPng()
    {
        var bitmaps = Views
            .Select(v =>
                SKBitmap.Decode(v.ToPng())
                ?? throw new InvalidOperationException($"{v} produced an undecodable PNG")
            )
            .ToList();
        if (bitmaps.Count == 0)
            throw new InvalidOperationException("the stack has no views to draw");
        try
        {
            int w = bitmaps.Max(b => b.Width),
                h = bitmaps.Sum(b => b.Height) + 6 * (bitmaps.Count - 1);
            using var surface = SKSurface.Create(
                new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque)
            );
            surface.Canvas.Clear(SKColors.White);
            int y = 0;
            foreach (var b in bitmaps)
            {
                using var bi = SKImage.FromBitmap(b);
                surface.Canvas.DrawImage(
                    bi,
                    0,
                    y,
                    new SKSamplingOptions(SKFilterMode.Nearest),
                    null
                );
                y += b.Height + 6;
            }
            using var img = surface.Snapshot();
            using var data = img.Encode(SKEncodedImageFormat.Png, 100);
            return data.ToArray();
        }
        finally
        {
            foreach (var b in bitmaps)
                b.Dispose();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"ViewStack of {Views.Count}";
}
