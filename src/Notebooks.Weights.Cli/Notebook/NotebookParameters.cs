using System.Globalization;
using Microsoft.CodeAnalysis.CSharp;

namespace Notebooks.Weights.Cli.Notebook;

/// <summary>
/// Papermill-style parameters: values given as text (<c>--param name=value</c>) become C#
/// assignments in a cell tagged "injected-parameters" placed right after the cell tagged
/// "parameters". The text is converted to the type the parameters cell declared (string, bool, int,
/// long, float, double, or arrays of those written as 1,2,3).
/// </summary>
public static class NotebookParameters
{
    /// <summary>Tag of the cell whose variables can be overridden.</summary>
    public const string ParametersTag = "parameters";

    /// <summary>Tag of the generated cell.</summary>
    public const string InjectedTag = "injected-parameters";

    /// <summary>Parses <c>name=value</c>.</summary>
    public static KeyValuePair<string, string> ParseOption(string text)
    {
        int eq = text.IndexOf('=');
        if (eq <= 0)
            throw new ArgumentException($"--param: expected name=value, got '{text}'");
        return new(text[..eq].Trim(), text[(eq + 1)..]);
    }

    /// <summary>A C# statement assigning <paramref name="text"/>, converted to
    /// <paramref name="type"/>, to <paramref name="name"/>.</summary>
    public static string Assignment(string name, Type type, string text) =>
        $"{name} = {Literal(name, type, text)};";

    static string Literal(string name, Type type, string text)
    {
        if (type.IsArray)
        {
            var element = type.GetElementType()!;
            var items =
                text.Length == 0
                    ? []
                    : text.Split(',').Select(s => element == typeof(string) ? s : s.Trim());
            return $"new {CSharpName(element)}[] {{ {string.Join(", ", items.Select(i => Literal(name, element, i)))} }}";
        }
        string Fail(string expected) =>
            throw new ArgumentException(
                $"--param {name}: expected {expected} (the parameters cell declares {CSharpName(type)} {name}), got '{text}'"
            );
        var inv = CultureInfo.InvariantCulture;
        if (type == typeof(string))
            return SymbolDisplay.FormatLiteral(text, quote: true);
        if (type == typeof(bool))
            return bool.TryParse(text.Trim(), out var b)
                ? (b ? "true" : "false")
                : Fail("true or false");
        if (type == typeof(int))
            return int.TryParse(text, NumberStyles.Integer, inv, out var i)
                ? i.ToString(inv)
                : Fail("an integer");
        if (type == typeof(long))
            return long.TryParse(text, NumberStyles.Integer, inv, out var l)
                ? l.ToString(inv) + "L"
                : Fail("an integer");
        if (type == typeof(float))
            return float.TryParse(text, NumberStyles.Float, inv, out var f) && float.IsFinite(f)
                ? f.ToString("R", inv) + "f"
                : Fail("a number");
        if (type == typeof(double))
            return double.TryParse(text, NumberStyles.Float, inv, out var d) && double.IsFinite(d)
                ? d.ToString("R", inv) + "d"
                : Fail("a number");
        throw new ArgumentException(
            $"--param {name}: the parameters cell declares it as {CSharpName(type)}; only string, bool, int, long, float, double and arrays of them can be set from the command line"
        );
    }

    static string CSharpName(Type t) =>
        t == typeof(string) ? "string"
        : t == typeof(bool) ? "bool"
        : t == typeof(int) ? "int"
        : t == typeof(long) ? "long"
        : t == typeof(float) ? "float"
        : t == typeof(double) ? "double"
        : t.IsArray ? CSharpName(t.GetElementType()!) + "[]"
        : t.FullName ?? t.Name;
}
