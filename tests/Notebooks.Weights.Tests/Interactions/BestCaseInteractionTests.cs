using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Interactions;
using Notebooks.Weights.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Interactions;

[Collection("WeightsSerial")]
public class BestCaseInteractionTests
{
    /// <summary>
    /// B = conv3x3_K(A₀ · 4A₁(1 − A₁)) with A = (R, G − 0.3) a fixed 1x1 conv of the image:
    /// ∂B(p)/∂A₀(q) = K[q − p] · 4A₁(q)(1 − A₁(q)), so the total gradient over B's 3x3 window is Σ
    /// K[·] 4A₁(1 − A₁) ≤ ΣK (all K &gt; 0), reached exactly when G = 0.8 on the window. At the
    /// all-zero image A₁ = −0.3 and the total is 4(−0.3)(1.3)ΣK = −1.56ΣK.
    /// </summary>
    sealed class Gate : nn.Module<Tensor, Tensor>
    {
        readonly nn.Module<Tensor, Tensor> conv;

        public Gate(Tensor kernel)
            : base("gate")
        {
            var c = nn.Conv2d(1, 1, 3, padding: 1, bias: false);
            using (no_grad())
                c.weight!.copy_(kernel);
            conv = c;
            register_module("conv", conv);
        }

        public override Tensor forward(Tensor a)
        {
            var a0 = a[.., 0..1];
            var a1 = a[.., 1..2];
            return conv.call(a0 * a1 * (1 - a1) * 4);
        }
    }

    static VisionModel KnownOptimumNet(Tensor kernel)
    {
        var select = nn.Conv2d(3, 2, 1);
        using (no_grad())
        {
            select.weight!.zero_();
            select.weight[0, 0, 0, 0] = 1;
            select.weight[1, 1, 0, 0] = 1;
            select.bias!.copy_(tensor(new float[] { 0, -0.3f }));
        }
        var seq = nn.Sequential(("a", select), ("b", new Gate(kernel)));
        return new VisionModel(
            "known-optimum",
            seq,
            InputSpec.Unit(3, 16),
            [new LayerSpec("a", "a", "Conv"), new LayerSpec("b", "b", "Gate")]
        );
    }

    [Fact]
    public void ReachesTheAnalyticMaximumWithinOnePercent()
    {
        var k = tensor(new float[] { 0.2f, 0.5f, 0.1f, 0.4f, 1.0f, 0.3f, 0.2f, 0.6f, 0.3f })
            .reshape(1, 1, 3, 3);
        double optimum = k.sum().item<float>();
        using var model = KnownOptimumNet(k);
        var from = new UnitRef("a", 0);
        var to = new UnitRef("b", 0);
        using var best = BestCaseInteraction.Optimize(
            model,
            from,
            to,
            width: 3,
            new BestCaseOptions
            {
                Steps = 150,
                LearningRate = 0.1,
                Transforms = Transforms.Identity,
                Fft = false,
                Decorrelate = false,
                Seed = 1,
            }
        );
        Assert.True(
            best.Trace[0] < 0.7 * optimum,
            $"start {best.Trace[0]} should be well below the optimum {optimum}"
        );
        Assert.True(
            best.Achieved >= 0.99 * optimum && best.Achieved <= optimum * (1 + 1e-5),
            $"achieved {best.Achieved} vs optimum {optimum}"
        );
        Assert.Equal(-1.56 * optimum, best.ExpandedTotal, 4);
        Assert.Equal((7, 7), best.Position);
        // The window's green is at the analytic optimum G = 0.8.
        var g = best.Image[6..9, 6..9, 1];
        Assert.True(
            (g - 0.8).abs().max().item<float>() < 0.05,
            $"green on B's window: {g.min().item<float>()}..{g.max().item<float>()}"
        );
        Assert.Equal(new long[] { 16, 16, 3 }, best.Image.shape);
        Assert.Equal(BestCaseDirection.Excitatory, best.Direction);
    }

    /// <summary>
    /// An inhibitory pair: A = R (a 1x1 conv of the image), B = relu(conv3x3_K(A) + 0.2) with every
    /// K &lt; 0, so the expanded weight's total is ΣK &lt; 0 and no image makes the total gradient
    /// positive: maximizing drives B inactive, where ∂B/∂A = 0 (the degenerate 0). The default
    /// search then reports the inhibitory best case: with B active the total is exactly ΣK, which
    /// B's smoothed ReLU gradient reaches from an inactive start (B needs mean R on its window
    /// below 0.08).
    /// </summary>
    [Fact]
    public void NegativeExpandedWeightGivesTheInhibitoryBestCaseNotZero()
    {
        var k = tensor(
                new float[] { -0.2f, -0.5f, -0.1f, -0.4f, -0.3f, -0.3f, -0.2f, -0.3f, -0.3f }
            )
            .reshape(1, 1, 3, 3);
        double sumK = k.sum().item<float>(); // −2.6
        var select = nn.Conv2d(3, 1, 1, bias: false);
        var conv = nn.Conv2d(1, 1, 3, padding: 1);
        using (no_grad())
        {
            select.weight!.zero_();
            select.weight[0, 0, 0, 0] = 1;
            conv.weight!.copy_(k);
            conv.bias!.fill_(0.2);
        }
        var seq = nn.Sequential(("a", select), ("conv", conv), ("b", nn.ReLU()));
        using var model = new VisionModel(
            "inhibitory",
            seq,
            InputSpec.Unit(3, 16),
            [new LayerSpec("a", "a", "Conv"), new LayerSpec("b", "b", "Relu")]
        );
        var from = new UnitRef("a", 0);
        var to = new UnitRef("b", 0);
        var options = new BestCaseOptions
        {
            Steps = 150,
            LearningRate = 0.1,
            Transforms = Transforms.Identity,
            Fft = false,
            Decorrelate = false,
            Seed = 1,
        };

        using var best = BestCaseInteraction.Optimize(model, from, to, width: 3, options);
        Assert.Equal(sumK, best.ExpandedTotal, 4);
        Assert.Equal(BestCaseDirection.Inhibitory, best.Direction);
        Assert.True(
            best.Trace[0] > 0.1 * sumK,
            $"B starts (nearly) inactive: smoothed total {best.Trace[0]}"
        );
        Assert.True(best.BValue > 0, $"B is active at the best case ({best.BValue})");
        Assert.True(
            best.Achieved < 0 && Math.Abs(best.Achieved - sumK) <= 0.01 * Math.Abs(sumK),
            $"achieved {best.Achieved} vs ΣK {sumK}"
        );

        // Asked for the excitatory case only, the search ends at the degenerate 0 (what the default
        // used to report).
        using var excitatory = BestCaseInteraction.Optimize(
            model,
            from,
            to,
            width: 3,
            new BestCaseOptions
            {
                Steps = 20,
                LearningRate = 0.1,
                Transforms = Transforms.Identity,
                Fft = false,
                Decorrelate = false,
                Seed = 1,
                Direction = BestCaseDirection.Excitatory,
            }
        );
        Assert.Equal(0, excitatory.Achieved);
    }

    [Fact]
    public void SmoothedReluGradientsKeepForwardValues()
    {
        manual_seed(11);
        var seq = nn.Sequential(
            ("c1", nn.Conv2d(3, 4, 3, padding: 1)),
            ("r1", nn.ReLU()),
            ("c2", nn.Conv2d(4, 5, 3, padding: 1))
        );
        using var model = new VisionModel("relu", seq, new InputSpec(3, 12, -1, 1));
        using var x = rand(2, 3, 12, 12);
        using var plain = model.Forward(x);
        using (var smooth = new SmoothReluGradients(model.Module, 10, []))
        {
            Assert.Equal(1, smooth.Count);
            using var smoothed = model.Forward(x);
            Assert.True(smoothed.allclose(plain, rtol: 1e-6, atol: 1e-6));
        }
        var e = Assert.ThrowsAny<ArgumentException>(() =>
            BestCaseInteraction.Optimize(
                model,
                new UnitRef("c1", 0),
                new UnitRef("c2", 0),
                width: 20
            )
        );
        Assert.Contains("width must be between 1 and 12", e.Message);
    }

    /// <summary>
    /// The real ResNet18 pads its stride-2 convolutions on one side, so most transformed sizes make
    /// its residual branches disagree; the search keeps transformed images at sizes the graph
    /// computes (it failed at 'Plus299' before).
    /// </summary>
    [Fact]
    public void SearchRunsOnTheRealResNet18WithItsFixedPadding()
    {
        using var model = ModelRegistry.Load("resnet18");
        var from = new UnitRef("layer2.0", 123);
        var to = new UnitRef("layer2.1", 57);
        using var best = BestCaseInteraction.Optimize(
            model,
            from,
            to,
            5,
            new BestCaseOptions
            {
                Steps = 3,
                Seed = 0,
                ImageSize = 96,
            }
        );
        Assert.Equal(3, best.Trace.Count);
        Assert.All(best.Trace, v => Assert.True(double.IsFinite(v)));
        Assert.Equal(new long[] { 5, 5 }, best.Map.shape);
        Assert.Equal(new long[] { 96, 96, 3 }, best.Image.shape);
    }
}
