using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.FeatureVis;

/// <summary>Lucid's redirected ReLU gradient (lucid/misc/redirected_relu_grad.py) and render_vis's
/// relu_gradient_override.</summary>
public class ReluGradientOverrideTests
{
    static float[] Values(Tensor t) => t.contiguous().data<float>().ToArray();

    /// <summary>
    /// Lucid's rule worked by hand. Entry 0: the ordinary gradient where(x &lt; 0, 0, g) = [0, -1,
    /// 0] is not all zero, so it is used. Entry 1: every input is negative (ordinary gradient all
    /// zero), so the redirected one is used: g, zeroed where x &lt; 0 and g &gt; 0 (descent would
    /// lower a dead input further) → [0, -2, 0].
    /// </summary>
    [Fact]
    public void ReluGradientFollowsLucidsRulePerBatchEntry()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { -1, 2, -3, -1, -2, -0.5f }).reshape(2, 3).requires_grad_(true);
        var g = tensor(new float[] { 0.5f, -1, -2, 1, -2, 3 }).reshape(2, 3);
        var y = RedirectedReluGradient.Relu(x);
        Assert.Equal(new float[] { 0, 2, 0, 0, 0, 0 }, Values(y.detach()));
        y.backward([g]);
        Assert.Equal(new float[] { 0, -1, 0, 0, -2, 0 }, Values(x.grad!));
        // The rule as a function gives the same.
        Assert.Equal(
            new float[] { 0, -1, 0, 0, -2, 0 },
            Values(RedirectedReluGradient.Gradient(x.detach(), g))
        );
    }

    /// <summary>
    /// ReLU6: entry 0 = [7, 3, -1] with g = [-1, 0.5, -2] passes its ordinary gradient [0, 0.5, 0];
    /// entry 1 = [7, 8, -1] with g = [-1, 2, -2] is all blocked, so g is used except where x &gt; 6
    /// and g &lt; 0 (descent would raise it further) → [0, 2, -2] (x = -1 with g = -2 pushes up:
    /// allowed).
    /// </summary>
    [Fact]
    public void Relu6GradientFollowsLucidsRulePerBatchEntry()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 7, 3, -1, 7, 8, -1 }).reshape(2, 3).requires_grad_(true);
        var g = tensor(new float[] { -1, 0.5f, -2, -1, 2, -2 }).reshape(2, 3);
        var y = RedirectedReluGradient.Relu6(x);
        Assert.Equal(new float[] { 6, 3, 0, 6, 6, 0 }, Values(y.detach()));
        y.backward([g]);
        Assert.Equal(new float[] { 0, 0.5f, 0, 0, 2, -2 }, Values(x.grad!));
    }

    [Fact]
    public void RedirectionNeedsABatchDimensionAndExcludesLinearization()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => RedirectedReluGradient.Relu(ones(3)));
        Assert.Contains("rank 2", e.Message);
        using var m = DeadUnitModel();
        var e2 = Assert.Throws<ArgumentException>(() =>
            m.Run(
                zeros(1, 3, 8, 8),
                new RunOptions
                {
                    Capture = ["relu"],
                    Linearize = true,
                    RedirectReluGradient = true,
                }
            )
        );
        Assert.Contains("choose one", e2.Message);
    }

    /// <summary>
    /// A 1x1 conv whose channel 0 is the mean of R, G, B minus 0.6, then ReLU: on the near-gray
    /// initial image (0.5 ± noise) that unit is dead everywhere (pre-ReLU ≈ -0.1). Channel 1 (+0.1
    /// bias, same weights) is alive.
    /// </summary>
    static VisionModel DeadUnitModel()
    {
        var conv = nn.Conv2d(3, 2, 1);
        using (no_grad())
        {
            conv.weight!.fill_(1.0 / 3);
            conv.bias!.copy_(tensor(new float[] { -0.6f, 0.1f }));
        }
        return new VisionModel(
            "dead-unit",
            nn.Sequential(("conv", conv), ("relu", nn.ReLU())),
            InputSpec.Unit(3, 16)
        );
    }

    /// <summary>
    /// Issue 17 item 4: a unit that starts dead. Without the override its ReLU passes no gradient:
    /// the objective stays exactly 0 and the image does not move. With Lucid's default override
    /// (redirected gradient for the first 17 steps) the unit becomes active and keeps growing after
    /// the override ends.
    /// </summary>
    [Fact]
    public void ADeadUnitStaysDeadWithoutTheOverrideAndWakesUpWithIt()
    {
        using var m = DeadUnitModel();
        var objective = Objective.Channel("relu", 0);
        RenderResult Run(bool over, ImageParam p) =>
            Optvis.Render(
                m,
                objective,
                p,
                new RenderOptions
                {
                    Thresholds = [40],
                    Transforms = Transforms.Identity,
                    ReluGradientOverride = over,
                }
            );

        using var p0 = ImageParam.Create(16, fft: false, decorrelate: false, seed: 3);
        Tensor start;
        using (no_grad())
            start = p0.Image().detach().clone();
        using (no_grad())
            Assert.True(
                m.Activation(start, "conv").select(1, 0).max().item<float>() < 0,
                "channel 0 must start dead"
            );

        using (var off = Run(false, p0))
        {
            Assert.All(off.ObjectiveTrace, v => Assert.Equal(0.0, v[0]));
            Assert.True(
                Optvis.ToChw(off.Final).eq(start).all().item<bool>(),
                "without gradient the image must not change"
            );
        }
        using var p1 = ImageParam.Create(16, fft: false, decorrelate: false, seed: 3);
        using var on = Run(true, p1);
        Assert.True(
            on.ObjectiveTrace[Optvis.RedirectedReluSteps - 1][0] > 0,
            $"active by step {Optvis.RedirectedReluSteps}"
        );
        Assert.True(
            on.ObjectiveTrace[^1][0] > on.ObjectiveTrace[Optvis.RedirectedReluSteps - 1][0],
            "keeps rising with the ordinary gradient"
        );
        using (no_grad())
            Assert.True(
                m.Activation(Optvis.ToChw(on.Final), "relu").select(1, 0).mean().item<float>() > 0
            );
        start.Dispose();
    }
}
