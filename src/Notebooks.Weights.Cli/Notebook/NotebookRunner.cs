using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;
using Microsoft.DotNet.Interactive.Formatting;
using Notebooks.Weights.Text;

namespace Notebooks.Weights.Cli.Notebook;

/// <summary>Options of <see cref="NotebookRunner.Run"/>.</summary>
public sealed class NotebookRunOptions
{
    /// <summary>Overrides for variables of the cell tagged "parameters" (name → value text).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; init; } = [];
    /// <summary>Progress lines ("cell 3: 1.2 s"), or null for none.</summary>
    public TextWriter? Log { get; init; }
}

/// <summary>What a run did: the notebook now holds the outputs; <see cref="Error"/> is set when a cell failed.</summary>
public sealed class NotebookRunResult
{
    /// <summary>The notebook with outputs written into its code cells.</summary>
    public required NotebookDocument Notebook { get; init; }
    /// <summary>Code cells executed (including the failing one).</summary>
    public int CellsRun { get; init; }
    /// <summary>The failure, or null when every cell ran.</summary>
    public NotebookCellException? Error { get; init; }
    /// <summary>True when every code cell ran.</summary>
    public bool Succeeded => Error is null;
    /// <summary>Wall time of the run.</summary>
    public TimeSpan Elapsed { get; init; }
    /// <summary>The script's variables after the last cell that ran (latest declaration per name), for inspection and tests.</summary>
    public IReadOnlyDictionary<string, object?> Variables { get; init; } = new Dictionary<string, object?>();
}

/// <summary>
/// Runs a C# notebook without the .NET Interactive host: the code cells execute in order in one Roslyn script
/// state (as the C# kernel does), <c>display(...)</c> and each cell's last value are formatted by
/// Microsoft.DotNet.Interactive.Formatting into nbformat mime bundles, and console output becomes stream outputs.
/// Package references to this project's packages resolve to the running build (see <see cref="CellDirectives"/>).
/// A failing cell stops the run; its error is recorded in the notebook and in <see cref="NotebookRunResult.Error"/>.
/// </summary>
public static class NotebookRunner
{
    static readonly string[] DefaultImports =
        ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Text", "System.Threading.Tasks",
         "Microsoft.DotNet.Interactive.Formatting"];

    const string Preamble = "using static Notebooks.Weights.Cli.Notebook.NotebookKernel;\nusing Notebooks.Weights.Cli.Notebook;";

    static readonly Lazy<ScriptOptions> Options = new(CreateOptions);

    /// <summary>The script options cells compile with (references and imports), for tools that check C# snippets.</summary>
    public static ScriptOptions ScriptOptions => Options.Value;

    /// <summary>Runs every code cell of <paramref name="notebook"/> (outputs are written into it).</summary>
    public static NotebookRunResult Run(NotebookDocument notebook, NotebookRunOptions? options = null)
    {
        options ??= new NotebookRunOptions();
        // Scripts may await; run off any caller synchronization context (xunit, UI) so blocking here cannot deadlock.
        return Task.Run(() => RunCore(notebook, options)).GetAwaiter().GetResult();
    }

    static async Task<NotebookRunResult> RunCore(NotebookDocument notebook, NotebookRunOptions options)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        var watch = Stopwatch.StartNew();
        RemoveInjectedCells(notebook);
        // number: the cell's position in the notebook as given (the injected cell borrows its parameters cell's number).
        var cells = notebook.Cells.Select(c => (cell: c, number: c.Number, injected: false)).ToList();
        var paramsCell = cells.FindIndex(c => c.cell.CellType == "code" && c.cell.Tags.Contains(NotebookParameters.ParametersTag));
        if (options.Parameters.Count > 0 && paramsCell < 0)
            throw new ArgumentException($"--param given but the notebook has no code cell tagged '{NotebookParameters.ParametersTag}'");

        Formatter.ResetToDefault();
        var state = await CSharpScript.RunAsync(Preamble, Options.Value);
        int executionCount = 0, run = 0;
        NotebookCellException? error = null;
        for (int k = 0; k < cells.Count; k++)
        {
            var (cell, number, isInjected) = cells[k];
            if (cell.CellType != "code") continue;
            if (error != null) { cell.SetOutputs([], null); continue; }
            var lang = cell.Language ?? notebook.DefaultLanguage;
            if (lang is "markdown" or "mermaid") continue;
            var console = new StringWriter();
            var outputs = new CellOutputs(() => { var s = console.ToString(); console.GetStringBuilder().Clear(); return s; });
            var started = Stopwatch.StartNew();
            bool skipped = false;
            int? count = null;
            try
            {
                if (lang != "csharp")
                    throw new NotebookCellException(number, 0, $"the cell's language is '{lang}'; 'weights notebook run' runs C# cells only");
                var pre = CellDirectives.Process(cell.Source, number);
                if (pre.IsMarkdown) { skipped = true; continue; }
                run++;
                count = ++executionCount;
                if (pre.Packages.Contains("Notebooks.Weights.Interactive", StringComparer.OrdinalIgnoreCase)) LoadKernelExtension(number);
                state = await RunCell(state, pre.Code, number, outputs, console);
                if (state.ReturnValue is { } value) outputs.Result(value, executionCount);
                if (k == paramsCell && options.Parameters.Count > 0)
                {
                    var code = InjectedCode(state, options.Parameters);
                    notebook.InsertCell(cell.Number, "code", code, NotebookParameters.InjectedTag);
                    var injected = notebook.Cells[cell.Number];
                    cells.Insert(k + 1, (injected, number, true));
                    for (int j = k + 2; j < cells.Count; j++) cells[j] = (notebook.Cells[cells[j].cell.Number], cells[j].number, false);
                }
            }
            catch (NotebookCellException e)
            {
                error = isInjected ? new NotebookCellException(number, 0, $"(parameters injected after this cell) {e.Error}", e.ErrorName, e) : e;
                outputs.Error(e.ErrorName, e.Error);
            }
            finally
            {
                if (!skipped) cell.SetOutputs(outputs.Outputs, count);
                options.Log?.WriteLine($"{(isInjected ? "injected parameters" : $"cell {number}")}: {(error is null ? "ok" : "FAILED")} ({started.Elapsed.TotalSeconds:0.0} s)");
            }
        }
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var v in state.Variables) variables[v.Name] = v.Value;
        return new NotebookRunResult { Notebook = notebook, CellsRun = run, Error = error, Elapsed = watch.Elapsed, Variables = variables };
    }

    static async Task<ScriptState<object>> RunCell(ScriptState<object> state, string code, int number, CellOutputs outputs, StringWriter console)
    {
        var previousOut = Console.Out;
        var previousOutputs = NotebookKernel.Current;
        Console.SetOut(console);
        NotebookKernel.Current = outputs;
        // Cells run TorchSharp code with implicit native scalars; keep finalizers from freeing them mid-call.
        using var finalizersHeld = Runtime.FinalizerGate.Hold();
        try
        {
            var next = await state.ContinueWithAsync<object>(code, Options.Value, _ => true);
            if (next.Exception is { } thrown) throw RuntimeError(number, thrown);
            return next;
        }
        catch (CompilationErrorException e)
        {
            var errors = e.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d =>
            {
                var pos = d.Location.GetLineSpan().StartLinePosition;
                return $"({pos.Line + 1},{pos.Character + 1}): error {d.Id}: {d.GetMessage()}";
            });
            throw new NotebookCellException(number, 0, "does not compile: " + string.Join("; ", errors), "CompilationError", e);
        }
        catch (NotebookCellException) { throw; }
        catch (Exception e) { throw RuntimeError(number, e); }
        finally
        {
            Console.SetOut(previousOut);
            NotebookKernel.Current = previousOutputs;
        }
    }

    static NotebookCellException RuntimeError(int number, Exception e)
    {
        while (e is TargetInvocationException or AggregateException && e.InnerException != null) e = e.InnerException;
        // Native (libtorch) errors carry a C++ stack trace after the message: keep the message.
        var message = e.Message;
        int trace = message.IndexOf("\nException raised from", StringComparison.Ordinal);
        if (trace > 0) message = message[..trace];
        return new NotebookCellException(number, 0, $"{e.GetType().Name}: {message.TrimEnd()}", e.GetType().Name, e);
    }

    static string InjectedCode(ScriptState<object> state, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        var declared = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var v in state.Variables) declared[v.Name] = v.Type;
        var lines = new List<string> { "// Parameters injected by 'weights notebook run --param'" };
        foreach (var (name, text) in parameters)
        {
            if (!declared.TryGetValue(name, out var type))
            {
                var near = declared.Keys.OrderBy(k => Nearest.Distance(k, name)).Take(3);
                throw new ArgumentException($"--param {name}: the parameters cell declares no variable '{name}'; it declares {string.Join(", ", declared.Keys)} (nearest: {string.Join(", ", near)})");
            }
            lines.Add(NotebookParameters.Assignment(name, type, text));
        }
        return string.Join('\n', lines);
    }

    static void RemoveInjectedCells(NotebookDocument notebook)
    {
        for (int i = notebook.Cells.Count - 1; i >= 0; i--)
            if (notebook.Cells[i].Tags.Contains(NotebookParameters.InjectedTag)) notebook.RemoveCell(i);
    }

    /// <summary>What the package's extension.dib does: register the kernel extension's formatters.</summary>
    static void LoadKernelExtension(int number)
    {
        Assembly assembly;
        try { assembly = Assembly.Load("Notebooks.Weights.Interactive"); }
        catch (FileNotFoundException)
        {
            throw new NotebookCellException(number, 0, "package 'Notebooks.Weights.Interactive' is not part of this build of the weights tool");
        }
        var register = assembly.GetType("Notebooks.Weights.Interactive.Formatters")?.GetMethod("Register", BindingFlags.Public | BindingFlags.Static, Type.EmptyTypes)
            ?? throw new NotebookCellException(number, 0, "Notebooks.Weights.Interactive has no Formatters.Register() to load");
        register.Invoke(null, null);
    }

    static ScriptOptions CreateOptions()
    {
        // Everything the host process can load (framework, library, TorchSharp, Formatting), as the kernel references its own closure.
        var tpa = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var paths = tpa.Where(p => !Path.GetFileName(p).StartsWith("Microsoft.CodeAnalysis", StringComparison.OrdinalIgnoreCase))
            .Concat(new[] { typeof(NotebookKernel).Assembly.Location, typeof(Runtime.TorchRuntime).Assembly.Location })
            .Where(File.Exists).Distinct(StringComparer.Ordinal);
        var refs = new List<MetadataReference>();
        foreach (var p in paths)
        {
            try { if (IsManaged(p)) refs.Add(MetadataReference.CreateFromFile(p)); }
            catch (BadImageFormatException) { }
        }
        return ScriptOptions.Default.WithReferences(refs).WithImports(DefaultImports)
            .WithLanguageVersion(Microsoft.CodeAnalysis.CSharp.LanguageVersion.Latest)
            .WithFileEncoding(System.Text.Encoding.UTF8);
    }

    static bool IsManaged(string path)
    {
        using var s = File.OpenRead(path);
        using var pe = new System.Reflection.PortableExecutable.PEReader(s);
        return pe.HasMetadata;
    }
}
