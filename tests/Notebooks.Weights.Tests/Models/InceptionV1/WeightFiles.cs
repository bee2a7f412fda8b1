using Notebooks.Weights.Models.InceptionV1;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.InceptionV1;

/// <summary>Synthetic inception5h weights (right names and TF shapes, random values) and files
/// holding them.</summary>
static class WeightFiles
{
    public static Dictionary<string, Tensor> RandomTf(int seed)
    {
        var g = new Generator((ulong)seed);
        return InceptionV1Model.TfShapes.ToDictionary(
            kv => kv.Key,
            kv => randn(kv.Value, generator: g)
        );
    }

    /// <summary>A GraphDef shaped like inception5h: input placeholder, Const weights, ops, int32
    /// structure constants.</summary>
    public static byte[] Pb(IReadOnlyDictionary<string, Tensor> tf)
    {
        var nodes = new List<TfGraphWriter.Node> { new("input", "Placeholder", [], null) };
        foreach (var (name, t) in tf)
            nodes.Add(TfGraphWriter.FloatConst(name, t, asFloatVal: name.EndsWith("_b"))); // biases via float_val, weights via tensor_content
        nodes.Add(new("conv2d0_pre_relu/conv", "Conv2D", ["input", "conv2d0_w"], null));
        nodes.Add(new("conv2d0_pre_relu", "BiasAdd", ["conv2d0_pre_relu/conv", "conv2d0_b"], null));
        nodes.Add(TfGraphWriter.IntConst("mixed3a/concat_dim", [3], []));
        nodes.Add(TfGraphWriter.IntConst("avgpool0/reshape/shape", [-1, 1024], [2]));
        return TfGraphWriter.Graph(nodes);
    }

    public static string TempDir()
    {
        var d = Path.Combine(
            Path.GetTempPath(),
            "nw-inception-" + Guid.NewGuid().ToString("N")[..8]
        );
        Directory.CreateDirectory(d);
        return d;
    }
}
