using Microsoft.ML.OnnxRuntime;
using Notebooks.Weights.Connections;
using Notebooks.Weights.Models;
using Notebooks.Weights.Models.Onnx;
using Notebooks.Weights.Models.ResNet18;
using TorchSharp;
using static TorchSharp.torch;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using F = TorchSharp.torch.nn.functional;

namespace Notebooks.Weights.Tests.Models.ResNet18;

/// <summary>The real ImageNet ResNet18 from NuGet: registry load, names from the graph,
/// preprocessing and forward parity with ONNX Runtime, layer weights.</summary>
public class ResNet18ModelTests(ResNet18Fixture fixture) : IClassFixture<ResNet18Fixture>
{
    readonly VisionModel _m = fixture.Model;

    static Tensor Image(int seed) => rand(1, 3, 224, 224, generator: new Generator((ulong)seed));

    [Fact]
    public void RegistryLoadsTheRestoredPackageWithItsInputAndFeatureOutput()
    {
        Assert.Equal("ResNet18", _m.Name);
        Assert.Equal((3, 224, true), (_m.Input.Channels, _m.Input.DefaultSize, _m.Input.Bgr));
        Assert.Equal(new long[] { 3, 224, 224 }, _m.Input.MeanImage!.shape);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Assert.Equal(new long[] { 1, 512, 1, 1 }, _m.Forward(Image(1)).shape); // 512-d global-average-pooled features
        var table = _m.Layers();
        // Every ONNX node is one named layer (plus "input"), in the graph's execution order.
        var onnx = OnnxModel.Load(ResNet18Fixture.NetworkFile);
        Assert.Equal(onnx.Layers.Count + 1, table.Count);
        Assert.Equal(onnx.Layers.Select(l => l.OpType), table.Skip(1).Select(l => l.Kind));
        Assert.Equal(
            [
                "input",
                "conv1",
                "bn1",
                "relu",
                "maxpool",
                "layer1.0.conv1",
                "layer1.0.bn1",
                "layer1.0.relu",
                "layer1.0.conv2",
                "layer1.0.bn2",
                "layer1.0.add",
                "layer1.0",
            ],
            table.Take(12).Select(l => l.Name)
        );
        Assert.Equal("avgpool", table[^1].Name);
        Assert.Contains("layer2.0.downsample.0", _m.LayerNames);
        Assert.DoesNotContain(_m.LayerNames, n =>
            n.StartsWith("Convolution", StringComparison.Ordinal)
        ); // aliases are not listed
    }

    [Fact]
    public void NamesAgreeWithWhatTheLayersCompute()
    {
        using var scope = NewDisposeScope();
        var acts = _m.Activations(
            Image(2),
            "maxpool",
            "layer1.0.bn2",
            "layer1.0.add",
            "layer1.0",
            "layer2.0.bn2",
            "layer2.0.downsample.1",
            "layer2.0.add",
            "layer4",
            "layer4.2",
            "Convolution387",
            "layer4.2.conv2",
            "Plus299"
        );
        // Identity shortcut in layer1.0, projection (downsample conv + BN) in layer2.0; block
        // output = ReLU(add).
        Assert.True(
            acts["layer1.0.add"].allclose(acts["layer1.0.bn2"] + acts["maxpool"], atol: 1e-4)
        );
        Assert.True(acts["layer1.0"].allclose(acts["layer1.0.add"].relu()));
        Assert.True(
            acts["layer2.0.add"]
                .allclose(acts["layer2.0.bn2"] + acts["layer2.0.downsample.1"], atol: 1e-4)
        );
        // CNTK node names and stage names are aliases of the same tensors.
        Assert.True(acts["Convolution387"].allclose(acts["layer4.2.conv2"], rtol: 0, atol: 0));
        Assert.True(acts["Plus299"].allclose(acts["layer2.0.add"], rtol: 0, atol: 0));
        Assert.True(acts["layer4"].allclose(acts["layer4.2"], rtol: 0, atol: 0));
        Assert.Equal("layer4.2.conv2", _m.Layer("Convolution387").Name);
        Assert.Equal("layer3.1", _m.Layer("ReLU347").Name);
        // Channel widths per stage and kernel sizes, from the weights the names resolve to.
        foreach (var l in _m.ConvLayers)
        {
            var w = _m.LayerWeight(l);
            if (l == "conv1")
            {
                Assert.Equal(new long[] { 64, 3, 7, 7 }, w.shape);
                continue;
            }
            int stage = l[5] - '0';
            Assert.Equal(64L << (stage - 1), w.shape[0]);
            Assert.Equal(l.Contains("downsample") ? 1 : 3, w.shape[2]);
        }
    }

    [Fact]
    public void PreprocessingAndForwardMatchOnnxRuntimeRunningBothPackageFiles()
    {
        using var scope = NewDisposeScope();
        var x = Image(3);
        var x255 = (x * 255).contiguous().data<float>().ToArray();
        var opts = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            IntraOpNumThreads = 1,
        };
        using var prep = new InferenceSession(ResNet18Fixture.PreprocessFile, opts);
        using var net = new InferenceSession(ResNet18Fixture.NetworkFile, opts);
        float[] Run(InferenceSession s, float[] input)
        {
            var name = s.InputMetadata.Keys.Single();
            using var r = s.Run([
                NamedOnnxValue.CreateFromTensor(name, new DenseTensor(input, [1, 3, 224, 224])),
            ]);
            return r.First().AsTensor<float>().ToArray();
        }
        var ortPrep = Run(prep, x255);
        var ortOut = Run(net, ortPrep);

        using var _ = no_grad();
        var ours = _m.Preprocess(x).contiguous().data<float>().ToArray();
        Assert.True(ours.Zip(ortPrep).Max(p => Math.Abs(p.First - p.Second)) < 1e-4);
        var feats = _m.Forward(x).flatten().data<float>().ToArray();
        double maxRef = ortOut.Max(Math.Abs),
            maxDiff = feats.Zip(ortOut).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(
            maxDiff / maxRef < 1e-4,
            $"relative max difference {maxDiff / maxRef:E2} (max |feature| {maxRef})"
        );
    }

    [Fact]
    public void LayerWeightsAreTheKernelsTheLayersApply()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = Image(4);
        var acts = _m.Activations(x, "layer4.2.relu", "layer4.2.conv2", "conv1");
        var w = _m.LayerWeight("layer4.2.conv2");
        Assert.True(
            F.conv2d(acts["layer4.2.relu"], w, padding: [1, 1])
                .allclose(acts["layer4.2.conv2"], rtol: 1e-4, atol: 1e-4)
        );
        Assert.True(w.allclose(_m.Parameters["Parameter10"], rtol: 0, atol: 0)); // the CNTK initializer
        Assert.True(_m.WeightByName("Convolution387").Weight.allclose(w, rtol: 0, atol: 0)); // the CNTK node name
        Assert.Equal("layer4.2.conv2.weight", _m.LayerWeightName("layer4.2.conv2"));

        // The first layer is the conv that reads the input, found from the graph (not Parameter10,
        // the first in file order).
        Assert.Equal("conv1", _m.FirstConvLayer);
        var first = _m.LayerWeight("conv1");
        Assert.True(
            F.conv2d(_m.Preprocess(x), first, strides: [2, 2], padding: [3, 3])
                .allclose(acts["conv1"], rtol: 1e-4, atol: 1e-3)
        );
        // The network reads BGR; the filters for pictures are in RGB order: applied to the input in
        // RGB order they give conv1.
        var rgbFilters = FirstLayerFilters.Weight(_m);
        Assert.False(rgbFilters.allclose(first));
        Assert.True(
            F.conv2d(_m.Preprocess(x).flip(1), rgbFilters, strides: [2, 2], padding: [3, 3])
                .allclose(acts["conv1"], rtol: 1e-4, atol: 1e-3)
        );
        Assert.Equal(3, FirstLayerFilters.ShowWs(rgbFilters, [0, 1, 2]).shape[3]);
        Assert.Equal(22, _m.ConvLayers.Count);
        Assert.Equal(
            OnnxModel.Load(ResNet18Fixture.NetworkFile).Layers.Count(l => l.OpType == "Conv"),
            _m.ConvLayers.Count
        );
    }

    [Fact]
    public void BadInputsNameTheInputAndWhatWasExpected()
    {
        var e1 = Assert.Throws<ArgumentException>(() => _m.LayerWeight("layer4.2"));
        Assert.Contains("Layer 'layer4.2' (Relu) of ResNet18 has no weight", e1.Message);
        Assert.Contains("conv1", e1.Message);
        var e2 = Assert.Throws<UnknownLayerException>(() => _m.LayerWeight("layer4.2.conv3"));
        Assert.Contains("layer4.2.conv2", e2.Message);
        var e3 = Assert.Throws<UnknownLayerException>(() => _m.WeightByName("layer9.conv"));
        Assert.Contains("layer or weight", e3.Message);
        using var scope = NewDisposeScope();
        var e4 = Assert.Throws<ArgumentException>(() => _m.Preprocess(zeros(1, 1, 224, 224)));
        Assert.Contains("[N, 3, H, W]", e4.Message);
        // A preprocessing file that is not Split → Concat → Sub is refused, naming what it
        // computes.
        var e5 = Assert.Throws<InvalidDataException>(() =>
            ResNetPreprocessing.Load(ResNet18Fixture.NetworkFile)
        );
        Assert.Contains("Split → Concat → Sub", e5.Message);
    }
}
