using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Notebooks.Weights.Cli.Notebook;

/// <summary>
/// A standalone, self-contained HTML page of a notebook: markdown as prose, C# cells as escaped code, and their
/// outputs (text/html inline as produced by the formatters, image/png as data URIs, text/plain and errors escaped).
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

    /// <summary>Renders <paramref name="notebook"/> as a page titled <paramref name="title"/>; with <paramref name="collapseCode"/> the C# of each cell is folded under "C#".</summary>
    public static string Render(NotebookDocument notebook, string title, bool collapseCode = false)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
          .Append(WebUtility.HtmlEncode(title)).Append("</title><style>").Append(Style).Append("</style></head><body>\n");
        foreach (var cell in notebook.Cells)
        {
            switch (cell.CellType)
            {
                case "markdown":
                    sb.Append("<section class=\"nb-markdown\">").Append(MarkdownLite.ToHtml(cell.Source)).Append("</section>\n");
                    break;
                case "code":
                    var count = cell.Json["execution_count"] is JsonValue v && v.TryGetValue<int>(out var n) ? n.ToString() : " ";
                    if (collapseCode) sb.Append("<details class=\"nb-fold\"><summary>C#</summary>");
                    sb.Append($"<div class=\"nb-count\">[{count}]</div><pre class=\"nb-code\"><code>")
                      .Append(WebUtility.HtmlEncode(cell.Source)).Append("</code></pre>");
                    sb.Append(collapseCode ? "</details>\n" : "\n");
                    foreach (var output in cell.Outputs.OfType<JsonObject>()) AppendOutput(sb, output);
                    break;
            }
        }
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    /// <summary>The HTML of one nbformat output (richest representation first).</summary>
    public static void AppendOutput(StringBuilder sb, JsonObject output)
    {
        var type = output["output_type"]?.GetValue<string>();
        if (type == "stream")
        {
            sb.Append("<div class=\"nb-output\"><pre>").Append(WebUtility.HtmlEncode(NotebookText.FromLines(output["text"]))).Append("</pre></div>\n");
            return;
        }
        if (type == "error")
        {
            sb.Append("<div class=\"nb-output nb-error\"><pre>")
              .Append(WebUtility.HtmlEncode($"{output["ename"]?.GetValue<string>()}: {output["evalue"]?.GetValue<string>()}")).Append("</pre></div>\n");
            return;
        }
        if (output["data"] is not JsonObject data) return;
        sb.Append("<div class=\"nb-output\">");
        if (data["text/html"] is { } html) sb.Append(NotebookText.FromLines(html));
        else if (data[MimeBundles.Png] is { } png) sb.Append("<img alt=\"output\" src=\"data:image/png;base64,").Append(NotebookText.FromLines(png).Trim()).Append("\">");
        else if (data["text/plain"] is { } text) sb.Append("<pre>").Append(WebUtility.HtmlEncode(NotebookText.FromLines(text))).Append("</pre>");
        sb.Append("</div>\n");
    }
}
