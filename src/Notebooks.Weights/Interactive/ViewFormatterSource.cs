using System.ComponentModel;
using Notebooks.Weights.Rendering;

namespace Notebooks.Weights.Interactive;

/// <summary>
/// Formatter source found by .NET Interactive through the convention-based
/// <c>[TypeFormatterSource]</c> on <see cref="View"/>: text/html is <see cref="IView.ToHtml"/>,
/// text/plain is <see cref="object.ToString"/>. Public only so the kernel can instantiate it; not
/// meant to be called directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ViewFormatterSource
{
    /// <summary>The two formatters (convention: objects with MimeType and Format(object,
    /// TextWriter)).</summary>
    public IEnumerable<object> CreateTypeFormatters() =>
        [
            new ViewFormatter("text/html", v => v.ToHtml()),
            new ViewFormatter("text/plain", v => v.ToString() ?? ""),
        ];
}

/// <summary>One convention-based formatter for views.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ViewFormatter(string mimeType, Func<IView, string> render)
{
    /// <summary>The MIME type produced.</summary>
    public string MimeType { get; } = mimeType;

    /// <summary>The formatted type.</summary>
    public Type Type => typeof(View);

    /// <summary>Writes the view; false for anything that is not a view.</summary>
    public bool Format(object instance, TextWriter writer)
    {
        if (instance is not IView view)
            return false;
        writer.Write(render(view));
        return true;
    }
}
