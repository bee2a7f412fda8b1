using Microsoft.DotNet.Interactive.Formatting;
using Notebooks.Weights.Interactive;

namespace Notebooks.Weights.Interactive;

/// <summary>
/// Registers the .NET Interactive formatters of Notebooks.Weights (<see cref="KernelFormatters"/>:
/// tensors as <c>TensorView</c> pictures with a text/plain summary, every view as its HTML,
/// XPlot.Plotly charts inline). Called by this package's <c>extension.dib</c>; the
/// Notebooks.Weights package's own extension.dib registers the same table, so either package works
/// alone.
/// </summary>
public static class Formatters
{
    static readonly object Gate = new();

    /// <summary>Registers all formatters (again after <c>Formatter.ResetToDefault()</c>; later
    /// registrations win).</summary>
    public static void Register()
    {
        lock (Gate)
        {
            foreach (var f in KernelFormatters.All)
                Formatter.Register(
                    f.Type,
                    (value, writer) => writer.Write(f.Format(value)),
                    f.MimeType
                );
            foreach (var (type, mimeTypes) in KernelFormatters.PreferredMimeTypes)
                Formatter.SetPreferredMimeTypesFor(type, mimeTypes);
        }
    }
}
