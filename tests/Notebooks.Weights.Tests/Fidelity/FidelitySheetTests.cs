using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Models;
using Notebooks.Weights.Models.InceptionV1;
using Notebooks.Weights.Rendering;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Fidelity;

/// <summary>Fidelity-sheet items (docs/fidelity.md) that no other test checked, each against the
/// sheet's formula or number.</summary>
public class FidelitySheetTests
{
    [Fact]
    public void InceptionV1MapsUnitImagesToMinus117Plus255X()
    {
        using var scope = NewDisposeScope();
        var spec = InceptionV1Model.Input;
        Assert.Equal(
            (3, 224, -117.0, 138.0),
            (spec.Channels, spec.DefaultSize, spec.Min, spec.Max)
        );
        using var model = InceptionV1Model.Create(seed: 0);
        var x = rand(1, 3, 5, 7, generator: new Generator(3));
        var expected = x.mul(255).add(-117);
        Assert.True(model.Preprocess(x).allclose(expected, rtol: 0, atol: 1e-4));
    }

    [Theory]
    [InlineData("mixed3a", 70)] // 60 px in the notebook, raised to the 70 px minimum
    [InlineData("mixed3b", 70)]
    [InlineData("mixed4a", 100)]
    [InlineData("mixed4b", 110)]
    [InlineData("mixed4c", 120)]
    [InlineData("mixed4d", 130)]
    [InlineData("mixed4e", 130)]
    [InlineData("mixed5a", 150)]
    [InlineData("mixed5b", 150)]
    [InlineData("conv2d2", 70)]
    public void NeuronWithWeightWidthsFollowTheNotebookWithA70PxMinimum(string layer, int width) =>
        Assert.Equal(width, NeuronWithWeight.WidthFor(layer));

    [Fact]
    public void RenderDefaultsAreAdam005For512StepsAt128Px()
    {
        var options = new RenderOptions();
        Assert.Equal(0.05, options.LearningRate);
        Assert.Equal(new[] { 512 }, options.Thresholds);
        Assert.Null(options.Transforms); // → Transforms.Standard
        Assert.Equal((128, 512), (new FeatureVisSettings().Size, new FeatureVisSettings().Steps));

        // With no parameterization given, Render optimizes a 128 px image.
        using var model = ModelRegistry.Load("default");
        using var r = Optvis.Render(
            model,
            Objective.Channel("input", 0),
            options: new RenderOptions { Thresholds = [1], Transforms = Transforms.Identity }
        );
        Assert.Equal(new long[] { 1, 128, 128, 3 }, r.Final.shape);
    }

    [Fact]
    public void FirstAdamStepMovesEveryPixelWithAGradientByTheLearningRate()
    {
        // Adam's first bias-corrected step is lr · g / (|g| + eps): ±lr wherever the gradient is
        // non-zero, 0 elsewhere. The objective "mean of input channel 0" has a positive gradient on
        // channel 0 only (sigmoid' > 0).
        using var scope = NewDisposeScope();
        using var model = ModelRegistry.Load("default");
        using var param = new PixelImage(1, 16, 16, decorrelate: false, seed: 5);
        var before = param.RawImage().detach().clone();
        using var r = Optvis.Render(
            model,
            Objective.Channel("input", 0),
            param,
            new RenderOptions { Thresholds = [1], Transforms = Transforms.Identity }
        );
        var step = param.RawImage().detach() - before;
        Assert.True(
            step[0, 0].allclose(full(16, 16, 0.05f), rtol: 0, atol: 1e-4),
            "channel 0 moved by +lr"
        );
        Assert.Equal(0, step[0, 1..].abs().max().item<float>());
    }

    [Fact]
    public void LinearizeKeepsTheRealGradientOfLrnAndConvAndOnlyReplacesRelu()
    {
        // conv → LRN (InceptionV1's) → conv: nothing to linearize, so Linearize = true must give
        // the true gradient, which the LRN makes different from the gradient with LRN treated as
        // linear.
        using var scope = NewDisposeScope();
        var seq = nn.Sequential(
            ("conv1", nn.Conv2d(3, 12, 3, padding: 1)),
            ("lrn", InceptionV1Net.Lrn()),
            ("relu", nn.ReLU()),
            ("conv2", nn.Conv2d(12, 4, 3))
        );
        SeededInit.Apply(seq, 11);
        using var model = new VisionModel("lrn", seq, new InputSpec(3, 6, -117, 138));
        var x0 = rand(1, 3, 6, 6, generator: new Generator(2)).mul(255).add(-117);

        Tensor Grad(bool linearize, string layer)
        {
            var x = x0.clone().requires_grad_(true);
            var y = model.Run(x, new RunOptions { Capture = [layer], Linearize = linearize })[
                layer
            ];
            y[0, 1, 1, 1].backward();
            return x.grad!.clone();
        }

        // Up to the LRN output: identical with and without Linearize (LRN and conv keep their real
        // gradients) ...
        Assert.True(Grad(true, "lrn").allclose(Grad(false, "lrn"), rtol: 1e-5, atol: 1e-9));
        // ... and that gradient is the LRN's own: it differs from the conv's gradient scaled by the
        // LRN's local factor.
        var xs = x0.clone().requires_grad_(true);
        var c1 = ((nn.Module<Tensor, Tensor>)seq[0]).call(xs);
        var lrnOut = ((nn.Module<Tensor, Tensor>)seq[1]).call(c1);
        var factor = (lrnOut / c1).detach();
        (c1 * factor)[0, 1, 1, 1].backward();
        Assert.False(
            Grad(true, "lrn").allclose(xs.grad!, rtol: 1e-3, atol: 1e-9),
            "LRN gradient must include the normalizer's derivative"
        );
        // Past the ReLU, Linearize does change the gradient where the ReLU is off (identity instead
        // of zero).
        var lrnActs = model.Activation(x0.sub(-117).div(255), "lrn");
        Assert.True(
            lrnActs[0, .., 1..4, 1..4].lt(0).any().item<bool>(),
            "the test needs a ReLU that is off under conv2[1, 1]"
        );
        Assert.False(Grad(true, "conv2").allclose(Grad(false, "conv2"), rtol: 1e-5, atol: 1e-9));
    }
}
