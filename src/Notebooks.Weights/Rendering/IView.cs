using Notebooks.Weights.Interactive;

namespace Notebooks.Weights.Rendering;

/// <summary>Anything that can be shown: as an HTML fragment (inline in a notebook or in an
/// <see cref="HtmlReport"/>) and, where meaningful, as a PNG.</summary>
public interface IView
{
    /// <summary>A self-contained HTML fragment (images as data URIs, labels escaped).</summary>
    string ToHtml();
}

/// <summary>
/// Base of the library's views. Carries the convention-based <c>[TypeFormatterSource]</c> attribute
/// so .NET Interactive shows every view as HTML even when the kernel extension is not loaded.
/// </summary>
[Microsoft.DotNet.Interactive.Formatting.TypeFormatterSource(
    typeof(ViewFormatterSource),
    PreferredMimeTypes = ["text/html", "text/plain"]
)]
public abstract class View : IView
{
    /// <inheritdoc />
    public abstract string ToHtml();

    /// <summary>The picture as PNG bytes (labels are HTML-only; the PNG holds the images laid out
    /// the same way).</summary>
    public abstract byte[] ToPng();

    /// <summary>Writes <see cref="ToPng"/> to a file.</summary>
    public void SavePng(string path) => File.WriteAllBytes(path, ToPng());

    /// <summary>Writes a standalone HTML page holding just this view.</summary>
    public void SaveHtml(string path, string? title = null)
    {
        var report = new HtmlReport(title ?? GetType().Name);
        report.Add(this);
        report.Save(path);
    }
}
