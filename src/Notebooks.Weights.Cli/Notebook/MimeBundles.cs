using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Formatting;

namespace Notebooks.Weights.Cli.Notebook;

/// <summary>
/// Formats values into nbformat mime bundles with the real .NET Interactive formatters: the type's preferred MIME
/// types (<see cref="Formatter.GetPreferredMimeTypesFor"/>) plus text/plain, and image/png (base64) when the value has
/// a public parameterless <c>byte[] ToPng()</c> method (the library's views do).
/// </summary>
public static class MimeBundles
{
    /// <summary>MIME type of PNG pictures.</summary>
    public const string Png = "image/png";

    /// <summary>The <c>data</c> bundle for <paramref name="value"/>; <paramref name="mimeTypes"/> restricts it when non-empty.</summary>
    public static JsonObject Format(object? value, IReadOnlyCollection<string> mimeTypes)
    {
        var data = new JsonObject();
        if (value is null) { data[PlainTextFormatter.MimeType] = NotebookText.ToLines("<null>"); return data; }
        var types = new List<string>();
        if (mimeTypes.Count > 0) types.AddRange(mimeTypes);
        else
        {
            types.AddRange(Formatter.GetPreferredMimeTypesFor(value.GetType()));
            if (PngMethod(value.GetType()) != null) types.Add(Png);
            types.Add(PlainTextFormatter.MimeType);
        }
        foreach (var mime in types.Distinct())
        {
            if (mime == Png)
            {
                var method = PngMethod(value.GetType())
                    ?? throw new ArgumentException($"display: {value.GetType().Name} cannot be shown as {Png} (it has no byte[] ToPng() method)");
                var bytes = (byte[])method.Invoke(value, null)!;
                data[Png] = Convert.ToBase64String(bytes);
            }
            else data[mime] = NotebookText.ToLines(value.ToDisplayString(mime));
        }
        return data;
    }

    /// <summary>A <c>display_data</c> output for <paramref name="value"/>.</summary>
    public static JsonObject DisplayData(object? value, IReadOnlyCollection<string> mimeTypes) => new()
    {
        ["output_type"] = "display_data",
        ["data"] = Format(value, mimeTypes),
        ["metadata"] = new JsonObject(),
    };

    static MethodInfo? PngMethod(Type t) =>
        t.GetMethod("ToPng", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes) is { ReturnType: var r } m && r == typeof(byte[]) ? m : null;
}
