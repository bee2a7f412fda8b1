using Notebooks.Weights.Cli.Notebook;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights notebook run</c>: executes a notebook's cells in the real .NET Interactive C# kernel.</summary>
[Flags("save-outputs", "quiet", "no-package-outputs")]
public sealed class NotebookRunVerb : IVerb
{
    public string Name => "notebook run";
    public string Summary => "run a notebook's cells in order in the .NET Interactive C# kernel and save its outputs into the notebook and/or an HTML page";
    public string Usage => """
          weights notebook run NOTEBOOK.ipynb [--param name=value]... [--html out.html] [--save-outputs] [--out other.ipynb] [--no-package-outputs] [--quiet]
            --param name=value     override a variable of the cell tagged 'parameters' (papermill style; repeat or separate with ';')
            --html FILE            write a standalone HTML page of the notebook with its outputs
            --save-outputs         write the outputs back into NOTEBOOK.ipynb
            --out FILE             write the notebook with outputs to FILE instead
            --no-package-outputs   leave out the outputs of package cells (#r "nuget:", #i, #!import): the kernel's package
                                   list names folders of this machine (restore sources, extension scripts)
            --quiet                no per-cell progress lines, no cell stderr (render progress) while cells run
          The kernel runs in the notebook's folder, as in VS Code and Jupyter.
          exit code 1 when a cell fails ("cell N, line L `source`: error"); outputs up to that cell are still written.
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
        var noPackageOutputs = args.Flag("no-package-outputs");
        args.EnsureAllUsed();
        if (save && outPath != null) throw new CliUsageException("--save-outputs and --out both say where to write the notebook; give one");
        if (!path.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase)) throw new CliUsageException($"expected a .ipynb notebook, got '{path}'");

        var notebook = NotebookRunner.Load(path);
        var options = new NotebookRunOptions
        {
            Parameters = parameters,
            Log = quiet ? null : stdout,
            CellStderr = quiet ? null : stderr,   // progress of long cells while they run
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(path)),
        };
        var result = Task.Run(() => NotebookRunner.RunAsync(notebook, options)).GetAwaiter().GetResult();
        if (noPackageOutputs) NotebookRunner.ClearPackageCellOutputs(notebook);
        if (save) NotebookRunner.Save(notebook, path);
        if (outPath != null) NotebookRunner.Save(notebook, outPath);
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
