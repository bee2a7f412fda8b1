using Notebooks.Weights.Cli.Notebook;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// <c>weights tour</c>: the companion notebook (notebooks/visualizing-weights.ipynb, embedded in
/// the tool) run on a model, offline, into one self-contained HTML page, in the real .NET
/// Interactive kernel (needs scripts/pack).
/// </summary>
public sealed class TourVerb()
    : Verb(
        "tour",
        "the Visualizing Weights companion notebook on a model (default: the bundled one), offline, into one HTML page"
    )
{
    /// <summary>Resource name of the embedded companion notebook.</summary>
    public const string NotebookResource = "notebooks/visualizing-weights.ipynb";

    readonly Option<string> _model = Opt.Model("default");
    readonly Option<string> _out = Opt.Out(
        "FILE: the HTML page to write",
        required: false,
        defaultValue: "tour.html"
    );
    readonly Option<int?> _featureVisSteps = Opt.OptionalInt(
        "--feature-vis-steps",
        "optimization steps per feature visualization (default: the notebook's)",
        min: 1
    );
    public override string Notes =>
        """
              weights tour [--model default] [--out tour.html] [--feature-vis-steps 256]
                --model NAME|PATH         model to tour (default: the bundled default model; 'inceptionv1' uses the notebook's own units;
                                          'resnet18' = an ImageNet ResNet18 from NuGet; other models: layers and units derived from their graph)
                --out FILE                the page to write (default tour.html)
                --feature-vis-steps N     optimization steps per feature visualization (default: the model's preset, 256 on the
                                          bundled model and InceptionV1, 128 on ResNet18; Lucid uses 512)
              Feature visualizations (units, positions, factors) are cached under the user cache, so a second tour of the same
              model takes seconds. Cells report progress on stderr while they run; cell numbers are the page's [1]…[N].
            """;

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var model = args.Get(_model);
        var outPath = args.Get(_out);
        var steps = args.Get(_featureVisSteps);
        var parameters = new List<KeyValuePair<string, string>> { new("modelName", model) };
        if (steps is not null)
            parameters.Add(
                new(
                    "featureVisSteps",
                    steps.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)
                )
            );
        OutputPaths.File(outPath);
        var watch = Stopwatch.StartNew();
        var notebook = LoadNotebook();
        // The embedded notebook runs where the committed one lives, so its package cell finds the
        // local pack.
        var options = new NotebookRunOptions
        {
            Parameters = parameters,
            Log = stdout,
            CellStderr = stderr,
            WorkingDirectory = LocalPackages.NotebooksFolder(),
        };
        var result = Task.Run(() => NotebookRunner.RunAsync(notebook, options))
            .GetAwaiter()
            .GetResult();
        // The package cell's outputs list folders of this machine (restore sources, the extension's
        // path): not on the page.
        NotebookRunner.ClearPackageCellOutputs(notebook);
        var title = $"Visualizing weights: a tour of {model}";
        File.WriteAllText(outPath, NotebookHtml.Render(notebook, title, collapseCode: true));
        if (result.Error is { } e)
        {
            // The failing cell is the last one run: name it by the number the page shows.
            var shown = notebook.Elements.Max(c => c.ExecutionOrder);
            stderr.WriteLine(
                $"weights tour: {e.Message} (page cell [{shown}]; partial page written to {outPath})"
            );
            return 1;
        }
        stdout.WriteLine(
            $"wrote {outPath} ({result.CellsRun} cells, {watch.Elapsed.TotalSeconds:0.0} s)"
        );
        return 0;
    }

    /// <summary>The embedded companion notebook (outputs as committed; the run replaces
    /// them).</summary>
    public static Microsoft.DotNet.Interactive.Documents.InteractiveDocument LoadNotebook()
    {
        using var stream = typeof(TourVerb).Assembly.GetManifestResourceStream(NotebookResource)
            ?? throw new InvalidOperationException(
                $"this build of weights lacks the embedded {NotebookResource}"
            );
        using var reader = new StreamReader(stream);
        return Microsoft.DotNet.Interactive.Documents.Jupyter.Notebook.Parse(
            reader.ReadToEnd(),
            KernelHost.KernelInfos()
        );
    }
}
