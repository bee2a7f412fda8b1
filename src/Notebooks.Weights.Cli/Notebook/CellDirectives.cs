using System.Text.RegularExpressions;

namespace Notebooks.Weights.Cli.Notebook;

/// <summary>
/// Turns a C# notebook cell into script code the way the Polyglot C# kernel would see it, with package references
/// bound to this build: <c>#r "nuget: Notebooks.Weights…"</c>, <c>#r "nuget: Notebooks.Weights.Interactive…"</c> and
/// <c>#r "nuget: TorchSharp…"</c> are satisfied by the local assemblies; <c>#i "…"</c> (package sources) is dropped;
/// any other NuGet package is an error naming it. Removed lines become blank lines so line numbers stay true.
/// </summary>
public static partial class CellDirectives
{
    /// <summary>Packages this tool provides from its own build (case-insensitive).</summary>
    public static IReadOnlyList<string> LocalPackages { get; } =
        ["Notebooks.Weights", "Notebooks.Weights.Interactive", "TorchSharp", "TorchSharp-cpu", "libtorch-cpu", "Microsoft.DotNet.Interactive.Formatting"];

    /// <summary>The result of preprocessing one cell.</summary>
    /// <param name="Code">Script code (directive lines blanked).</param>
    /// <param name="Packages">Local packages the cell referenced, as written.</param>
    /// <param name="IsMarkdown">True for a <c>#!markdown</c> cell (nothing to run).</param>
    public sealed record Result(string Code, IReadOnlyList<string> Packages, bool IsMarkdown);

    [GeneratedRegex("""^\s*#r\s+"nuget\s*:\s*(?<id>[^,"\s]+)\s*(,\s*(?<ver>[^"]*))?"\s*$""", RegexOptions.IgnoreCase)]
    private static partial Regex NugetRef();

    [GeneratedRegex("""^\s*#i\s+"[^"]*"\s*$""")]
    private static partial Regex SourceDirective();

    [GeneratedRegex("""^\s*#!(?<magic>\S+)""")]
    private static partial Regex Magic();

    /// <summary>Preprocesses the source of cell <paramref name="cellNumber"/>.</summary>
    /// <exception cref="NotebookCellException">An unsupported package or magic command.</exception>
    public static Result Process(string source, int cellNumber)
    {
        var lines = source.Replace("\r\n", "\n").Split('\n');
        var packages = new List<string>();
        bool markdown = false;
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (NugetRef().Match(line) is { Success: true } m)
            {
                var id = m.Groups["id"].Value;
                if (!LocalPackages.Contains(id, StringComparer.OrdinalIgnoreCase))
                    throw new NotebookCellException(cellNumber, i + 1,
                        $"package '{id}' is not available to 'weights notebook run' (it runs offline against its own build; " +
                        $"available packages: {string.Join(", ", LocalPackages)})");
                packages.Add(id);
                lines[i] = "";
            }
            else if (SourceDirective().IsMatch(line)) lines[i] = "";
            else if (Magic().Match(line) is { Success: true } mg)
            {
                var magic = mg.Groups["magic"].Value;
                switch (NotebookText.NormalizeLanguage(magic))
                {
                    case "csharp": lines[i] = ""; break;
                    case "markdown": markdown = true; lines[i] = ""; break;
                    default:
                        throw new NotebookCellException(cellNumber, i + 1,
                            $"magic command '#!{magic}' is not supported by 'weights notebook run' (only C# cells, #!csharp and #!markdown)");
                }
            }
        }
        return new Result(string.Join('\n', lines), packages, markdown);
    }
}

/// <summary>A cell that failed to compile or run; the message starts with "cell N".</summary>
public sealed class NotebookCellException : Exception
{
    /// <summary>1-based cell number in the notebook.</summary>
    public int CellNumber { get; }
    /// <summary>The error without the "cell N" prefix.</summary>
    public string Error { get; }
    /// <summary>Exception type name for nbformat's <c>ename</c>.</summary>
    public string ErrorName { get; }

    /// <summary>An error on a given line of a cell (line 0: the whole cell).</summary>
    public NotebookCellException(int cellNumber, int line, string error, string errorName = "NotebookError", Exception? inner = null)
        : base($"cell {cellNumber}{(line > 0 ? $", line {line}" : "")}: {error}", inner)
    {
        CellNumber = cellNumber; Error = error; ErrorName = errorName;
    }
}
