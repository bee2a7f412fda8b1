using System.Globalization;
using System.Net;

namespace Notebooks.Weights.Rendering;

/// <summary>Small helpers for writing safe HTML.</summary>
public static class Html
{
    /// <summary>HTML-escapes text (element content and attribute values).</summary>
    public static string Escape(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A short invariant-culture number: 3 significant digits.</summary>
    public static string Num(double v) => v.ToString("G3", CultureInfo.InvariantCulture);

    /// <summary>A PNG as a <c>data:</c> URI.</summary>
    public static string PngDataUri(byte[] png) =>
        "data:image/png;base64," + Convert.ToBase64String(png);
}
