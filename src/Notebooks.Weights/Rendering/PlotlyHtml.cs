using System.Text.RegularExpressions;
using XPlot.Plotly;

namespace Notebooks.Weights.Rendering;

/// <summary>
/// HTML for XPlot.Plotly charts that works inline in notebooks and in standalone reports. XPlot's
/// <c>GetInlineHtml()</c> assumes a global <c>Plotly</c>; this wraps its plotting script so
/// plotly.js is loaded from XPlot's CDN address first when missing (through require.js when the
/// page uses AMD, as Jupyter does). Viewing a chart therefore needs network access to cdn.plot.ly;
/// images and other views never do.
/// </summary>
public static partial class PlotlyHtml
{
    /// <summary>The plotly.js address XPlot.Plotly 4.1 uses.</summary>
    public const string PlotlyJsUrl = "https://cdn.plot.ly/plotly-latest.min.js";

    /// <summary>The chart's div plus a self-loading script.</summary>
    public static string Inline(PlotlyChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var inline = chart.GetInlineHtml();
        var m = ScriptRegex().Match(inline);
        if (!m.Success)
            throw new InvalidOperationException(
                "unexpected XPlot.Plotly inline HTML: no <script> block"
            );
        var div = inline[..m.Index];
        var body = m.Groups[1].Value;
        return "<div class=\"nw-plotly\">"
            + div
            + "<script>(function(){var run=function(){"
            + body
            + "};"
            + "if (typeof Plotly !== 'undefined') { run(); }"
            + $"else if (typeof define === 'function' && define.amd && typeof require === 'function') {{ require(['{PlotlyJsUrl[..^3]}'], function(P){{ window.Plotly = P; run(); }}); }}"
            + $"else {{ var s = document.createElement('script'); s.src = '{PlotlyJsUrl}'; s.onload = run; document.head.appendChild(s); }}"
            + "})();</script></div>";
    }

    [GeneratedRegex(@"<script>(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex ScriptRegex();
}
