using System.Globalization;
using System.Text;
using XPlot.Plotly;

namespace Notebooks.Weights.Rendering;

/// <summary>
/// A standalone HTML page built from headings, text and views; <see cref="Save"/> writes one
/// self-contained <c>.html</c> file (images as data URIs). Works from a CLI or a .NET file-based
/// app, no notebook host needed. XPlot.Plotly charts are embedded through
/// <see cref="PlotlyHtml.Inline"/>: they load plotly.js from XPlot's CDN, so charts (only charts)
/// need a network connection when the page is opened, unless <see cref="EmbedPlotly"/> put a local
/// copy of plotly.js into the page.
/// </summary>
public sealed class HtmlReport
{
    readonly List<string> _parts = [];

    string? _plotlyJs;

    /// <summary>Page title (escaped).</summary>
    public string Title { get; }

    /// <summary>A new empty report; the title is also the first heading.</summary>
    public HtmlReport(string title = "Notebooks.Weights report")
    {
        Title = title;
        _parts.Add($"<h1>{Html.Escape(title)}</h1>");
    }

    /// <summary>Appends a heading (level 1..6).</summary>
    public HtmlReport AddHeading(string text, int level = 2)
    {
        if (level is < 1 or > 6)
            throw new ArgumentOutOfRangeException(
                nameof(level),
                level,
                "heading level must be 1..6"
            );
        _parts.Add($"<h{level}>{Html.Escape(text)}</h{level}>");
        return this;
    }

    /// <summary>Appends a paragraph of plain text (escaped; line breaks kept).</summary>
    public HtmlReport AddText(string text)
    {
        _parts.Add($"<p style=\"white-space:pre-wrap\">{Html.Escape(text)}</p>");
        return this;
    }

    /// <summary>Appends any view.</summary>
    public HtmlReport Add(IView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        _parts.Add($"<div class=\"nw-view\" style=\"margin:8px 0\">{view.ToHtml()}</div>");
        return this;
    }

    /// <summary>Appends an XPlot.Plotly chart (needs plotly.js from its CDN when viewed).</summary>
    public HtmlReport Add(PlotlyChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        _parts.Add(
            $"<div class=\"nw-chart\" style=\"margin:8px 0\">{PlotlyHtml.Inline(chart)}</div>"
        );
        return this;
    }

    /// <summary>
    /// Embeds a local plotly.js (e.g. <c>plotly.min.js</c> from the <c>plotly.js-dist-min</c> npm
    /// package) in the page so charts work offline.
    /// </summary>
    public HtmlReport EmbedPlotly(string plotlyJsPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(plotlyJsPath);
        if (!File.Exists(plotlyJsPath))
            throw new FileNotFoundException(
                $"plotly.js not found: {Path.GetFullPath(plotlyJsPath)}",
                plotlyJsPath
            );
        var js = File.ReadAllText(plotlyJsPath);
        if (!js.Contains("newPlot", StringComparison.Ordinal))
            throw new InvalidDataException(
                $"{plotlyJsPath} does not look like plotly.js (no newPlot)"
            );
        _plotlyJs = js.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase);
        return this;
    }

    /// <summary>Appends trusted raw HTML as is (not escaped: never pass user text here).</summary>
    public HtmlReport AddRawHtml(string html)
    {
        _parts.Add(html ?? throw new ArgumentNullException(nameof(html)));
        return this;
    }

    /// <summary>The whole page.</summary>
    public string ToHtml()
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">");
        sb.Append(CultureInfo.InvariantCulture, $"<title>{Html.Escape(Title)}</title>");
        sb.Append(
            "<style>body{font-family:sans-serif;margin:16px;background:#fff;color:#222} h1{font-size:20px} h2{font-size:16px}</style>"
        );
        if (_plotlyJs is not null)
            sb.Append("<script>").Append(_plotlyJs).Append("</script>");
        sb.Append("</head><body>\n");
        foreach (var p in _parts)
            sb.Append(p).Append('\n');
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    /// <summary>Writes the page to <paramref name="path"/> (directories are created) and returns
    /// the full path.</summary>
    public string Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, ToHtml(), new UTF8Encoding(false));
        return full;
    }
}
