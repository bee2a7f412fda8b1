using Notebooks.Weights.Connections;
using Notebooks.Weights.Models.Onnx;
using static Notebooks.Weights.Tests.Models.Onnx.OnnxTestSupport;

namespace Notebooks.Weights.Tests.Models.Onnx;

/// <summary>
/// Expanded weights between layers where layer1 does not cut the graph (ResNet's residual skip):
/// the error says that layer1 must cut the graph between input and layer2, shows the path around it
/// and lists the nearest cuts.
/// </summary>
public class LayerCutsTests
{
    [Fact]
    public void ResidualSkipAroundLayer1IsNamedWithTheNearestCuts()
    {
        using var model = OnnxModel
            .Load(Fixture("torchvision/resnet_basic_opset13.onnx"))
            .ToVisionModel();
        var e = Assert.Throws<ArgumentException>(() =>
            ExpandedWeights.Get(model, "layer2.0.relu", "layer2.0", width: 3)
        );
        Assert.Contains(
            "layer1 'layer2.0.relu' does not cut resnet_basic_opset13's graph between the input and layer2 'layer2.0'",
            e.Message
        );
        Assert.Contains(
            "'layer2.0.downsample' feeds '/layer2/layer2.0/Add' without passing through it",
            e.Message
        );
        Assert.Contains("layer1 must cut the graph between input and layer2", e.Message);
        Assert.Contains(
            "Nearest cuts: before 'layer2.0.relu': layer1.0, /layer1/layer1.1/Add, layer1; after it: /layer2/layer2.0/Add.",
            e.Message
        );
    }

    [Fact]
    public void CutsAreTheLayersEveryPathPassesThrough()
    {
        using var model = OnnxModel
            .Load(Fixture("torchvision/resnet_basic_opset13.onnx"))
            .ToVisionModel();
        var cuts = LayerCuts.Cuts(model, model.Layer("layer2").ModulePath)!;
        string M(string layer) => model.Layer(layer).ModulePath;
        Assert.Contains(M("layer1"), cuts);
        Assert.Contains(M("layer2.0"), cuts);
        Assert.Contains(M("maxpool"), cuts);
        Assert.DoesNotContain(M("layer2.0.relu"), cuts); // the skip goes around it
        Assert.DoesNotContain(M("layer2.0.downsample"), cuts); // the main branch goes around it
        Assert.DoesNotContain(M("layer1.0.relu"), cuts);
        // A real cut works, and gives layer2.0's channels.
        using var w = ExpandedWeights.Get(model, "layer1", "layer2.0", width: 3);
        Assert.Equal(new long[] { 3, 3, 4, 8 }, w.shape);
    }
}
