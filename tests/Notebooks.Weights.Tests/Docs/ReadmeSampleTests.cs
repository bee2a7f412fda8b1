using System.Text.RegularExpressions;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using Notebooks.Weights.Cli.Notebook;
using Notebooks.Weights.Tests.NotebookTests;

namespace Notebooks.Weights.Tests.Docs;

/// <summary>
/// The README's C# samples compile in the real C# kernel after the package is loaded (they need
/// InceptionV1's weights to run, so the kernel is asked for their diagnostics, not to run them).
/// </summary>
[Collection("NotebookRunner")]
public class ReadmeSampleTests
{
    static List<string> CSharpBlocks() =>
        Regex
            .Matches(
                File.ReadAllText(Path.Combine(KernelTestSupport.RepoRoot(), "README.md")),
                "```csharp\n(.*?)```",
                RegexOptions.Singleline
            )
            .Select(m => m.Groups[1].Value)
            .Where(code => code.Contains("using Notebooks.Weights"))
            .ToList();

    [Fact]
    public void The_readme_has_an_api_sample()
    {
        var blocks = CSharpBlocks();
        Assert.NotEmpty(blocks);
        Assert.Contains(blocks, b =>
            b.Contains("ExpandedWeights.Get(model, \"mixed3a\", \"mixed3b\")")
        );
    }

    [Fact]
    public async Task Readme_samples_compile_in_the_kernel()
    {
        KernelTestSupport.EnsurePacked();
        using var kernel = KernelHost.Create();
        var load = await kernel.SendAsync(
            new SubmitCode(
                $"#i \"nuget: {KernelTestSupport.PackagesFolder}\"\n#r \"nuget: Notebooks.Weights, *-*\""
            )
        );
        Assert.DoesNotContain(load.Events, e => e is CommandFailed);
        foreach (var code in CSharpBlocks())
        {
            var result = await kernel.SendAsync(new RequestDiagnostics(code, KernelHost.CSharp));
            var errors = result
                .Events.OfType<DiagnosticsProduced>()
                .SelectMany(d => d.Diagnostics)
                .Where(d => d.Severity.ToString() == "Error")
                .ToList();
            Assert.True(
                errors.Count == 0,
                string.Join("\n", errors.Select(e => $"{e.LinePositionSpan}: {e.Code} {e.Message}"))
            );
        }
    }
}
