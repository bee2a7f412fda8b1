using System.Diagnostics;
using System.Globalization;
using System.Reactive.Linq;
using System.Text.RegularExpressions;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;
using Microsoft.DotNet.Interactive.Events;
using Notebooks.Weights.Text;

namespace Notebooks.Weights.Cli.Notebook;

/// <summary>Options of <see cref="NotebookRunner.RunAsync"/>.</summary>
public sealed class NotebookRunOptions
{
    /// <summary>Overrides for variables of the cell tagged "parameters" (name → value
    /// text).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; init; } = [];

    /// <summary>The kernel's working directory during the run (relative paths in cells,
    /// <c>#!import</c>); default: the current one.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Progress lines ("cell [3]: ok (1.2 s)", numbered as the page numbers the cells), or
    /// null for none.</summary>
    public TextWriter? Log { get; init; }

    /// <summary>
    /// Where the stderr a cell writes goes while the cell runs (progress of long cells, e.g.
    /// "rendering 20 units of conv2d2: step 64/256"), besides the cell's outputs; null: outputs
    /// only.
    /// </summary>
    public TextWriter? CellStderr { get; init; }
}

/// <summary>What a run did: the document now holds the kernel's outputs; <see cref="Error"/> is set
/// when a cell failed.</summary>
public sealed class NotebookRunResult
{
    /// <summary>The notebook with the kernel's outputs in its code cells.</summary>
    public required InteractiveDocument Notebook { get; init; }

    /// <summary>Code cells submitted (including the failing one).</summary>
    public int CellsRun { get; init; }

    /// <summary>The failure, or null when every cell ran.</summary>
    public NotebookCellException? Error { get; init; }

    /// <summary>True when every code cell ran.</summary>
    public bool Succeeded => Error is null;

    /// <summary>Wall time of the run.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Wall time per submitted cell (cell number → seconds).</summary>
    public IReadOnlyDictionary<int, double> CellSeconds { get; init; } =
        new Dictionary<int, double>();
}

/// <summary>
/// Runs a notebook in the real .NET Interactive kernel (<see cref="KernelHost"/>): code cells are
/// submitted in order as <see cref="SubmitCode"/>, and the kernel's events become the cells'
/// outputs exactly as the kernel produced them (display_data for displayed values, replaced in
/// place on update; execute_result for the return value; stream for console output; error for a
/// failed command). A failing cell stops the run; the cells before it keep their outputs.
/// </summary>
public static partial class NotebookRunner
{
    /// <summary>Reads a Jupyter notebook with Microsoft.DotNet.Interactive.Documents.</summary>
    public static InteractiveDocument Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"notebook '{path}' does not exist", path);
        try
        {
            return Microsoft.DotNet.Interactive.Documents.Jupyter.Notebook.Parse(
                File.ReadAllText(path),
                KernelHost.KernelInfos()
            );
        }
        catch (Exception e)
            when (e
                    is System.Text.Json.JsonException
                        or InvalidOperationException
                        or FormatException
                        or KeyNotFoundException
            )
        {
            throw new InvalidDataException(
                $"{path}: not a readable Jupyter notebook ({e.Message})",
                e
            );
        }
    }

    /// <summary>Writes <paramref name="notebook"/> as Jupyter JSON (temp file, then
    /// rename).</summary>
    public static void Save(InteractiveDocument notebook, string path)
    {
        // No default language: the writer keeps the notebook's own metadata (kernelspec,
        // polyglot_notebook.kernelInfo) as read.
        Notebooks.Weights.IO.AtomicFile.WriteText(path, notebook.ToJupyterJson() + "\n");
    }

    /// <summary>Tags of a cell (<c>metadata.tags</c>).</summary>
    public static IReadOnlyList<string> Tags(InteractiveDocumentElement cell) =>
        cell.Metadata is { } m
        && m.TryGetValue("tags", out var t)
        && t is IEnumerable<object> list
        && t is not string
            ? list.Select(o => o?.ToString() ?? "").ToList()
            : [];

    /// <summary>True for a package cell: one whose code is only directives (#r "nuget:", #i,
    /// #!import) and comments.</summary>
    public static bool IsPackageCell(InteractiveDocumentElement cell) =>
        IsCode(cell)
        && cell.Contents.Replace("\r\n", "\n")
            .Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith("//", StringComparison.Ordinal))
            .All(IsDirective);

    /// <summary>Removes the outputs of package cells (their package lists name folders of the
    /// machine that ran them).</summary>
    public static void ClearPackageCellOutputs(InteractiveDocument notebook)
    {
        foreach (var cell in notebook.Elements.Where(IsPackageCell))
            cell.Outputs.Clear();
    }

    /// <summary>True for cells the kernel runs (not markdown).</summary>
    public static bool IsCode(InteractiveDocumentElement cell) =>
        !string.Equals(cell.KernelName, "markdown", StringComparison.OrdinalIgnoreCase);

    /// <summary>Runs every code cell of <paramref name="notebook"/> in a new kernel (outputs are
    /// written into it).</summary>
    public static async Task<NotebookRunResult> RunAsync(
        InteractiveDocument notebook,
        NotebookRunOptions? options = null
    )
    {
        options ??= new NotebookRunOptions();
        var watch = Stopwatch.StartNew();
        for (int i = notebook.Elements.Count - 1; i >= 0; i--)
            if (Tags(notebook.Elements[i]).Contains(NotebookParameters.InjectedTag))
                notebook.Elements.RemoveAt(i);
        var paramsCell = notebook
            .Elements.ToList()
            .FindIndex(c => IsCode(c) && Tags(c).Contains(NotebookParameters.ParametersTag));
        if (options.Parameters.Count > 0 && paramsCell < 0)
            throw new ArgumentException(
                $"--param given but the notebook has no code cell tagged '{NotebookParameters.ParametersTag}'"
            );

        var previousDirectory = Environment.CurrentDirectory;
        if (options.WorkingDirectory is { } wd)
            Environment.CurrentDirectory = Path.GetFullPath(wd);
        using var kernel = KernelHost.Create();
        int executionCount = 0,
            run = 0;
        NotebookCellException? error = null;
        var seconds = new Dictionary<int, double>();
        try
        {
            // Cell numbers are positions in the notebook as given; an injected cell borrows its
            // parameters cell's number.
            var cells = notebook
                .Elements.Select((c, i) => (cell: c, number: i + 1, injected: false))
                .ToList();
            for (int k = 0; k < cells.Count; k++)
            {
                var (cell, number, injected) = cells[k];
                if (!IsCode(cell))
                    continue;
                cell.Outputs.Clear();
                if (error != null)
                {
                    cell.ExecutionOrder = 0;
                    continue;
                }
                var started = Stopwatch.StartNew();
                run++;
                cell.ExecutionOrder = ++executionCount;
                KernelCommandResult result;
                using (
                    options.CellStderr is { } stderr
                        ? kernel
                            .KernelEvents.OfType<StandardErrorValueProduced>()
                            .Subscribe(e =>
                            {
                                stderr.Write(Text(e));
                                stderr.Flush();
                            })
                        : null
                )
                    result = await kernel.SendAsync(
                        new SubmitCode(cell.Contents, cell.KernelName ?? KernelHost.CSharp)
                    );
                var failed = CollectOutputs(result, cell);
                if (failed is not null)
                    error = CellError(injected ? number : number, cell.Contents, failed, injected);
                else if (k == paramsCell && options.Parameters.Count > 0)
                {
                    var code = await InjectedCode(kernel, options.Parameters);
                    var element = new InteractiveDocumentElement(code, KernelHost.CSharp)
                    {
                        Metadata = new Dictionary<string, object>
                        {
                            ["tags"] = new object[] { NotebookParameters.InjectedTag },
                        },
                    };
                    notebook.Elements.Insert(notebook.Elements.IndexOf(cell) + 1, element);
                    cells.Insert(k + 1, (element, number, true));
                }
                seconds[number] = started.Elapsed.TotalSeconds;
                options.Log?.WriteLine(
                    $"cell [{cell.ExecutionOrder}]{(injected ? " (injected parameters)" : "")}: {(error is null ? "ok" : "FAILED")} ({started.Elapsed.TotalSeconds:0.0} s)"
                );
            }
        }
        finally
        {
            Environment.CurrentDirectory = previousDirectory;
        }
        return new NotebookRunResult
        {
            Notebook = notebook,
            CellsRun = run,
            Error = error,
            Elapsed = watch.Elapsed,
            CellSeconds = seconds,
        };
    }

    /// <summary>Turns the events of one submission into nbformat outputs; returns the failure, if
    /// any.</summary>
    static CommandFailed? CollectOutputs(
        KernelCommandResult result,
        InteractiveDocumentElement cell
    )
    {
        var byValueId = new Dictionary<string, int>(StringComparer.Ordinal);
        CommandFailed? failed = null;
        foreach (var e in result.Events)
        {
            switch (e)
            {
                case StandardOutputValueProduced o:
                    AppendText(cell, Text(o), "stdout");
                    break;
                case StandardErrorValueProduced o:
                    AppendText(cell, Text(o), "stderr");
                    break;
                case ReturnValueProduced r:
                    var element = new ReturnValueElement { ExecutionOrder = cell.ExecutionOrder };
                    foreach (var f in r.FormattedValues)
                        element.Data[f.MimeType] = f.Value;
                    cell.Outputs.Add(element);
                    break;
                case DisplayedValueUpdated u
                    when u.ValueId is { } id && byValueId.TryGetValue(id, out var index):
                    cell.Outputs[index] = Display(u);
                    break;
                case ErrorProduced p:
                    cell.Outputs.Add(new ErrorElement(p.Message, "Error"));
                    break;
                case DisplayEvent d:
                    if (d.ValueId is { } valueId)
                        byValueId[valueId] = cell.Outputs.Count;
                    cell.Outputs.Add(Display(d));
                    break;
                case CommandFailed f when f.Command == result.Command || failed is null:
                    failed = f;
                    cell.Outputs.Add(new ErrorElement(f.Message, "Error"));
                    break;
            }
        }
        return failed;
    }

    static string Text(DisplayEvent e) => e.FormattedValues.FirstOrDefault()?.Value ?? "";

    static DisplayElement Display(DisplayEvent d) =>
        new(d.FormattedValues.ToDictionary(f => f.MimeType, f => (object)f.Value));

    static void AppendText(InteractiveDocumentElement cell, string text, string stream)
    {
        if (cell.Outputs.Count > 0 && cell.Outputs[^1] is TextElement last && last.Name == stream)
            cell.Outputs[^1] = new TextElement(last.Text + text, stream);
        else
            cell.Outputs.Add(new TextElement(text, stream));
    }

    [GeneratedRegex(@"^\((?<line>\d+),(?<col>\d+)\): (?<rest>error .*)$", RegexOptions.Singleline)]
    private static partial Regex CompilerDiagnostic();

    [GeneratedRegex(@"at Submission#\d+.*?:line (?<line>\d+)")]
    private static partial Regex SubmissionFrame();

    /// <summary>
    /// The failure as "cell N, line L `source`: message". Compiler lines count the code the C#
    /// kernel compiled: the cell without its directive lines (#r, #i, #!…), so they are mapped back
    /// to the cell's own lines.
    /// </summary>
    static NotebookCellException CellError(
        int number,
        string source,
        CommandFailed failed,
        bool injected
    )
    {
        var lines = source.Replace("\r\n", "\n").Split('\n');
        var codeLines = Enumerable
            .Range(0, lines.Length)
            .Where(i => !IsDirective(lines[i]))
            .ToList();
        var message = failed.Message.Trim();
        int line = 0;
        if (CompilerDiagnostic().Match(message) is { Success: true } m)
        {
            int compiled = int.Parse(m.Groups["line"].Value, CultureInfo.InvariantCulture);
            line = compiled - 1 < codeLines.Count ? codeLines[compiled - 1] + 1 : compiled;
            message = m.Groups["rest"].Value;
        }
        else
        {
            if (SubmissionFrame().Match(message) is { Success: true } f)
            {
                int compiled = int.Parse(f.Groups["line"].Value, CultureInfo.InvariantCulture);
                line = compiled - 1 < codeLines.Count ? codeLines[compiled - 1] + 1 : 0;
            }
            // The exception's first line; a native (libtorch) error carries a C++ trace after
            // "Exception raised from".
            message = message.Split('\n')[0].TrimEnd();
        }
        var text = line > 0 && line <= lines.Length ? lines[line - 1] : null;
        if (injected)
            message = "(parameters injected after this cell) " + message;
        return new NotebookCellException(number, line, text, message);
    }

    static bool IsDirective(string line)
    {
        var t = line.TrimStart();
        return t.StartsWith("#r ", StringComparison.Ordinal)
            || t.StartsWith("#i ", StringComparison.Ordinal)
            || t.StartsWith("#!", StringComparison.Ordinal);
    }

    static async Task<string> InjectedCode(
        Kernel kernel,
        IReadOnlyList<KeyValuePair<string, string>> parameters
    )
    {
        var result = await kernel.SendAsync(new RequestValueInfos(KernelHost.CSharp));
        var declared = result
            .Events.OfType<ValueInfosProduced>()
            .SelectMany(v => v.ValueInfos)
            .GroupBy(v => v.Name)
            .ToDictionary(g => g.Key, g => g.Last().TypeName, StringComparer.Ordinal);
        var lines = new List<string> { "// Parameters injected by 'weights notebook run --param'" };
        foreach (var (name, text) in parameters)
        {
            if (!declared.TryGetValue(name, out var typeName))
            {
                var near = declared.Keys.OrderBy(k => Nearest.Distance(k, name)).Take(3);
                throw new ArgumentException(
                    $"--param {name}: the parameters cell declares no variable '{name}'; it declares {string.Join(", ", declared.Keys)} (nearest: {string.Join(", ", near)})"
                );
            }
            var type = Type.GetType(typeName)
                ?? throw new ArgumentException(
                    $"--param {name}: the parameters cell declares it as {typeName}; only string, bool, int, long, float, double and arrays of them can be set from the command line"
                );
            lines.Add(NotebookParameters.Assignment(name, type, text));
        }
        return string.Join('\n', lines);
    }
}
