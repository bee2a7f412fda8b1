using Notebooks.Weights.Explorer;
using Notebooks.Weights.Models;
using Notebooks.Weights.Models.InceptionV1;

namespace Notebooks.Weights.Tests.Explorer;

/// <summary>
/// The explorer's plan of InceptionV1 (seeded random weights; the architecture is what matters):
/// its conv layers conv2d0 … conv2d2, then its mixed blocks at the cuts of its main path, which the
/// model reports (<see cref="Notebooks.Weights.Models.IModuleTrunk"/>) instead of the explorer
/// finding them by one 224 px forward per layer (~748 s for its 154 layers); no auxiliary head.
/// </summary>
[Collection("explorer")]
public sealed class InceptionV1ExplorerTests
{
    [Fact]
    public void Plan_MixedBlocksAtTheTrunkCutsWithoutTheAuxiliaryHeads()
    {
        using var model = InceptionV1Model.Create(seed: 3);
        var plan = ExplorerPlan.Create(model, ["mixed3a", "mixed3b"]);
        string[] mixed = [.. InceptionV1Net.MixedBlocks.Select(b => b.Name)];
        Assert.Equal(
            ["conv2d0", "conv2d1", "conv2d2", .. mixed],
            plan.Candidates.Select(l => l.Name)
        );
        Assert.Equal(["mixed3a", "mixed3b"], plan.Layers.Select(l => l.Name));
        Assert.DoesNotContain(plan.Candidates, l => l.Name.StartsWith("head"));
        // Each mixed block reads the trunk layer right before it (pooling between blocks) and
        // shows the units of the explorable layer before it; its weights are expanded weights.
        var expected = new (string Layer, string Previous, string Source, int In, int Out)[]
        {
            ("mixed3a", "conv2d2", "maxpool1", 192, 256),
            ("mixed3b", "mixed3a", "mixed3a", 256, 480),
            ("mixed4a", "mixed3b", "maxpool4", 480, 508),
            ("mixed4b", "mixed4a", "mixed4a", 508, 512),
            ("mixed4e", "mixed4d", "mixed4d", 528, 832),
            ("mixed5a", "mixed4e", "maxpool10", 832, 832),
            ("mixed5b", "mixed5a", "mixed5a", 832, 1024),
        };
        foreach (var (layer, previous, source, cin, cout) in expected)
        {
            var l = plan.Find(layer)!;
            Assert.Equal(
                (previous, source, null, cout),
                (l.Previous, l.Source, l.WeightParameter, l.Channels)
            );
            Assert.Equal(new long[] { cout, cin, 5, 5 }, l.WeightShape);
            Assert.Equal(5, l.ExpandedWidth);
        }
        // conv2d2's outputs go to mixed3a; the conv layers keep their own conv weights.
        Assert.Same(plan.Find("mixed3a"), plan.Next(plan.Find("conv2d2")!));
        Assert.Equal("conv2d2.conv.weight", plan.Find("conv2d2")!.WeightParameter);
        // The cuts come from the model's trunk (IModuleTrunk), not from the per-layer search.
        Assert.IsAssignableFrom<IModuleTrunk>(model.Module);
    }

    [Fact]
    public void Site_MixedBlockDataAreTheExpandedWeightsFromTheCutBefore()
    {
        using var model = InceptionV1Model.Create(seed: 3);
        using var site = ExplorerSite.Create(
            model,
            new ExplorerOptions { Layers = ["mixed3a"], UnitsPerLayer = 1 }
        );
        var d = site.Data("mixed3a");
        using var scope = TorchSharp.torch.NewDisposeScope();
        var expanded = Notebooks.Weights.Connections.ExpandedWeights.Get(
            model,
            "maxpool1",
            "mixed3a",
            5
        );
        Assert.Equal(new long[] { 5, 5, 192, 256 }, d.Expanded.shape);
        Assert.True(d.Expanded.allclose(expanded.to_type(TorchSharp.torch.ScalarType.Float32)));
        // The layer's weight (statistics, banding, NMF) is [C, C_prev, W, W] of the same numbers.
        Assert.Equal(new long[] { 256, 192, 5, 5 }, d.Weight.shape);
        Assert.True(d.Weight.eq(d.Expanded.permute(3, 2, 0, 1)).all().item<bool>());
    }
}
