using System.Text.RegularExpressions;
using Notebooks.Weights.Connections;
using Notebooks.Weights.Interactions;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.ResNet18;

/// <summary>
/// The real ResNet18 pads its stride-2 convolutions asymmetrically: an odd crop of layer3.1 gives a
/// 2×2 conv branch and a 3×3 downsample in layer4.0. Such a width is refused for expanded weights
/// and interactions alike, naming the width, the layers and the widths that run — each of which
/// does run. A width at which the branches' sizes differ but broadcast (a 1×1 branch added to a 2×2
/// one) is refused as well.
/// </summary>
[Collection("WeightsSerial")]
public class ResNet18CropWidthTests(ResNet18Fixture fixture) : IClassFixture<ResNet18Fixture>
{
    [Fact]
    public void AWidthTheGraphCannotRunIsRefusedNamingTheWidthsThatRun()
    {
        var m = fixture.Model;
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() =>
            ExpandedWeights.Get(m, "layer3.1", "layer4.0", 5)
        );
        Assert.Contains(
            "width 5 does not run from 'layer3.1' to 'layer4.0' of ResNet18",
            e.Message
        );
        Assert.Contains("[1, 512, 2, 2], [1, 512, 3, 3]", e.Message); // the node's shapes, from the graph
        var listed = Regex
            .Match(e.Message, @"Widths that run \(of 1\.\.14\): ([0-9, ]+)\.")
            .Groups[1]
            .Value.Split(", ")
            .Select(int.Parse)
            .ToList();
        Assert.DoesNotContain(5, listed);
        // A 3×3 crop gives a 1×1 conv branch that ONNX would broadcast against the 2×2 downsample:
        // refused too.
        Assert.DoesNotContain(3, listed);
        Assert.Contains(
            "broadcast",
            Assert
                .Throws<ArgumentException>(() =>
                    ExpandedWeights.Get(m, "layer3.1", "layer4.0", 3, units: [0])
                )
                .Message
        );
        Assert.Contains(6, listed);
        // The listed widths are exactly those whose crop runs through to layer4.0; the next even
        // width computes.
        Assert.Equal(
            listed,
            Enumerable
                .Range(1, 14)
                .Where(w => CropWidths.Failure(m, "layer3.1", "layer4.0", w) is null)
        );
        Assert.Equal(
            new long[] { 6, 6, 256, 2 },
            ExpandedWeights.Get(m, "layer3.1", "layer4.0", 6, units: [0, 7]).shape
        );
        // Profile (bench expand) and interactions give the same error.
        Assert.Contains(
            "width 5 does not run",
            Assert
                .Throws<ArgumentException>(() =>
                    ExpandedWeights.Profile(m, "layer3.1", "layer4.0", 5)
                )
                .Message
        );
        var images = rand(2, 3, 224, 224, generator: new TorchSharp.torch.Generator(3));
        var ie = Assert.Throws<ArgumentException>(() =>
            Interaction.PerExample(
                m,
                new UnitRef("layer3.1", 0),
                new UnitRef("layer4.0", 1),
                images,
                width: 5
            )
        );
        Assert.Contains("width 5 does not run from 'layer3.1' to 'layer4.0'", ie.Message);
        // Within a stage (stride 1) odd widths run.
        Assert.Null(CropWidths.Failure(m, "layer4.0", "layer4.1", 5));
    }
}
