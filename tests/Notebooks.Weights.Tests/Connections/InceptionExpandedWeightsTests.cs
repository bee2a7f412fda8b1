using Notebooks.Weights.Connections;
using Notebooks.Weights.Models.InceptionV1;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Connections;

/// <summary>The notebook's cross-layer jumps on InceptionV1 (random weights from a private
/// generator: runs in parallel with other classes).</summary>
public class InceptionExpandedWeightsTests
{
    [Fact]
    public void NotebookLayerPairsHaveTheNotebookShapesAndInputToConv2d0IsTheKernel()
    {
        using var m = InceptionV1Model.Create(seed: 3);
        // input → conv2d0 at W=8: TF SAME pads the 8x8 crop (2,3), the center output (1,1) sees
        // input rows 0..6: the raw 7x7 kernel, with row/column 7 zero (the notebook's remark).
        var w0 = ExpandedWeights.Get(m, "input", "conv2d0", 8);
        Assert.Equal(new long[] { 8, 8, 3, 64 }, w0.shape);
        var hwio = m.Parameters["conv2d0_w"].permute(2, 3, 1, 0);
        Assert.True(w0[..7, ..7].allclose(hwio, atol: 1e-5));
        Assert.Equal(0f, w0[7].abs().max().item<float>());
        Assert.Equal(0f, w0[.., 7].abs().max().item<float>());

        var w3a3b = ExpandedWeights.Get(m, "mixed3a", "mixed3b", units: [379, 0]);
        Assert.Equal(new long[] { 5, 5, 256, 2 }, w3a3b.shape);
        var w1 = ExpandedWeights.Get(m, "maxpool1", "mixed3a", units: [7]);
        Assert.Equal(new long[] { 5, 5, 192, 1 }, w1.shape);
        var w4 = ExpandedWeights.Get(m, "maxpool4", "mixed4a", units: [1]);
        Assert.Equal(new long[] { 5, 5, 480, 1 }, w4.shape);
        foreach (var t in new[] { w3a3b, w1, w4 })
            Assert.True(t.abs().max().item<float>() > 0);
    }
}
