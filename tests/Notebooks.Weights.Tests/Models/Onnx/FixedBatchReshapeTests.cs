using Notebooks.Weights.Models;
using Notebooks.Weights.Models.Onnx;
using static Notebooks.Weights.Tests.Models.Onnx.OnnxTestSupport;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.Onnx;

/// <summary>
/// Graphs exported at batch 1 with the batch baked into a Reshape's target shape (the ShuffleNetV2
/// fixture's channel shuffle) compute one image at a time; a larger batch gets an error that says
/// so and names the node.
/// </summary>
public sealed class FixedBatchReshapeTests() : TempDirectoryTest("nw-fixed-batch-")
{
    [Fact]
    public void ReshapeWithBakedBatchOneSaysSoForLargerBatches()
    {
        // x [N, 4, 3, 3] → Reshape [1, 2, 2, 3, 3] → Transpose (channel shuffle) → Reshape [1, 4,
        // 3, 3].
        var path = new OnnxWriter { Opset = 13 }
            .Input("x", 1, 4, 3, 3)
            .InitInt64("s1", [1, 2, 2, 3, 3], 5)
            .InitInt64("s2", [1, 4, 3, 3], 4)
            .Node("Reshape", "split_groups", ["x", "s1"], ["a"])
            .Node("Transpose", "shuffle", ["a"], ["b"], ("perm", new long[] { 0, 2, 1, 3, 4 }))
            .Node("Reshape", "merge", ["b", "s2"], ["y"])
            .Output("y")
            .Save(Path.Combine(Dir, "shuffle.onnx"));
        using var model = OnnxModel.Load(path).ToVisionModel();
        using var scope = NewDisposeScope();
        var one = arange(36, dtype: float32).reshape(1, 4, 3, 3);
        var y = model.Activations(one, "merge")["merge"];
        // One image computes: channel c of x holds 9c.. at (0, 0); the shuffle orders the channels
        // 0, 2, 1, 3.
        Assert.Equal(new[] { 0f, 18f, 9f, 27f }, y[0, .., 0, 0].data<float>().ToArray());
        var e = Assert.Throws<NotSupportedException>(() =>
            model.Activations(cat([one, one], 0), "merge")
        );
        Assert.Contains("'split_groups' (Reshape)", e.Message);
        Assert.Contains("fixes the batch size to 1", e.Message);
        Assert.Contains("batch of 2", e.Message);
    }

    [Fact]
    public void ShuffleNetFixtureNamesItsFixedBatch()
    {
        using var model = ModelRegistry.Load(Fixture("torchvision/shufflenet_v2_opset13.onnx"));
        using var scope = NewDisposeScope();
        int size = model.Input.DefaultSize;
        var e = Assert.Throws<NotSupportedException>(() =>
            model.Run(
                model.Preprocess(full(2, 3, size, size, 0.5f)),
                new RunOptions { Capture = [model.Layers()[^1].Name] }
            )
        );
        Assert.Contains("fixes the batch size to 1", e.Message);
    }
}
