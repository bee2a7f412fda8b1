using Notebooks.Weights.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models;

public class VisionModelTests
{
    /// <summary>conv(3→4, 3x3, pad 1) → relu → maxpool 2 → conv(4→5, 3x3) → relu → flatten →
    /// linear.</summary>
    internal static VisionModel TinyModel(int seed = 1)
    {
        var seq = nn.Sequential(
            ("conv1", nn.Conv2d(3, 4, 3, padding: 1)),
            ("relu1", nn.ReLU()),
            ("pool1", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(4, 5, 3)),
            ("relu2", nn.ReLU()),
            ("flat", nn.Flatten()),
            ("fc", nn.Linear(5 * 2 * 2, 3))
        );
        SeededInit.Apply(seq, seed);
        return new VisionModel("tiny", seq, new InputSpec(3, 8, -1, 1));
    }

    [Fact]
    public void LayerTableHasNamesKindsChannelsAndSizesInExecutionOrder()
    {
        using var m = TinyModel();
        var t = m.Layers();
        Assert.Equal(
            new[] { "input", "conv1", "relu1", "pool1", "conv2", "relu2", "flat", "fc" },
            t.Select(l => l.Name)
        );
        var conv2 = t.Single(l => l.Name == "conv2");
        Assert.Equal(
            ("Conv2d", 5L, 2L, 2L),
            (conv2.Kind, conv2.Channels, conv2.Height, conv2.Width)
        );
        Assert.Equal(new long[] { 1, 3 }, t.Single(l => l.Name == "fc").Shape);
        // Other input sizes reach the fixed-size linear head and fail with a message naming the
        // layer.
        var e = Assert.Throws<ArgumentException>(() => m.Layers(12));
        Assert.Contains(
            "Input size 12x12 does not fit tiny (default 8): layer 'fc' failed",
            e.Message
        );
    }

    [Fact]
    public void ActivationsMatchAManualForwardAndPreprocessingMapsTheRange()
    {
        using var m = TinyModel();
        var seq = (TorchSharp.Modules.Sequential)m.Module;
        var img = rand(2, 3, 8, 8, generator: new Generator(5));
        var acts = m.Activations(img, "relu1", "conv2", "input");
        var x = img.mul(2).sub(1); // [0,1] → [-1,1]
        Assert.True(acts["input"].allclose(x));
        var c1 = ((nn.Module<Tensor, Tensor>)seq[0]).call(x);
        Assert.True(acts["relu1"].allclose(c1.relu()));
        var c2 = ((nn.Module<Tensor, Tensor>)seq[3]).call(nn.functional.max_pool2d(c1.relu(), 2));
        Assert.True(acts["conv2"].allclose(c2, atol: 1e-6));
    }

    [Fact]
    public void ReplacingALayerContinuesTheForwardFromTheGivenTensor()
    {
        using var m = TinyModel();
        var seq = (TorchSharp.Modules.Sequential)m.Module;
        var fake = randn(1, 4, 4, 4, generator: new Generator(3));
        var got = m.Run(
            zeros(1, 3, 8, 8),
            new RunOptions
            {
                Capture = ["conv2"],
                Replace = new Dictionary<string, Tensor> { ["pool1"] = fake },
            }
        )["conv2"];
        var expected = ((nn.Module<Tensor, Tensor>)seq[3]).call(fake);
        Assert.True(got.allclose(expected, atol: 1e-6));
    }

    [Fact]
    public void LinearizedRunKeepsValuesAndUsesIdentityAndAveragePoolGradients()
    {
        using var m = TinyModel();
        var x = randn(1, 4, 8, 8, generator: new Generator(7)).requires_grad_(true);
        var outLin = m.Run(
            zeros(1, 3, 8, 8),
            new RunOptions
            {
                Capture = ["relu2"],
                Replace = new Dictionary<string, Tensor> { ["relu1"] = x },
                Linearize = true,
            }
        )["relu2"];
        // Forward value unchanged by linearization.
        var outPlain = m.Run(
            zeros(1, 3, 8, 8),
            new RunOptions
            {
                Capture = ["relu2"],
                Replace = new Dictionary<string, Tensor> { ["relu1"] = x.detach() },
            }
        )["relu2"];
        Assert.True(outLin.detach().allclose(outPlain));
        // Gradient equals that of the linear surrogate network avgpool → conv2 (no relu).
        var g = autograd.grad([outLin.sum()], [x])[0];
        var x2 = x.detach().clone().requires_grad_(true);
        var conv2 = (TorchSharp.Modules.Conv2d)((TorchSharp.Modules.Sequential)m.Module)[3];
        var lin = conv2.call(nn.functional.avg_pool2d(x2, 2));
        var g2 = autograd.grad([lin.sum()], [x2])[0];
        Assert.True(g.allclose(g2, atol: 1e-6));
        Assert.True(g.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void UnknownLayerListsNearestNames()
    {
        using var m = TinyModel();
        var e = Assert.Throws<UnknownLayerException>(() =>
            m.Activations(zeros(1, 3, 8, 8), "conv3")
        );
        Assert.Contains("Unknown layer 'conv3' in model 'tiny'", e.Message);
        Assert.Contains("conv1", e.Message);
        Assert.Contains("conv2", e.Message);
    }

    [Fact]
    public void WrongInputShapeSaysWhatWasExpected()
    {
        using var m = TinyModel();
        var e = Assert.Throws<ArgumentException>(() => m.Forward(zeros(1, 1, 8, 8)));
        Assert.Contains("Expected images shaped [N, 3, H, W]", e.Message);
        Assert.Contains("got [1, 1, 8, 8]", e.Message);
    }

    [Fact]
    public void ParameterEditorGetsSetsEditsAndRestores()
    {
        using var m = TinyModel();
        var p = m.Parameters;
        var orig = p["conv1.weight"];
        p.Edit("conv1.weight", w => w[0].zero_());
        Assert.Equal(0f, p["conv1.weight"][0].abs().sum().item<float>());
        Assert.True(p["conv1.weight"][1].allclose(orig[1]));
        Assert.Equal(new[] { "conv1.weight" }, p.Edited);
        p["conv2.bias"] = ones(5);
        Assert.Equal(5f, p["conv2.bias"].sum().item<float>());
        p.Restore();
        Assert.True(p["conv1.weight"].allclose(orig));
        Assert.Empty(p.Edited);
        var e = Assert.Throws<ArgumentException>(() => p["conv2.bias"] = ones(4));
        Assert.Contains("has shape [5]; got a tensor of shape [4]", e.Message);
        var u = Assert.Throws<UnknownLayerException>(() => p["conv1.wieght"]);
        Assert.Contains("conv1.weight", u.Message);
    }

    [Fact]
    public void WeightsHashChangesWithWeightsAndIsStableForSameSeed()
    {
        using var a = TinyModel(1);
        using var b = TinyModel(1);
        using var c = TinyModel(2);
        Assert.Equal(a.WeightsHash, b.WeightsHash);
        Assert.NotEqual(a.WeightsHash, c.WeightsHash);
    }

    [Fact]
    public void UnknownModelNameListsModels()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.Load("no-such-model"));
        Assert.Contains("Unknown model 'no-such-model'", e.Message);
    }
}
