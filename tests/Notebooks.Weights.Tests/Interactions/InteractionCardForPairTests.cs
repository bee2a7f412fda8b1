using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Interactions;
using Notebooks.Weights.Models;
using Notebooks.Weights.Rendering;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Interactions;

[Collection("WeightsSerial")]
public class InteractionCardForPairTests
{
    [Fact]
    public void ForPairShowsBsTopImagesTheirFactorsAndTheBestCase()
    {
        manual_seed(5);
        var seq = nn.Sequential(
            ("c1", nn.Conv2d(3, 4, 3, padding: 1)),
            ("r1", nn.ReLU()),
            ("c2", nn.Conv2d(4, 3, 3, padding: 1))
        );
        using var model = new VisionModel(
            "tiny",
            seq,
            InputSpec.Unit(3, 12),
            [new LayerSpec("r1", "r1", "Relu"), new LayerSpec("c2", "c2", "Conv")]
        );
        using var images = rand(5, 3, 12, 12, generator: new Generator(3));
        var from = new UnitRef("r1", 1);
        var to = new UnitRef("c2", 2);
        var (top, _) = Interaction.TopActivating(model, to, images, 3);

        var card = InteractionCard.ForPair(
            model,
            from,
            to,
            images,
            width: 3,
            top: 3,
            factors: 2,
            best: new BestCaseOptions
            {
                Steps = 2,
                Transforms = Transforms.Identity,
                Fft = false,
                Decorrelate = false,
            }
        );
        Assert.Equal(
            "InteractionCard r1:1 -> c2:2 (3 examples, 2 factors, best case)",
            card.ToString()
        );
        var html = card.ToHtml();
        // B's top images, best first, under their indices in the given batch.
        var at = top.Select(i => html.IndexOf($"image {i}", StringComparison.Ordinal)).ToArray();
        Assert.All(at, p => Assert.True(p >= 0));
        Assert.Equal(at.OrderBy(p => p), at);

        Assert.Equal(
            "InteractionCard r1:1 -> c2:2 (0 examples, 0 factors)",
            InteractionCard.ForPair(model, from, to, width: 3).ToString()
        );
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            InteractionCard.ForPair(model, from, to, images, width: 3, top: 0)
        );
    }
}
