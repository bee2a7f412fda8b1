using System.Text.RegularExpressions;
using Notebooks.Weights.Connections;
using Notebooks.Weights.Explorer;
using Notebooks.Weights.Tests.Models.ResNet18;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Explorer;

/// <summary>
/// The explorer on the real ResNet18, whose top-level layers are graph nodes with no single conv
/// weight: it is explored at its graph's cuts (block outputs) with expanded weights as connections.
/// One layer, two units, 2 steps.
/// </summary>
[Collection("explorer")]
public sealed class ResNet18ExplorerTests(ResNet18Fixture resnet)
    : IClassFixture<ResNet18Fixture>,
        IDisposable
{
    readonly string _root = Path.Combine(
        Path.GetTempPath(),
        "resnet18-explorer-" + Guid.NewGuid().ToString("N")[..8]
    );

    [Fact]
    public void Plan_ExploresTheBlockOutputsWithExpandedWeightsFromTheCutBefore()
    {
        var plan = ExplorerPlan.Create(resnet.Model);
        var names = plan.Candidates.Select(l => l.Name).ToList();
        foreach (
            var block in new[]
            {
                "layer1.0",
                "layer1.1",
                "layer2.0",
                "layer2.1",
                "layer3.0",
                "layer3.1",
                "layer4.0",
                "layer4.1",
            }
        )
            Assert.Contains(block, names);
        Assert.All(plan.Candidates, l => Assert.Null(l.WeightParameter));
        var l11 = plan.Find("layer1.1")!;
        Assert.Equal(
            ("layer1.0", "layer1.0", 64, 5),
            (l11.Source, l11.Previous, l11.Channels, l11.ExpandedWidth!.Value)
        );
        var l20 = plan.Find("layer2.0")!;
        // Stride 2 from layer1.1 (56 px) to layer2.0 (28 px): the width 5 rounds up to 6.
        Assert.Equal(("layer1.1", 6), (l20.Source, l20.ExpandedWidth!.Value));
        Assert.Equal(new long[] { 128, 64, 6, 6 }, l20.WeightShape);
        Assert.Same(l20, plan.Next(l11));
        var e = Assert.Throws<ArgumentException>(() =>
            ExplorerPlan.Create(resnet.Model, ["layer1.0.conv1"])
        );
        Assert.Contains("explorable layers:", e.Message);
        Assert.Contains("layer4.1", e.Message);
    }

    [Fact]
    public void UnitPage_TopInputsAndOutputsAreTheLargestExpandedWeightNorms()
    {
        var options = new ExplorerOptions
        {
            Layers = ["layer1.1"],
            UnitsPerLayer = 2,
            FeatureVisSteps = 2,
            FeatureVisSize = 64,
            TopK = 4,
            FeatureVisCacheRoot = Path.Combine(_root, "cache"),
        };
        using (var site = ExplorerSite.Create(resnet.Model, options))
            ExplorerSiteWriter.Write(site, Path.Combine(_root, "site"));

        using var scope = NewDisposeScope();
        var into = ExpandedWeights.Get(resnet.Model, "layer1.0", "layer1.1", 5); // [5, 5, 64, 64]
        var outOf = ExpandedWeights.Get(resnet.Model, "layer1.1", "layer2.0", 6); // [6, 6, 64, 128]
        for (int u = 0; u < 2; u++)
        {
            var html = File.ReadAllText(Path.Combine(_root, "site", $"layer1.1_{u}.html"));
            Assert.Equal(
                Top(into.select(3, u), 4).Select(i => $"layer1.0:{i}"),
                Labels(html, "inputs")
            );
            Assert.Equal(
                Top(outOf.select(2, u), 4).Select(i => $"layer2.0:{i}"),
                Labels(html, "outputs")
            );
        }
        var layerPage = File.ReadAllText(Path.Combine(_root, "site", "layer-layer1.1.html"));
        Assert.Contains("expanded weights layer1.0 → layer1.1", layerPage);
        Assert.Empty(Directory.GetFiles(_root, "*.tmp", SearchOption.AllDirectories));
    }

    /// <summary>Indices of the k largest ‖w[:, :, i]‖ of a [W, W, C] slice.</summary>
    static IEnumerable<int> Top(Tensor slice, int k)
    {
        var norms = slice.square().sum([0, 1]).sqrt().data<float>().ToArray();
        return Enumerable.Range(0, norms.Length).OrderByDescending(i => norms[i]).Take(k);
    }

    static List<string> Labels(string html, string section)
    {
        int start = html.IndexOf($"<section class=\"{section}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no {section} section");
        var part = html[start..html.IndexOf("</section>", start, StringComparison.Ordinal)];
        return Regex
            .Matches(part, "class=\"label\">([^<]+)<")
            .Select(m => m.Groups[1].Value)
            .ToList();
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }
}
