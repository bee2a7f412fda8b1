using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Notebooks.Weights.Cli.Notebook;

/// <summary>
/// A small Markdown-to-HTML converter for notebook prose in the standalone page: ATX headings,
/// paragraphs, bullet and numbered lists, fenced code, block quotes, inline code, bold, italics,
/// links, and $…$ math kept as text. All text is HTML-escaped; raw HTML in Markdown is shown as
/// text, not interpreted.
/// </summary>
public static partial class MarkdownLite
{
    /// <summary>Converts Markdown to an HTML fragment.</summary>
    public static string ToHtml(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n").Split('\n');
        var html = new StringBuilder();
        var para = new List<string>();
        string? list = null;
        void FlushPara()
        {
            if (para.Count > 0)
                html.Append("<p>").Append(Inline(string.Join(" ", para))).Append("</p>\n");
            para.Clear();
        }
        void CloseList()
        {
            if (list != null)
            {
                html.Append(CultureInfo.InvariantCulture, $"</{list}>\n");
                list = null;
            }
        }
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                FlushPara();
                CloseList();
                var code = new List<string>();
                while (
                    ++i < lines.Length
                    && !lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal)
                )
                    code.Add(lines[i]);
                html.Append("<pre><code>")
                    .Append(WebUtility.HtmlEncode(string.Join("\n", code)))
                    .Append("</code></pre>\n");
                continue;
            }
            if (Heading().Match(line) is { Success: true } h)
            {
                FlushPara();
                CloseList();
                int level = h.Groups[1].Length;
                html.Append(CultureInfo.InvariantCulture, $"<h{level}>")
                    .Append(Inline(h.Groups[2].Value.Trim()))
                    .Append(CultureInfo.InvariantCulture, $"</h{level}>\n");
                continue;
            }
            if (Bullet().Match(line) is { Success: true } b)
            {
                FlushPara();
                var kind = char.IsDigit(b.Groups[1].Value[0]) ? "ol" : "ul";
                if (list != kind)
                {
                    CloseList();
                    html.Append(CultureInfo.InvariantCulture, $"<{kind}>\n");
                    list = kind;
                }
                html.Append("<li>").Append(Inline(b.Groups[2].Value)).Append("</li>\n");
                continue;
            }
            if (line.StartsWith('>'))
            {
                FlushPara();
                CloseList();
                html.Append("<blockquote>")
                    .Append(Inline(line.TrimStart('>', ' ')))
                    .Append("</blockquote>\n");
                continue;
            }
            if (line.Trim().Length == 0)
            {
                FlushPara();
                CloseList();
                continue;
            }
            if (
                list != null
                && (line.StartsWith("  ", StringComparison.Ordinal) || line.StartsWith('\t'))
            )
            {
                // continuation of the last list item
                html.Length -= "</li>\n".Length;
                html.Append(' ').Append(Inline(line.Trim())).Append("</li>\n");
                continue;
            }
            CloseList();
            para.Add(line.Trim());
        }
        FlushPara();
        CloseList();
        return html.ToString();
    }

    static string Inline(string text)
    {
        // Code spans first (their text is literal), as placeholders that emphasis and links cannot
        // touch.
        var spans = new List<string>();
        var s = InlineCode()
            .Replace(text, m =>
            {
                spans.Add(m.Groups[1].Value);
                return $"\u0001{spans.Count - 1}\u0002";
            });
        s = WebUtility.HtmlEncode(s);
        s = Link()
            .Replace(s, m => $"<a href=\"{SafeUrl(m.Groups[2].Value)}\">{m.Groups[1].Value}</a>");
        s = Bold().Replace(s, "<strong>$1</strong>");
        s = Italic().Replace(s, m => $"<em>{m.Groups[1].Value}{m.Groups[2].Value}</em>");
        return Placeholder()
            .Replace(s, m =>
                "<code>"
                + WebUtility.HtmlEncode(
                    spans[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)]
                )
                + "</code>"
            );
    }

    static string SafeUrl(string encoded)
    {
        var url = WebUtility.HtmlDecode(encoded);
        return
            url.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
            || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            || url.StartsWith('#')
            ? WebUtility.HtmlEncode(url)
            : "#";
    }

    [GeneratedRegex(@"^(#{1,6})\s+(.*)$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"^\s{0,3}([-*+]|\d+[.)])\s+(.*)$")]
    private static partial Regex Bullet();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex InlineCode();

    [GeneratedRegex("\u0001(\\d+)\u0002")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\[([^\]]+)\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"\*\*(.+?)\*\*")]
    private static partial Regex Bold();

    [GeneratedRegex(@"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|(?<!\w)_(?!\s)(.+?)(?<!\s)_(?!\w)")]
    private static partial Regex Italic();
}
