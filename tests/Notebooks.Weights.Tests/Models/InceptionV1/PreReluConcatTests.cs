using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Models;
using Notebooks.Weights.Models.InceptionV1;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.InceptionV1;

/// <summary>
/// Issue 17 item 3: Lucid's <c>mixedXX_pre_relu</c> layers
/// (lucid/modelzoo/other_models/InceptionV1.py, <c>_populate_inception_bottlenecks</c>: for every
/// Concat op, a concat of its inputs with each Relu tower replaced by the Relu's input).
/// </summary>
public class PreReluConcatTests
{
    [Fact]
    public void MixedPreReluIsTheConcatOfTheBranchPreRelusAndItsReluIsTheBlock()
    {
        using var m = InceptionV1Model.Create(seed: 5);
        using var scope = NewDisposeScope();
        var x = rand(new long[] { 2, 3, 80, 80 }, generator: new Generator(3));
        string[] branches = ["1x1", "3x3", "5x5", "pool_reduce"];
        var a = m.Activations(
            x,
            ["mixed4a_pre_relu", "mixed4a", .. branches.Select(b => $"mixed4a_{b}_pre_relu")]
        );
        var pre = a["mixed4a_pre_relu"];
        Assert.Equal(new long[] { 2, 508, 5, 5 }, pre.shape);
        Assert.True(
            pre.lt(0).any().item<bool>(),
            "pre-ReLU values must include negatives (else the check is vacuous)"
        );
        Assert.True(
            pre.relu().eq(a["mixed4a"]).all().item<bool>(),
            "relu(mixed4a_pre_relu) == mixed4a exactly"
        );
        Assert.True(
            pre.eq(cat(branches.Select(b => a[$"mixed4a_{b}_pre_relu"]).ToArray(), 1))
                .all()
                .item<bool>(),
            "concat of the branch pre-ReLUs in Lucid's order"
        );
    }

    [Fact]
    public void EveryMixedBlockHasItsPreReluLayerAndFeatureVisUsesIt()
    {
        using var m = InceptionV1Model.Create(seed: 5);
        var names = m.LayerNames.ToList();
        var table = m.Layers(224).ToDictionary(l => l.Name);
        foreach (var b in InceptionV1Net.MixedBlocks)
        {
            var pre = $"{b.Name}_pre_relu";
            Assert.True(
                names.IndexOf(pre) >= 0 && names.IndexOf(pre) < names.IndexOf(b.Name),
                $"{pre} listed before {b.Name}"
            );
            Assert.Equal(table[b.Name].Shape, table[pre].Shape);
            Assert.Equal("Concat", table[pre].Kind);
        }
        var settings = new FeatureVisSettings();
        Assert.Equal("mixed4a_pre_relu", settings.TargetLayer(m, "mixed4a"));
        Assert.Equal("mixed4a", (settings with { PreRelu = false }).TargetLayer(m, "mixed4a"));
        // A capture of the pre-ReLU concat alone stops inside the block: the forward does not reach
        // mixed4b.
        using var scope = NewDisposeScope();
        bool reached = false;
        var hook = m.LayerModule("mixed4b")!
            .register_forward_pre_hook(
                (_, i) =>
                {
                    reached = true;
                    return null!;
                }
            );
        try
        {
            m.Activations(
                rand(new long[] { 1, 3, 64, 64 }, generator: new Generator(1)),
                "mixed4a_pre_relu"
            );
        }
        finally
        {
            hook.remove();
        }
        Assert.False(reached);
    }
}
