using System.Text.RegularExpressions;
using Notebooks.Weights.Cli.Notebook;

namespace Notebooks.Weights.Tests.Docs;

/// <summary>
/// docs/guide.md cannot rot: its ```csharp blocks run in order as the cells of one notebook (the runner of
/// <c>weights notebook run</c>: one Roslyn script state, display(), #r "nuget: Notebooks.Weights" resolved to this build),
/// on the default model.
/// </summary>
[Collection("NotebookRunner")] // the Formatter and Console.Out are process-wide: one run at a time
public class GuideSamplesTests
{
    static string RepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, relative);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }

    /// <summary>Bodies of the fenced blocks whose info string is exactly <paramref name="language"/>.</summary>
    internal static List<string> Blocks(string markdown, string language) =>
        Regex.Matches(markdown.Replace("\r\n", "\n"), @"^```" + Regex.Escape(language) + @"[ \t]*\n(.*?)^```[ \t]*$", RegexOptions.Multiline | RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value.TrimEnd('\n')).ToList();

    [Fact]
    public void EveryCSharpBlockOfTheGuideRunsInOrderOnTheDefaultModel()
    {
        var blocks = Blocks(File.ReadAllText(RepoFile("docs/guide.md")), "csharp");
        Assert.True(blocks.Count >= 15, $"expected the guide's samples, found {blocks.Count} ```csharp blocks");
        var nb = NotebookDocument.CreateCSharp();
        foreach (var b in blocks) nb.AddCell("code", b);
        var result = NotebookRunner.Run(nb);
        Assert.True(result.Succeeded, $"{result.Error?.Message}\n--- block ---\n{(result.Error is { } e ? blocks[Math.Max(0, result.CellsRun - 1)] : "")}");
        Assert.Equal(blocks.Count, result.CellsRun);

        // A few values the samples compute, checked against the model rather than copied from the run.
        var v = result.Variables;
        Assert.Equal(new long[] { 5, 5, 64, 96 }, ((TorchSharp.torch.Tensor)v["W12"]!).shape);
        Assert.True(File.Exists((string)v["reportPath"]!));
        // The sample restores the edited weight: the model ends with its shipped weights.
        using var fresh = Notebooks.Weights.Models.ModelRegistry.Load("default");
        Assert.Equal(fresh.WeightsHash, ((Notebooks.Weights.Models.VisionModel)v["model"]!).WeightsHash);
        // Every cell that ends in a value displayed something.
        Assert.All(nb.Cells.Skip(2), c => Assert.NotEmpty(c.Outputs));
    }

    [Fact]
    public void TheStandaloneSampleInTheGuideIsTheSampleFileVerbatim()
    {
        var sample = File.ReadAllText(RepoFile("kernel-extension/samples/standalone-report.cs")).Replace("\r\n", "\n").TrimEnd('\n');
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
