using System.Text.RegularExpressions;
using Microsoft.DotNet.Interactive.Documents;
using Notebooks.Weights.Cli.Notebook;
using Notebooks.Weights.Tests.NotebookTests;

namespace Notebooks.Weights.Tests.Docs;

/// <summary>
/// docs/guide.md cannot rot: its ```csharp blocks run in order as the cells of one notebook in the
/// real .NET Interactive kernel (its first block, #r "nuget: Notebooks.Weights, *-*", after #i of
/// the local pack as the guide says for local builds), on the default model.
/// </summary>
[Collection("NotebookRunner")]
public class GuideSamplesTests
{
    static string RepoFile(string relative)
    {
        for (
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            dir is not null;
            dir = dir.Parent
        )
        {
            var path = Path.Combine(dir.FullName, relative);
            if (File.Exists(path))
                return path;
        }
        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }

    /// <summary>Bodies of the fenced blocks whose info string is exactly
    /// <paramref name="language"/>.</summary>
    internal static List<string> Blocks(string markdown, string language) =>
        Regex
            .Matches(
                markdown.Replace("\r\n", "\n"),
                @"^```" + Regex.Escape(language) + @"[ \t]*\n(.*?)^```[ \t]*$",
                RegexOptions.Multiline | RegexOptions.Singleline
            )
            .Select(m => m.Groups[1].Value.TrimEnd('\n'))
            .ToList();

    [Fact]
    public async Task EveryCSharpBlockOfTheGuideRunsInOrderOnTheDefaultModel()
    {
        KernelTestSupport.EnsurePacked();
        var blocks = Blocks(File.ReadAllText(RepoFile("docs/guide.md")), "csharp");
        Assert.True(
            blocks.Count >= 15,
            $"expected the guide's samples, found {blocks.Count} ```csharp blocks"
        );
        Assert.StartsWith("#r \"nuget: Notebooks.Weights", blocks[0]);
        // A last cell reports values the samples computed, checked against the model rather than
        // copied from the run.
        const string check =
            "string.Join(\";\", string.Join(\",\", W12.shape), System.IO.File.Exists(reportPath), "
            + "model.WeightsHash == Notebooks.Weights.Models.ModelRegistry.Load(\"default\").WeightsHash)";
        var nb = KernelTestSupport.Notebook([
            $"#i \"nuget: {KernelTestSupport.PackagesFolder}\"\n" + blocks[0],
            .. blocks.Skip(1),
            check,
        ]);
        var result = await Task.Run(() => NotebookRunner.RunAsync(nb));
        Assert.True(
            result.Succeeded,
            $"{result.Error?.Message}\n--- block ---\n{(result.Error is { } e ? nb.Elements[e.CellNumber - 1].Contents : "")}"
        );
        Assert.Equal(blocks.Count + 1, result.CellsRun);
        // W12 is [5, 5, 64, 96]; the report was written; the sample restores the edited weight (the
        // model ends with its shipped weights).
        Assert.Equal(
            "5,5,64,96;True;True",
            NotebookHtml.DataText(
                KernelTestSupport.Data(nb.Elements[^1].Outputs.Single())!,
                "text/plain"
            )
        );
        // Every cell that ends in a value displayed something.
        Assert.All(
            nb.Elements.Skip(2)
                .SkipLast(1)
                .Where(c =>
                    !c.Contents.TrimEnd().EndsWith(';') && !c.Contents.TrimEnd().EndsWith('}')
                ),
            c => Assert.NotEmpty(c.Outputs)
        );
    }

    [Fact]
    public void TheStandaloneSampleInTheGuideIsTheSampleFileVerbatim()
    {
        var sample = File.ReadAllText(RepoFile("kernel-extension/samples/standalone-report.cs"))
            .Replace("\r\n", "\n")
            .TrimEnd('\n');
        var blocks = Blocks(File.ReadAllText(RepoFile("docs/guide.md")), "cs");
        Assert.Contains(sample, blocks);
    }

    [Fact]
    public void BlocksAreFoundByTheirExactInfoString()
    {
        var md = "text\n```csharp\nvar a = 1;\n```\n```cs\nskip\n```\n```csharp\nb\n\nc\n```\n";
        Assert.Equal(new[] { "var a = 1;", "b\n\nc" }, Blocks(md, "csharp"));
        Assert.Equal(new[] { "skip" }, Blocks(md, "cs"));
    }
}
