using AngleSharp.Html.Parser;
using Notebooks.Weights.Tests.Cli;

namespace Notebooks.Weights.Tests.Interactions;

[Collection("WeightsSerial")]
public sealed class InteractionVerbTests() : TempDirectoryTest("interaction-verb-")
{
    [Fact]
    public void WritesACardForGeneratedScenesAndRefusesBadInput()
    {
        var images = Path.Combine(Dir, "scenes");
        Directory.CreateDirectory(images);
        ImageFolderTests.WriteScenes(images, 6).Dispose();
        var page = Path.Combine(Dir, "card.html");
        var (code, stdout, stderr) = CliRun.Run(
            "interaction",
            "--model",
            "default",
            "--from",
            "conv2d1:12",
            "--to",
            "conv2d2:7",
            "--images",
            images,
            "--top",
            "5",
            "--factors",
            "2",
            "--best-steps",
            "4",
            "--out",
            page
        );
        Assert.True(code == 0, stderr);
        Assert.Contains("per-example interactions: 5 of 6 images", stdout);
        var doc = new HtmlParser().ParseDocument(File.ReadAllText(page));
        Assert.Contains("conv2d1:12 → conv2d2:7", doc.QuerySelector("h3")!.TextContent);
        Assert.Equal(5, doc.QuerySelectorAll("figure div[title=\"B's position\"]").Length);
        Assert.Contains("case 2", doc.Body!.TextContent);
        Assert.Contains("Best case: an image optimized", doc.Body.TextContent);

        var bad = CliRun.Run(
            "interaction",
            "--model",
            "default",
            "--from",
            "conv2d1:64",
            "--to",
            "conv2d2:7",
            "--no-best",
            "--out",
            page
        );
        Assert.Equal(1, bad.Code);
        Assert.Contains("unit 64 is out of range for layer 'conv2d1'", bad.Err);
        var empty = Path.Combine(Dir, "empty");
        Directory.CreateDirectory(empty);
        // With the best case on: the folder fails before any long computation (nothing computed,
        // nothing written).
        File.Delete(page);
        var none = CliRun.Run(
            "interaction",
            "--model",
            "default",
            "--from",
            "conv2d1:1",
            "--to",
            "conv2d2:7",
            "--images",
            empty,
            "--out",
            page
        );
        Assert.Equal(1, none.Code);
        Assert.Contains("has no JPEG/PNG files", none.Err);
        Assert.Equal("", none.Out);
        Assert.False(File.Exists(page));
    }
}
