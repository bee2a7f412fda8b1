using Microsoft.DotNet.Interactive.Formatting;
using Notebooks.Weights.Rendering;
using XPlot.Plotly;
using static TorchSharp.torch;

namespace Notebooks.Weights.Interactive;

/// <summary>
/// Registers the .NET Interactive formatters of Notebooks.Weights (called by <c>extension.dib</c>):
/// <c>torch.Tensor</c> → <see cref="TensorView"/> (text/html picture; text/plain summary of shape, dtype, min/max/mean),
/// every <see cref="View"/> → its HTML, and XPlot.Plotly <see cref="PlotlyChart"/> → <see cref="PlotlyHtml.Inline"/>
/// (XPlot.Plotly.Interactive is not available; this is the registration it used to provide).
/// </summary>
public static class Formatters
{
    static readonly object Gate = new();

    /// <summary>Registers all formatters (again after <c>Formatter.ResetToDefault()</c>; later registrations win).</summary>
    public static void Register()
    {
        lock (Gate)
        {
            Formatter.Register<Tensor>((t, w) => w.Write(TensorView.Of(t).ToHtml()), HtmlFormatter.MimeType);
            Formatter.Register<Tensor>((t, w) => w.Write(TensorView.Summarize(t, out _)), PlainTextFormatter.MimeType);
            Formatter.SetPreferredMimeTypesFor(typeof(Tensor), HtmlFormatter.MimeType, PlainTextFormatter.MimeType);
            Formatter.Register<View>((v, w) => w.Write(v.ToHtml()), HtmlFormatter.MimeType);
            Formatter.Register<View>((v, w) => w.Write(v.ToString()), PlainTextFormatter.MimeType);
            Formatter.SetPreferredMimeTypesFor(typeof(View), HtmlFormatter.MimeType, PlainTextFormatter.MimeType);
            Formatter.Register<PlotlyChart>((c, w) => w.Write(PlotlyHtml.Inline(c)), HtmlFormatter.MimeType);
            Formatter.SetPreferredMimeTypesFor(typeof(PlotlyChart), HtmlFormatter.MimeType);
        }
    }
}
