namespace Notebooks.Weights.Cli.Notebook;

/// <summary>
/// Where the notebooks find the package until it is published: <c>scripts/pack</c> packs
/// Notebooks.Weights and Notebooks.Weights.Interactive into <c>artifacts/packages</c> of the clone
/// and writes <see cref="ImportFile"/> there (<c>#i</c> of that folder, then <c>#r "nuget:
/// Notebooks.Weights, *-*"</c>); each notebook's first cell imports it as <c>#!import
/// ../artifacts/packages/use-local-build.dib</c>, relative to the notebook's folder, which is the
/// kernel's working directory in VS Code, Jupyter and <c>weights notebook run</c>.
/// </summary>
public static class LocalPackages
{
    /// <summary>The file <c>scripts/pack</c> writes beside the packages.</summary>
    public const string ImportFile = "use-local-build.dib";

    /// <summary>
    /// The clone's <c>notebooks</c> folder, searched above the current directory and then above
    /// this tool's own folder; it must have packed packages beside it.
    /// </summary>
    public static string NotebooksFolder()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var notebooks = Path.Combine(dir.FullName, "notebooks");
                if (!File.Exists(Path.Combine(notebooks, "visualizing-weights.ipynb")))
                    continue;
                var import = Path.Combine(dir.FullName, "artifacts", "packages", ImportFile);
                if (!File.Exists(import))
                    throw new InvalidOperationException(
                        $"the notebooks load Notebooks.Weights from the local pack, but {import} does not exist: run scripts/pack first"
                    );
                return notebooks;
            }
        }
        throw new InvalidOperationException(
            $"no clone of Notebooks.Weights (a notebooks/ folder) above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}"
        );
    }
}
