using Notebooks.Weights.Cli.Notebook;
using static Notebooks.Weights.Tests.NotebookTests.KernelTestSupport;

namespace Notebooks.Weights.Tests.NotebookTests;

/// <summary>
/// Either package may come first, in the in-process kernel: the library alone gives working raw
/// TorchSharp and HTML tensors, views and charts (its own extension.dib); the extension package
/// first works the same. (In a process of its own, where nothing loaded TorchSharp before, the same
/// cells run in the dotnet-interactive tool: <see cref="ToolAgreementTests"/>.)
/// </summary>
[Collection("NotebookRunner")]
public class PackageOrderTests
{
    internal static string Source(string packageLines) =>
        $"#i \"nuget: {PackagesFolder}\"\n{packageLines}";

    internal static readonly string[] Checks =
    [
        "using TorchSharp;\ntorch.ones(2, 3).sum().item<float>()",
        "torch.tensor(new float[] { 1, -1, 0.5f, 0 }).view(2, 2)",
        "Notebooks.Weights.Rendering.WeightColorScale.Heatmap(torch.tensor(new float[] { 2, -1 }).view(1, 2))",
        "XPlot.Plotly.Chart.Plot(new XPlot.Plotly.Bar { y = new[] { 3.0, 1, 2 } })",
    ];

    [Theory]
    [InlineData("#r \"nuget: Notebooks.Weights, *-*\"")]
    [InlineData(
        "#r \"nuget: Notebooks.Weights.Interactive, *-*\"\n#r \"nuget: Notebooks.Weights, *-*\""
    )]
    public async Task Either_package_first_gives_raw_torchsharp_and_html_views(string packageLines)
    {
        EnsurePacked();
        var doc = Notebook([Source(packageLines), .. Checks]);
        var result = await Task.Run(() => NotebookRunner.RunAsync(doc));
        Assert.True(result.Succeeded, result.Error?.Message);
        AssertChecks(doc.Elements.Skip(1).Select(c => Html(c.Outputs.Single())!).ToList());
    }

    /// <summary>What the four check cells must show (as text/html), from either host.</summary>
    internal static void AssertChecks(IReadOnlyList<string> html)
    {
        Assert.Contains("<pre>6</pre>", html[0]);
        Assert.Contains("Tensor [2, 2] Float32", html[1]);
        Assert.Contains(Pictures(html[1]), b => (b.Width, b.Height) == (2, 2)); // the tensor's heatmap (beside its legend)
        Assert.Contains(Pictures(html[2]), b => (b.Width, b.Height) == (2, 1));
        Assert.Contains("Plotly.newPlot", html[3]);
    }
}
