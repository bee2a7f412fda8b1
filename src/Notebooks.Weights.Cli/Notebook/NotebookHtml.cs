using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.DotNet.Interactive.Documents;

namespace Notebooks.Weights.Cli.Notebook;

/// <summary>
/// A standalone, self-contained HTML page of a notebook: markdown as prose, C# cells as escaped
/// code, and their outputs as the kernel produced them (text/html inline, image/png as data URIs,
/// text/plain, streams and errors escaped).
/// </summary>
public static class NotebookHtml
{
    const string Style = """
        body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
        pre{background:#f6f8fa;padding:.6em .8em;border-radius:4px;overflow-x:auto;font-size:13px}
        pre.nb-code{border-left:3px solid #4a7bd0}
        .nb-output{margin:.3em 0 1.2em 0;overflow-x:auto}
        .nb-output pre{background:#fff;border:1px solid #eee}
        .nb-error pre{background:#fff0f0;border:1px solid #e99;color:#900}
        .nb-count{color:#888;font-size:12px;font-family:monospace}
        details.nb-fold summary{color:#4a7bd0;cursor:pointer;font-size:12px}
        code{background:#f3f3f3;padding:0 .2em;border-radius:3px}
        """;

    /// <summary>Renders <paramref name="notebook"/> as a page titled <paramref name="title"/>; with
    /// <paramref name="collapseCode"/> the C# of each cell is folded under "C#".</summary>
    public static string Render(
        InteractiveDocument notebook,
        string title,
        bool collapseCode = false
    )
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .Append(WebUtility.HtmlEncode(title))
            .Append("</title><style>")
            .Append(Style)
            .Append("</style></head><body>\n");
        foreach (var cell in notebook.Elements)
        {
            if (!NotebookRunner.IsCode(cell))
            {
                sb.Append("<section class=\"nb-markdown\">")
                    .Append(MarkdownLite.ToHtml(cell.Contents))
                    .Append("</section>\n");
                continue;
            }
            var count =
                cell.ExecutionOrder > 0
                    ? cell.ExecutionOrder.ToString(CultureInfo.InvariantCulture)
                    : " ";
            if (collapseCode)
                sb.Append("<details class=\"nb-fold\"><summary>C#</summary>");
            sb.Append(
                    CultureInfo.InvariantCulture,
                    $"<div class=\"nb-count\">[{count}]</div><pre class=\"nb-code\"><code>"
                )
                .Append(WebUtility.HtmlEncode(cell.Contents))
                .Append("</code></pre>");
            sb.Append(collapseCode ? "</details>\n" : "\n");
            foreach (var output in cell.Outputs)
                AppendOutput(sb, output);
        }
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    /// <summary>The text of a mime bundle entry (a string, or nbformat's list of lines).</summary>
    public static string? DataText(IDictionary<string, object> data, string mimeType) =>
        data.TryGetValue(mimeType, out var v)
            ? v switch
            {
                string s => s,
                IEnumerable<object> lines => string.Concat(lines.Select(l => l?.ToString())),
                null => null,
                _ => v.ToString(),
            }
            : null;

    /// <summary>The HTML of one output (richest representation first).</summary>
    public static void AppendOutput(StringBuilder sb, InteractiveDocumentOutputElement output)
    {
        switch (output)
        {
            case TextElement t:
                sb.Append("<div class=\"nb-output\"><pre>")
                    .Append(WebUtility.HtmlEncode(t.Text))
                    .Append("</pre></div>\n");
                return;
            case ErrorElement e:
                sb.Append("<div class=\"nb-output nb-error\"><pre>")
                    .Append(WebUtility.HtmlEncode($"{e.ErrorName}: {e.ErrorValue}"))
                    .Append("</pre></div>\n");
                return;
            case DisplayElement or ReturnValueElement:
                var data = output is DisplayElement de
                    ? de.Data
                    : ((ReturnValueElement)output).Data;
                sb.Append("<div class=\"nb-output\">");
                if (DataText(data, "text/html") is { } html)
                    sb.Append(html);
                else if (DataText(data, "image/png") is { } png)
                    sb.Append("<img alt=\"output\" src=\"data:image/png;base64,")
                        .Append(png.Trim())
                        .Append("\">");
                else if (DataText(data, "text/markdown") is { } md)
                    sb.Append(MarkdownLite.ToHtml(md));
                else if (DataText(data, "text/plain") is { } text)
                    sb.Append("<pre>").Append(WebUtility.HtmlEncode(text)).Append("</pre>");
                sb.Append("</div>\n");
                return;
        }
    }
}
