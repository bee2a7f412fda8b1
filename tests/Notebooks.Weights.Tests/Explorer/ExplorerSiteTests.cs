using System.Text.RegularExpressions;
using Notebooks.Weights.Explorer;
using Notebooks.Weights.Models.Default;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Explorer;

/// <summary>What the explorer's pages say, against independent computations, and how its files are
/// written.</summary>
[Collection("explorer")]
public sealed class ExplorerSiteTests(ExplorerSiteFixture site) : IClassFixture<ExplorerSiteFixture>
{
    [Fact]
    public void UnitPage_StrongestInputsAreTheLargestKernelNorms()
    {
        // maxpool0 -> conv2d1 is one conv: the expanded weights W[:, :, i, u] are kernel
        // conv2d1_w[u, i] in the crop, so the strongest inputs are the input channels with the
        // largest kernel L2 norm (computed here from the raw weight).
        using var model = Notebooks.Weights.Models.Default.DefaultModel.Load();
        using var scope = NewDisposeScope();
        var w = model.Parameters["conv2d1_w"];
        for (int u = 0; u < 3; u++)
        {
            var norms = w[u].square().sum([1, 2]).sqrt().data<float>().ToArray();
            var expected = Enumerable
                .Range(0, norms.Length)
                .OrderByDescending(i => norms[i])
                .Take(4)
                .Select(i => $"conv2d0:{i}")
                .ToList();
            var html = File.ReadAllText(Path.Combine(site.SiteDir, $"conv2d1_{u}.html"));
            var inputs = html[
                html.IndexOf("<section class=\"inputs\"", StringComparison.Ordinal)..html.IndexOf(
                    "</section>",
                    html.IndexOf("<section class=\"inputs\"", StringComparison.Ordinal),
                    StringComparison.Ordinal
                )
            ];
            var labels = Regex
                .Matches(inputs, "class=\"label\">([^<]+)<")
                .Select(m => m.Groups[1].Value)
                .ToList();
            Assert.Equal(expected, labels);
        }
    }

    [Fact]
    public void Site_HasEveryPageAndPictureAndNoTempFiles()
    {
        Assert.Contains("wrote 67 pages", site.Stdout); // index + 2 layers + 32 + 32 units
        var files = Directory.GetFiles(site.SiteDir, "*", SearchOption.AllDirectories);
        Assert.DoesNotContain(files, f => f.EndsWith(".tmp", StringComparison.Ordinal));
        foreach (var page in files.Where(f => f.EndsWith(".html", StringComparison.Ordinal)))
        {
            var html = File.ReadAllText(page);
            Assert.DoesNotContain("data:image", html);
            foreach (Match m in Regex.Matches(html, "(?:src|href)=\"(?!data:)([^\"#]+)\""))
                Assert.True(
                    File.Exists(Path.Combine(site.SiteDir, m.Groups[1].Value)),
                    $"{Path.GetFileName(page)} links missing {m.Groups[1].Value}"
                );
        }
    }

    [Fact]
    public void InteractionPanel_PathRoundTripsAndBadInputsAreErrors()
    {
        var a = new ExplorerAsset(ExplorerAssetKind.Interaction, "conv2d1", 3, 17);
        Assert.Equal("img/interaction/conv2d1_3_17.png", a.Path);
        Assert.Equal(a, ExplorerPaths.ParseAsset(a.Path, ["conv2d0", "conv2d1"]));
        using var model = Notebooks.Weights.Models.Default.DefaultModel.Load();
        using var explorer = ExplorerSite.Create(model, site.Options);
        var conv2d1 = explorer.Plan.Find("conv2d1")!;
        Assert.False(explorer.ShowsInteractions(conv2d1)); // a static site without Interactions
        Assert.DoesNotContain(
            "section class=\"interaction\"",
            File.ReadAllText(Path.Combine(site.SiteDir, "conv2d1_0.html"))
        );
        explorer.Served = true;
        Assert.True(explorer.ShowsInteractions(conv2d1));
        Assert.False(explorer.ShowsInteractions(explorer.Plan.Find("conv2d0")!)); // its inputs are the image's channels
        Assert.Contains(
            "input channels",
            Assert
                .Throws<ArgumentException>(() => explorer.InteractionPanel("conv2d0", 0, 0))
                .Message
        );
        Assert.Contains(
            "maxpool0",
            Assert
                .Throws<ArgumentOutOfRangeException>(() =>
                    explorer.InteractionPanel("conv2d1", 0, 9999)
                )
                .Message
        );
    }

    [Fact]
    public void SpatialViews_PositionsWithoutWeightAreGrayAndTheKernelsArePictured()
    {
        // maxpool0 -> conv2d1 is one 3×3 conv: in the 5×5 crop of its expanded weights the outer
        // ring has no weight, so those cells are the grid's gray (0.9) and the 9 kernel positions
        // are feature visualizations (not flat).
        using var model = Notebooks.Weights.Models.Default.DefaultModel.Load();
        using var explorer = ExplorerSite.Create(model, site.Options);
        var png = explorer.RenderAsset(new ExplorerAsset(ExplorerAssetKind.Spatial, "conv2d1", 0));
        using var scope = NewDisposeScope();
        var img = Notebooks.Weights.FeatureVis.ImageFiles.Decode(png, "spatial views"); // [H, W, 3]
        int scale = 96 / 32,
            cell = 33 * scale;
        Assert.Equal(new long[] { 5 * cell, 5 * cell, 3 }, img.shape);
        for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++)
        {
            var c = img[(i * cell)..(i * cell + 32 * scale), (j * cell)..(j * cell + 32 * scale)];
            bool ring = i is 0 or 4 || j is 0 or 4;
            if (ring)
                Assert.True(
                    (c - 0.9f).abs().max().item<float>() < 2.5f / 255,
                    $"cell ({i}, {j}) should be flat gray"
                );
            else
                Assert.True(
                    c.std().item<float>() > 0.01f,
                    $"cell ({i}, {j}) should be a feature visualization"
                );
        }
    }

    [Fact]
    public void CancelledRun_LeavesOnlyWholeFiles()
    {
        var dir = Path.Combine(site.Root, "cancelled-" + Guid.NewGuid().ToString("N")[..8]);
        using var model = Notebooks.Weights.Models.Default.DefaultModel.Load();
        using var explorer = ExplorerSite.Create(model, site.Options);
        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            ExplorerSiteWriter.Write(
                explorer,
                dir,
                p =>
                {
                    if (p.Phase == "pictures" && p.Done >= 100)
                        cts.Cancel();
                },
                cts.Token
            )
        );
        var files = Directory.GetFiles(dir, "*", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        Assert.DoesNotContain(files, f => f.EndsWith(".tmp", StringComparison.Ordinal));
        Assert.DoesNotContain(files, f => f.EndsWith(".html", StringComparison.Ordinal)); // pages come last, after all their pictures
        foreach (var png in files)
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, File.ReadAllBytes(png)[..4]);
    }
}
