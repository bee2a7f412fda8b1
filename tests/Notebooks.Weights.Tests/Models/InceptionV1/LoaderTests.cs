using Notebooks.Weights.IO;
using Notebooks.Weights.Models;
using Notebooks.Weights.Models.InceptionV1;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.InceptionV1;

public class LoaderTests
{
    /// <summary>Each parameter must equal the written TF tensor moved to TorchSharp layout:
    /// param[o, i, h, w] = tf[h, w, i, o]; dense param[o, i] = tf[i, o].</summary>
    static void AssertEveryTensorLanded(VisionModel m, Dictionary<string, Tensor> tf)
    {
        Assert.Equal(128, tf.Count);
        foreach (var (name, t) in tf)
        {
            using var p = m.Parameters[name];
            var want = t.dim() switch
            {
                4 => t.permute(3, 2, 0, 1),
                2 => t.permute(1, 0),
                _ => t,
            };
            Assert.True(p.shape.SequenceEqual(want.shape), $"{name}: {string.Join(",", p.shape)}");
            Assert.True(p.equal(want).all().item<bool>(), $"{name} differs after loading");
        }
        // Spot-check one index by hand: conv2d0_w[h=1, w=2, i=0, o=5] is weight[5, 0, 1, 2].
        Assert.Equal(
            tf["conv2d0_w"][1, 2, 0, 5].item<float>(),
            m.Parameters.Live("conv2d0.conv.weight")[5, 0, 1, 2].item<float>()
        );
        Assert.Equal(
            tf["softmax2_w"][7, 1000].item<float>(),
            m.Parameters.Live("softmax2.matmul.weight")[1000, 7].item<float>()
        );
    }

    [Fact]
    public void PbConstNodesLoadIntoEveryParameterWithHwioToOihw()
    {
        using var scope = NewDisposeScope();
        var dir = WeightFiles.TempDir();
        try
        {
            var tf = WeightFiles.RandomTf(11);
            var path = Path.Combine(dir, "inception5h.pb");
            File.WriteAllBytes(path, WeightFiles.Pb(tf));
            // The graph reader sees every node and the int32 structure constants with their values.
            var graph = TfGraphDef.Read(path);
            Assert.Contains(graph.Nodes, n =>
                n is { Name: "conv2d0_pre_relu/conv", Op: "Conv2D" }
                && n.Inputs.SequenceEqual(["input", "conv2d0_w"])
            );
            var shapeConst = graph.Constants.Single(c => c.Name == "avgpool0/reshape/shape");
            Assert.Equal("DT_INT32", shapeConst.DType);
            Assert.Equal(new long[] { 2 }, shapeConst.Shape);
            Assert.Equal(new[] { -1, 1024 }, shapeConst.Value!.data<int>().ToArray());

            using var m = ModelRegistry.Load(path);
            Assert.Equal("InceptionV1", m.Name);
            AssertEveryTensorLanded(m, tf);
            Assert.Empty(m.Parameters.Edited);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void SafetensorsWithTheSameNamesLoadsTheSameAndRoundTrips()
    {
        using var scope = NewDisposeScope();
        var dir = WeightFiles.TempDir();
        try
        {
            var tf = WeightFiles.RandomTf(12);
            var path = Path.Combine(dir, "weights.safetensors");
            Safetensors.Save(path, tf);
            using var m = ModelRegistry.Load(path);
            AssertEveryTensorLanded(m, tf);
            // Export → reload gives the same weights (same hash).
            var again = Path.Combine(dir, "again.safetensors");
            InceptionV1Weights.SaveSafetensors(m, again);
            using var m2 = InceptionV1Weights.Load(again);
            Assert.Equal(m.WeightsHash, m2.WeightsHash);
            Assert.Equal("InceptionV1 (inception5h)", Safetensors.Read(again).Metadata["model"]);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void LoadedWeightsDriveTheForwardLikeATfConvWithSamePadding()
    {
        // conv2d0_pre_relu computed by hand from the HWIO tensor (TF SAME: pad 2 before, 3 after at
        // 224 px).
        using var scope = NewDisposeScope();
        var tf = WeightFiles.RandomTf(13);
        using var m = InceptionV1Model.Wrap(new InceptionV1Net());
        InceptionV1Weights.Apply(m, tf, "test");
        var img = rand(new long[] { 1, 3, 224, 224 }, generator: new Generator(1));
        var got = m.Activation(img, "conv2d0_pre_relu");
        var x = nn.functional.pad(img.mul(255).sub(117), [2, 3, 2, 3]);
        var want = nn.functional.conv2d(
            x,
            tf["conv2d0_w"].permute(3, 2, 0, 1),
            tf["conv2d0_b"],
            strides: [2, 2]
        );
        Assert.True(got.allclose(want, rtol: 1e-4, atol: 1e-3));
    }
}
