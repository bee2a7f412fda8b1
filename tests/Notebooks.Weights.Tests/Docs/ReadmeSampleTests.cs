using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Notebooks.Weights.Cli.Notebook;
using Notebooks.Weights.Tests.NotebookTests;

namespace Notebooks.Weights.Tests.Docs;

/// <summary>The README's C# samples compile against the current API (they need InceptionV1's weights to run, so they are compiled, not run).</summary>
public class ReadmeSampleTests
{
    public static TheoryData<int> Samples() => new(Enumerable.Range(0, CSharpBlocks().Count));

    static List<string> CSharpBlocks() =>
        Regex.Matches(File.ReadAllText(Path.Combine(NotebookExecutionTests.RepoRoot(), "README.md")), "```csharp\n(.*?)```", RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value)
            .Where(code => code.Contains("using Notebooks.Weights"))
            .ToList();

    [Fact]
    public void The_readme_has_an_api_sample()
    {
        var blocks = CSharpBlocks();
        Assert.NotEmpty(blocks);
        Assert.Contains(blocks, b => b.Contains("ExpandedWeights.Get(model, \"mixed3a\", \"mixed3b\")"));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Readme_sample_compiles(int index)
    {
        var code = CSharpBlocks()[index];
        var errors = CSharpScript.Create(code, NotebookRunner.ScriptOptions).Compile().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => e.ToString())));
    }
}
