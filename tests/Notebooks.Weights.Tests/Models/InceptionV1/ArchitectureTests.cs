using Notebooks.Weights.Models;
using Notebooks.Weights.Models.InceptionV1;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.InceptionV1;

public class ArchitectureTests
{
    /// <summary>Widths from the fidelity sheet (Lucid's layer table) and the TF "SAME" spatial
    /// sizes at 224 px.</summary>
    [Fact]
    public void LayerTableAt224HasTheFidelitySheetWidthsAndTfSameSizes()
    {
        using var m = InceptionV1Model.Create(seed: 1);
        var t = m.Layers(224).ToDictionary(l => l.Name);
        var expected = new (string Layer, long C, long Hw)[]
        {
            ("conv2d0", 64, 112),
            ("maxpool0", 64, 56),
            ("localresponsenorm0", 64, 56),
            ("conv2d1", 64, 56),
            ("conv2d2", 192, 56),
            ("maxpool1", 192, 28),
            ("mixed3a", 256, 28),
            ("mixed3b", 480, 28),
            ("maxpool4", 480, 14),
            ("mixed4a", 508, 14),
            ("mixed4b", 512, 14),
            ("mixed4c", 512, 14),
            ("mixed4d", 528, 14),
            ("mixed4e", 832, 14),
            ("maxpool10", 832, 7),
            ("mixed5a", 832, 7),
            ("mixed5b", 1024, 7),
            ("avgpool0", 1024, 1),
            ("head0_pool", 508, 4),
            ("head0_bottleneck", 128, 4),
            ("head1_pool", 528, 4),
            ("head1_bottleneck", 128, 4),
        };
        foreach (var (layer, c, hw) in expected)
            Assert.True(
                (c, hw, hw) == (t[layer].Channels, t[layer].Height, t[layer].Width),
                $"{layer}: got {t[layer].Channels}x{t[layer].Height}x{t[layer].Width}, want {c}x{hw}x{hw}"
            );
        foreach (
            var dense in new[]
            {
                ("nn0", 1024L),
                ("nn1", 1024L),
                ("softmax0", 1008L),
                ("softmax1", 1008L),
                ("softmax2", 1008L),
                ("softmax2_pre_activation", 1008L),
            }
        )
            Assert.Equal(new[] { 1L, dense.Item2 }, t[dense.Item1].Shape);
        // Every layer name is computed by the forward pass, in execution order, starting with the
        // input.
        Assert.Equal(m.LayerNames.Count, t.Count);
        Assert.Equal("input", m.Layers(224)[0].Name);
        Assert.Equal("conv2d0_pre_relu", m.Layers(224)[1].Name);
        Assert.Equal("softmax2", m.Layers(224)[^1].Name);
        // A 224x224 forward gives a probability distribution over the 1008 classes per image.
        using var scope = NewDisposeScope();
        var p = m.Forward(rand(new long[] { 2, 3, 224, 224 }, generator: new Generator(1)));
        Assert.Equal(new long[] { 2, 1008 }, p.shape);
        Assert.True(p.sum(1).allclose(ones(2), atol: 1e-5));
        Assert.True(p.min().item<float>() >= 0);
    }

    [Fact]
    public void EveryMixedBlockExposesItsBranchesPreReluTensorsAndWeightAliases()
    {
        using var m = InceptionV1Model.Create();
        foreach (var b in InceptionV1Net.MixedBlocks)
        {
            Assert.Equal("Concat", m.Layer(b.Name).Kind);
            Assert.Equal($"{b.Name}.pool", m.Layer($"{b.Name}_pool").ModulePath);
            foreach (
                var br in new[]
                {
                    "1x1",
                    "3x3_bottleneck",
                    "3x3",
                    "5x5_bottleneck",
                    "5x5",
                    "pool_reduce",
                }
            )
            {
                Assert.Equal($"{b.Name}.{br}.conv", m.Layer($"{b.Name}_{br}_pre_relu").ModulePath);
                Assert.Equal($"{b.Name}.{br}", m.Layer($"{b.Name}_{br}").ModulePath);
                Assert.Equal($"{b.Name}.{br}.conv.weight", m.Parameters.PathOf($"{b.Name}_{br}_w"));
                Assert.Equal($"{b.Name}.{br}.conv.bias", m.Parameters.PathOf($"{b.Name}_{br}_b"));
            }
        }
        Assert.Equal(new long[] { 64, 3, 7, 7 }, m.Parameters.Shape("conv2d0_w"));
        Assert.Equal(new long[] { 1008, 1024 }, m.Parameters.Shape("softmax2_w"));
        // Aliases cover every parameter exactly once.
        Assert.Equal(
            m.Module.named_parameters().Select(p => p.name).OrderBy(x => x),
            m.Parameters.Aliases.Select(m.Parameters.PathOf).OrderBy(x => x)
        );
        Assert.Equal(
            InceptionV1Model.TfShapes.Keys.OrderBy(x => x),
            m.Parameters.Aliases.OrderBy(x => x)
        );
    }

    [Fact]
    public void SameSeedSameWeightsDifferentSeedDifferentWeights()
    {
        using var a = InceptionV1Model.Create(3);
        using var b = InceptionV1Model.Create(3);
        using var c = InceptionV1Model.Create(4);
        Assert.Equal(a.WeightsHash, b.WeightsHash);
        Assert.NotEqual(a.WeightsHash, c.WeightsHash);
    }
}
