using System.Text.RegularExpressions;
using Notebooks.Weights.Cli.Notebook;
using static Notebooks.Weights.Tests.NotebookTests.KernelTestSupport;

namespace Notebooks.Weights.Tests.NotebookTests;

/// <summary>What a long run shows while it runs: cells numbered as the page numbers them, and each
/// cell's stderr.</summary>
[Collection("NotebookRunner")]
public class KernelProgressTests
{
    [Fact]
    public async Task Cells_are_logged_by_their_page_number_and_their_stderr_is_forwarded()
    {
        // Markdown (null) between code cells: positions 1, 3, 4 are the page's [1], [2], [3].
        var doc = Notebook(
            "Console.Error.WriteLine(\"rendering 2 units: step 1/2\");\nConsole.Error.WriteLine(\"rendering 2 units: step 2/2\");",
            null,
            "var x = 1;",
            "x + 1"
        );
        var log = new StringWriter();
        var stderr = new StringWriter();
        var result = await Task.Run(() =>
            NotebookRunner.RunAsync(doc, new NotebookRunOptions { Log = log, CellStderr = stderr })
        );
        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(
            "rendering 2 units: step 1/2\nrendering 2 units: step 2/2\n",
            stderr.ToString().Replace("\r\n", "\n")
        );
        var logged = Regex
            .Matches(log.ToString(), @"^cell \[(\d+)\]: ok", RegexOptions.Multiline)
            .Select(m => int.Parse(m.Groups[1].Value))
            .ToList();
        Assert.Equal([1, 2, 3], logged);
        Assert.Equal(
            logged,
            doc.Elements.Where(NotebookRunner.IsCode).Select(c => c.ExecutionOrder)
        );
        // The cell keeps its stderr as an output too.
        Assert.Contains(
            "step 2/2",
            string.Concat(
                doc.Elements[0]
                    .Outputs.OfType<Microsoft.DotNet.Interactive.Documents.TextElement>()
                    .Select(t => t.Text)
            )
        );
    }
}
