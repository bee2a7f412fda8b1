using Notebooks.Weights.Cli.Notebook;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights notebook run</c>: executes a C# notebook's cells without the .NET Interactive host.</summary>
[Flags("save-outputs", "quiet")]
public sealed class NotebookRunVerb : IVerb
{
    public string Name => "notebook run";
    public string Summary => "run a C# notebook's cells in order (Roslyn scripting) and save outputs into it and/or to an HTML page";
    public string Usage => """
          weights notebook run NOTEBOOK.ipynb [--param name=value]... [--html out.html] [--save-outputs] [--out other.ipynb] [--quiet]
            --param name=value   override a variable of the cell tagged 'parameters' (papermill style; repeat or separate with ';')
            --html FILE          write a standalone HTML page of the notebook with its outputs
            --save-outputs       write the outputs back into NOTEBOOK.ipynb
            --out FILE           write the notebook with outputs to FILE instead
            --quiet              no per-cell progress lines
          exit code 1 when a cell fails ("cell N: error"); outputs up to that cell are still written.
        """;

    public int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Positional.Count != 1) throw new CliUsageException($"expected one notebook path, got {args.Positional.Count} ({string.Join(" ", args.Positional)})");
        var path = args.Positional[0];
        var parameters = (args.Get("param") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(NotebookParameters.ParseOption).ToList();
        var html = args.Get("html");
        var save = args.Flag("save-outputs");
        var outPath = args.Get("out");
        var quiet = args.Flag("quiet");
        args.EnsureAllUsed();
        if (save && outPath != null) throw new CliUsageException("--save-outputs and --out both say where to write the notebook; give one");
        if (!path.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase)) throw new CliUsageException($"expected a .ipynb notebook, got '{path}'");

        var notebook = NotebookDocument.Load(path);
        var result = NotebookRunner.Run(notebook, new NotebookRunOptions { Parameters = parameters, Log = quiet ? null : stdout });
        if (save) notebook.Save(path);
        if (outPath != null) notebook.Save(outPath);
        if (html != null) File.WriteAllText(html, NotebookHtml.Render(notebook, Path.GetFileNameWithoutExtension(path)));
        if (result.Error is { } e)
        {
            stderr.WriteLine($"weights notebook run: {Path.GetFileName(path)}: {e.Message}");
            return 1;
        }
        if (!quiet) stdout.WriteLine($"{Path.GetFileName(path)}: {result.CellsRun} cells ran in {result.Elapsed.TotalSeconds:0.0} s");
        return 0;
    }
}
