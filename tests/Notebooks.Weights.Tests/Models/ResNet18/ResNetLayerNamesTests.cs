using Notebooks.Weights.Models;
using Notebooks.Weights.Models.Onnx;
using Notebooks.Weights.Models.ResNet18;
using static Notebooks.Weights.Tests.Models.Onnx.OnnxTestSupport;

namespace Notebooks.Weights.Tests.Models.ResNet18;

/// <summary>
/// The name derivation is checked against an independent naming: a PyTorch (torchvision-style,
/// bottleneck, BN folded) ResNet export whose node names carry PyTorch's own module paths. Plus
/// layer weights on ONNX Gemm and module-tree models.
/// </summary>
public class ResNetLayerNamesTests
{
    [Fact]
    public void DerivedNamesEqualPyTorchsModulePathsOnAPyTorchExport()
    {
        var onnx = OnnxModel.Load(Fixture("resnet_opset13.onnx"));
        var named = ResNetLayerNames.Derive(onnx);
        int compared = 0;
        foreach (var n in named)
        {
            if (OnnxModel.FriendlyScope(n.Node.Name) is not { } scope)
                continue; // e.g. /Flatten: no module
            var expected = n.Node.OpType == "Add" ? scope + ".add" : scope; // torchvision's add has no module; FX calls it .add
            Assert.True(
                n.Name == expected || n.Aliases.Contains(expected),
                $"{n.Node.Name}: derived {n.Name} [{string.Join(", ", n.Aliases)}], PyTorch says {expected}"
            );
            compared++;
        }
        Assert.True(compared >= named.Count - 2, $"compared {compared} of {named.Count}");
        Assert.Contains(named, n => n.Name == "layer2.0.downsample.0");
        Assert.Equal("fc", named[^1].Name);
    }

    [Fact]
    public void AGraphThatIsNotAResNetIsRefusedNamingTheNode()
    {
        var e = Assert.Throws<InvalidDataException>(() =>
            ResNetLayerNames.Derive(OnnxModel.Load(Fixture("vgg_opset9.onnx")))
        );
        Assert.Contains("vgg_opset9.onnx", e.Message);
    }

    [Fact]
    public void OnnxGemmLayersKnowTheirWeightInOutInLayout()
    {
        using var m = ModelRegistry.Load(Fixture("resnet_opset13.onnx"));
        var fc = m.LayerWeight("fc");
        var gemm = OnnxModel
            .Load(Fixture("resnet_opset13.onnx"))
            .Layers.Single(l => l.OpType == "Gemm");
        Assert.Equal(m.LayerInfo("fc").Channels, fc.shape[0]); // [out, in]
        Assert.Equal(m.LayerInfo("avgpool").Channels, fc.shape[1]);
        Assert.Equal(gemm.Weight, m.Parameters.PathOf(m.LayerWeightName("fc")!));
        Assert.Equal("/conv1/Conv", m.FirstConvLayer);
        Assert.Equal(m.LayerWeight("conv1").shape, m.LayerWeight("/conv1/Conv").shape);
    }

    [Fact]
    public void ModuleTreeModelsFindTheOneKernelInsideALayer()
    {
        using var m = ModelRegistry.Load("default");
        Assert.Equal("conv2d0_w", m.LayerWeightName("conv2d0")); // ReLU container → its conv
        Assert.Equal("conv2d0_w", m.LayerWeightName("conv2d0_pre_relu"));
        Assert.Null(m.LayerWeightName("maxpool0"));
        Assert.Equal("conv2d0_pre_relu", m.FirstConvLayer);
        Assert.Equal(4, m.ConvLayers.Count);
        Assert.Equal(m.Parameters["logits_w"].shape, m.LayerWeight("logits").shape);
        var e = Assert.Throws<ArgumentException>(() => m.LayerWeight("softmax"));
        Assert.Contains("Layer 'softmax' (Softmax) of default has no weight", e.Message);
    }
}
