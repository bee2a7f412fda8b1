using AngleSharp.Html.Parser;
using Microsoft.DotNet.Interactive.Documents;
using Notebooks.Weights.Cli.Notebook;
using static Notebooks.Weights.Tests.NotebookTests.KernelTestSupport;

namespace Notebooks.Weights.Tests.NotebookTests;

/// <summary>
/// Every committed notebook runs top to bottom in the real .NET Interactive C# kernel, loading the
/// packed packages through its first cell exactly as a user does, on the default model (smaller
/// feature-visualization budgets through the notebooks' parameters to keep the suite fast). No cell
/// may fail; the outputs are the kernel's own kinds.
/// </summary>
[Collection("NotebookRunner")]
public class KernelNotebookTests
{
    public static TheoryData<string> Notebooks() =>
        new(
            Directory
                .GetFiles(Path.Combine(RepoRoot(), "notebooks"), "*.ipynb")
                .Select(Path.GetFileName)
                .Order()!
        );

    static KeyValuePair<string, string>[] TestParameters(string notebook) =>
        notebook switch
        {
            "visualizing-weights.ipynb" => [new("featureVisSteps", "24")],
            "feature-vis-objectives.ipynb" => [new("steps", "12")],
            _ => [],
        };

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Notebook_runs_in_the_real_kernel_from_the_local_pack_with_the_kernels_output_kinds_and_pictures(
        string notebook
    )
    {
        var result = RunNotebook(NotebookPath(notebook), TestParameters(notebook));
        Assert.True(result.Succeeded, $"{notebook}: {result.Error?.Message}");
        var code = result.Notebook.Elements.Where(NotebookRunner.IsCode).ToList();
        Assert.All(code, c =>
            Assert.True(
                c.ExecutionOrder > 0,
                $"cell not run: {c.Contents[..Math.Min(60, c.Contents.Length)]}"
            )
        );
        var outputs = code.SelectMany(c => c.Outputs).ToList();
        Assert.DoesNotContain(outputs, o => o is ErrorElement);
        // The kernel shows values as text/html and/or text/plain (never image/png: the views are
        // HTML with inline pictures).
        foreach (var data in outputs.Select(Data).OfType<IDictionary<string, object>>())
            Assert.All(data.Keys, k => Assert.Contains(k, new[] { "text/html", "text/plain" }));
        // The package cell: the kernel's package list, then the package's extension script.
        var package = code[0]
            .Outputs.Select(o => Html(o) ?? NotebookHtml.DataText(Data(o)!, "text/plain"))
            .ToList();
        Assert.Contains(package, t =>
            t!.Contains("Installed Packages") && t.Contains("Notebooks.Weights, 1.0.0-local.")
        );
        Assert.Contains(package, t =>
            t!.StartsWith("Loading extension script from `")
            && t.EndsWith("interactive-extensions/dotnet/extension.dib`")
        );
        // Pictures: every inline picture decodes, and each notebook shows several.
        var pictures = outputs.Select(Html).OfType<string>().SelectMany(Pictures).ToList();
        Assert.True(pictures.Count >= 10, $"{notebook} shows only {pictures.Count} pictures");
        if (notebook == "visualizing-weights.ipynb")
            AssertTopConnections(result.Notebook, expectedWeightSizes: [6, 3]);
        foreach (var p in pictures)
            p.Dispose();
    }

    /// <summary>
    /// Every notebook also runs top to bottom on the real ImageNet ResNet18 (restored by this
    /// project), with its preset's layers and units and tiny feature-visualization budgets: the top
    /// connections are W = 5 in (layer2.0 → layer2.1) and W = 6 out (layer2.1 → layer3.0, a
    /// stride-2 block).
    /// </summary>
    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Notebook_runs_top_to_bottom_on_resnet18(string notebook)
    {
        KeyValuePair<string, string>[] parameters = notebook switch
        {
            "visualizing-weights.ipynb" =>
            [
                new("modelName", "resnet18"),
                new("featureVisSteps", "4"),
            ],
            "feature-vis-objectives.ipynb" => [new("modelName", "resnet18"), new("steps", "4")],
            _ => [new("modelName", "resnet18")],
        };
        var result = RunNotebook(NotebookPath(notebook), parameters);
        Assert.True(result.Succeeded, $"{notebook} on resnet18: {result.Error?.Message}");
        var code = result.Notebook.Elements.Where(NotebookRunner.IsCode).ToList();
        Assert.All(code, c =>
            Assert.True(
                c.ExecutionOrder > 0,
                $"cell not run: {c.Contents[..Math.Min(60, c.Contents.Length)]}"
            )
        );
        Assert.DoesNotContain(code.SelectMany(c => c.Outputs), o => o is ErrorElement);
        if (notebook == "visualizing-weights.ipynb")
            AssertTopConnections(result.Notebook, expectedWeightSizes: [5, 6]);
    }

    /// <summary>The top-connections cell shows two rows (in, out) of 10 units, each weight a W×W
    /// picture (W per row), under feature visualizations.</summary>
    internal static void AssertTopConnections(InteractiveDocument doc, int[] expectedWeightSizes)
    {
        var cell = doc.Elements.Single(c =>
            NotebookRunner.IsCode(c) && c.Contents.Contains("NotebookPictures.TopConnections(")
        );
        var html = Html(cell.Outputs.OfType<ReturnValueElement>().Single())!;
        var page = new HtmlParser().ParseDocument(html);
        var rows = page.QuerySelectorAll(".nw-row");
        Assert.Equal(2, rows.Length);
        foreach (var (row, size) in rows.Zip(expectedWeightSizes))
        {
            var weights = row.QuerySelectorAll("img.weight").Select(i => i.OuterHtml).ToList();
            Assert.Equal(10, weights.Count);
            foreach (var bmp in Pictures(string.Concat(weights)))
            {
                Assert.Equal((size, size), (bmp.Width, bmp.Height));
                bmp.Dispose();
            }
            Assert.Equal(10, row.QuerySelectorAll("img.featurevis").Length);
        }
    }

    [Fact]
    public void Committed_notebooks_hold_only_kernel_output_kinds_and_no_local_paths()
    {
        foreach (var path in Directory.GetFiles(NotebooksFolder, "*.ipynb"))
        {
            var text = File.ReadAllText(path);
            foreach (
                var local in new[]
                {
                    RepoRoot(),
                    "/home/",
                    "/root/",
                    "/tmp/",
                    "/work/",
                    "C:\\\\Users",
                }
            )
                Assert.False(
                    text.Contains(local, StringComparison.Ordinal),
                    $"{Path.GetFileName(path)} holds the local path '{local}'"
                );
            Assert.DoesNotContain("\"image/png\"", text);
            var doc = NotebookRunner.Load(path);
            var code = doc.Elements.Where(NotebookRunner.IsCode).ToList();
            Assert.Equal(PackageCell, code[0].Contents.Split('\n').Last().Trim());
            Assert.True(NotebookRunner.IsPackageCell(code[0]));
            Assert.Empty(code[0].Outputs); // scripts/notebook-outputs leaves out the package list (it names this machine's folders)
            Assert.Equal([NotebookParameters.ParametersTag], NotebookRunner.Tags(code[1]));
            Assert.Contains("var modelName = \"default\";", code[1].Contents);
            Assert.All(code.Skip(1), c =>
                Assert.True(
                    c.ExecutionOrder > 0,
                    $"{Path.GetFileName(path)}: a cell without outputs from the kernel"
                )
            );
            Assert.DoesNotContain(code.SelectMany(c => c.Outputs), o => o is ErrorElement);
        }
    }
}
