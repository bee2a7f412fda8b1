using Notebooks.Weights.Cli.Notebook;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights notebook run</c>: executes a notebook's cells in the real .NET Interactive
/// C# kernel.</summary>
public sealed class NotebookRunVerb()
    : Verb(
        "notebook run",
        "run a notebook's cells in order in the .NET Interactive C# kernel and save its outputs into the notebook and/or an HTML page"
    )
{
    readonly Argument<string> _notebook = new("NOTEBOOK.ipynb")
    {
        Description = "the notebook to run",
    };
    readonly Option<string?> _param = Opt.OptionalText(
        "--param",
        "name=value: override a variable of the cell tagged 'parameters' (papermill style; separate several with ';')"
    );
    readonly Option<string?> _html = Opt.OptionalText(
        "--html",
        "write a standalone HTML page of the notebook with its outputs to this file"
    );
    readonly Option<bool> _saveOutputs = Opt.Flag(
        "--save-outputs",
        "write the outputs back into NOTEBOOK.ipynb"
    );
    readonly Option<string?> _out = Opt.OptionalOut(
        "write the notebook with outputs to this file instead"
    );
    readonly Option<bool> _noPackageOutputs = Opt.Flag(
        "--no-package-outputs",
        "leave out the outputs of package cells (#r \"nuget:\", #i, #!import): the kernel's package list names folders of this machine"
    );
    readonly Option<bool> _quiet = Opt.Flag(
        "--quiet",
        "no per-cell progress lines, no cell stderr (render progress) while cells run"
    );
    public override string Notes =>
        """
              The kernel runs in the notebook's folder, as in VS Code and Jupyter.
              exit code 1 when a cell fails ("cell N, line L `source`: error"); outputs up to that cell are still written.
            """;

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var path = args.Get(_notebook);
        var parameters = (args.Get(_param) ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(NotebookParameters.ParseOption)
            .ToList();
        var html = args.Get(_html);
        var save = args.Get(_saveOutputs);
        var outPath = args.Get(_out);
        var quiet = args.Get(_quiet);
        var noPackageOutputs = args.Get(_noPackageOutputs);
        if (save && outPath != null)
            throw new CliUsageException(
                "--save-outputs and --out both say where to write the notebook; give one"
            );
        if (!path.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase))
            throw new CliUsageException($"expected a .ipynb notebook, got '{path}'");
        if (html is not null)
            OutputPaths.File(html, "--html");
        if (outPath is not null)
            OutputPaths.File(outPath);

        var notebook = NotebookRunner.Load(path);
        var options = new NotebookRunOptions
        {
            Parameters = parameters,
            Log = quiet ? null : stdout,
            CellStderr = quiet ? null : stderr, // progress of long cells while they run
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(path)),
        };
        var result = Task.Run(() => NotebookRunner.RunAsync(notebook, options))
            .GetAwaiter()
            .GetResult();
        if (noPackageOutputs)
            NotebookRunner.ClearPackageCellOutputs(notebook);
        if (save)
            NotebookRunner.Save(notebook, path);
        if (outPath != null)
            NotebookRunner.Save(notebook, outPath);
        if (html != null)
            File.WriteAllText(
                html,
                NotebookHtml.Render(notebook, Path.GetFileNameWithoutExtension(path))
            );
        if (result.Error is { } e)
        {
            stderr.WriteLine($"weights notebook run: {Path.GetFileName(path)}: {e.Message}");
            return 1;
        }
        if (!quiet)
            stdout.WriteLine(
                $"{Path.GetFileName(path)}: {result.CellsRun} cells ran in {result.Elapsed.TotalSeconds:0.0} s"
            );
        return 0;
    }
}
