using Notebooks.Weights.Rendering;
using XPlot.Plotly;
using static TorchSharp.torch;

namespace Notebooks.Weights.Interactive;

/// <summary>One formatter for .NET Interactive: values of <see cref="Type"/> written as
/// <see cref="MimeType"/>.</summary>
/// <param name="Type">The formatted type (subclasses included).</param>
/// <param name="MimeType">text/html or text/plain.</param>
/// <param name="Format">The text written for a value.</param>
public sealed record KernelFormatter(Type Type, string MimeType, Func<object, string> Format);

/// <summary>
/// The .NET Interactive formatters of Notebooks.Weights as plain data, so the library does not
/// depend on the kernel's Formatting package: the package's
/// <c>interactive-extensions/dotnet/extension.dib</c> (run by the kernel right after <c>#r "nuget:
/// Notebooks.Weights"</c>) registers each with <c>Formatter.Register</c>, and so does
/// <c>Notebooks.Weights.Interactive.Formatters.Register()</c>. Tensors render as
/// <see cref="TensorView"/> pictures with a text/plain summary, views as their HTML, XPlot.Plotly
/// charts as <see cref="PlotlyHtml.Inline"/>.
/// </summary>
public static class KernelFormatters
{
    /// <summary>Every formatter, in registration order.</summary>
    public static IReadOnlyList<KernelFormatter> All { get; } =
    [
        new(typeof(Tensor), "text/html", o => TensorView.Of((Tensor)o).ToHtml()),
        new(typeof(Tensor), "text/plain", o => TensorView.Summarize((Tensor)o, out _)),
        new(typeof(View), "text/html", o => ((View)o).ToHtml()),
        new(typeof(View), "text/plain", o => o.ToString() ?? ""),
        new(typeof(PlotlyChart), "text/html", o => PlotlyHtml.Inline((PlotlyChart)o)),
    ];

    /// <summary>The MIME types each type is shown as, richest first.</summary>
    public static IReadOnlyList<(Type Type, string[] MimeTypes)> PreferredMimeTypes { get; } =
    [
        (typeof(Tensor), ["text/html", "text/plain"]),
        (typeof(View), ["text/html", "text/plain"]),
        (typeof(PlotlyChart), ["text/html"]),
    ];
}
