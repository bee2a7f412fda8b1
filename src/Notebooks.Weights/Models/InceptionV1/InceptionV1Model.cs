using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models.InceptionV1;

/// <summary>
/// Lucid's InceptionV1 ("inception5h") as a <see cref="VisionModel"/>: Lucid's layer names
/// (<c>conv2d0</c>, <c>maxpool0</c>, <c>mixed3a</c>, <c>mixed3a_3x3_bottleneck_pre_relu</c>, ...,
/// <c>softmax2</c>; <c>mixed3a_pre_relu</c> .. <c>mixed5b_pre_relu</c>, which Lucid adds after
/// import as concats of the branches' pre-ReLU tensors) and weight names (<c>conv2d0_w</c>,
/// <c>mixed4a_pool_reduce_b</c>, <c>softmax2_w</c>, ...) as parameter aliases. Input: RGB 224x224,
/// [0,1] images mapped to (-117, 138). Layer kinds are the TF op types (Conv2D, Relu, MaxPool, LRN,
/// Concat, AvgPool, MatMul, Softmax).
/// </summary>
/// <remarks>
/// Fidelity (see the Lucid fidelity sheet): TF "SAME" padding is computed from the actual input
/// size, which equals Lucid's graph at every size (conv2d0 (2, 3), stride-2 pools (0, 1) at 224 px;
/// lucent hard-codes the 224 px pads); max pools pad with -inf; LRN uses TF's constants (lucent's
/// size 9 / alpha 1e-4 / k 1 is a known bug, not copied). Besides the main path the graph's
/// auxiliary heads are layers too (head0_pool, head0_bottleneck, nn0, softmax0 on mixed4a; head1_*,
/// nn1, softmax1 on mixed4d), as in Lucid's layer list; like the TF graph they need 224 px inputs.
/// Checked against an independent PyTorch implementation
/// (scripts/fixtures/inceptionv1_reference.py).
/// </remarks>
public static class InceptionV1Model
{
    /// <summary>The model name.</summary>
    public const string Name = "InceptionV1";

    /// <summary>Input: 3 channels, 224 px, value range (-117, 138) (Lucid's
    /// <c>image_value_range</c>).</summary>
    public static readonly InputSpec Input = new(3, 224, -117, 255 - 117);

    static readonly (string Lucid, string Path)[] TopConvs =
    [
        ("conv2d0", "conv2d0"),
        ("conv2d1", "conv2d1"),
        ("conv2d2", "conv2d2"),
    ];

    /// <summary>Every Lucid layer name with its module path and TF op kind, in execution
    /// order.</summary>
    public static IReadOnlyList<LayerSpec> LayerSpecs { get; } = BuildLayers();

    /// <summary>Lucid weight names → module parameter paths (e.g. <c>mixed3a_1x1_w</c> →
    /// <c>mixed3a.1x1.conv.weight</c>).</summary>
    public static IReadOnlyDictionary<string, string> ParameterAliases { get; } = BuildAliases();

    /// <summary>
    /// The tensors of the inception5h graph in TF layout: conv weights HWIO <c>[kH, kW, in,
    /// out]</c>, dense weights <c>[in, out]</c>, biases <c>[out]</c>. Loaders check files against
    /// exactly this table.
    /// </summary>
    public static IReadOnlyDictionary<string, long[]> TfShapes { get; } = BuildTfShapes();

    static IEnumerable<(string Lucid, string Path, long In, long Out, long K)> Convs()
    {
        yield return ("conv2d0", "conv2d0", 3, 64, 7);
        yield return ("conv2d1", "conv2d1", 64, 64, 1);
        yield return ("conv2d2", "conv2d2", 64, 192, 3);
        foreach (var m in InceptionV1Net.MixedBlocks)
        {
            yield return ($"{m.Name}_1x1", $"{m.Name}.1x1", m.In, m.C1, 1);
            yield return ($"{m.Name}_3x3_bottleneck", $"{m.Name}.3x3_bottleneck", m.In, m.C3r, 1);
            yield return ($"{m.Name}_3x3", $"{m.Name}.3x3", m.C3r, m.C3, 3);
            yield return ($"{m.Name}_5x5_bottleneck", $"{m.Name}.5x5_bottleneck", m.In, m.C5r, 1);
            yield return ($"{m.Name}_5x5", $"{m.Name}.5x5", m.C5r, m.C5, 5);
            yield return ($"{m.Name}_pool_reduce", $"{m.Name}.pool_reduce", m.In, m.Cp, 1);
        }
        yield return ("head0_bottleneck", "head0_bottleneck", 508, 128, 1);
        yield return ("head1_bottleneck", "head1_bottleneck", 528, 128, 1);
    }

    static IEnumerable<(string Lucid, long In, long Out)> Denses()
    {
        yield return ("nn0", 2048, 1024);
        yield return ("softmax0", 1024, InceptionV1Net.Classes);
        yield return ("nn1", 2048, 1024);
        yield return ("softmax1", 1024, InceptionV1Net.Classes);
        yield return ("softmax2", 1024, InceptionV1Net.Classes);
    }

    static List<LayerSpec> BuildLayers()
    {
        var l = new List<LayerSpec>();
        void Conv(string lucid, string path)
        {
            l.Add(new($"{lucid}_pre_relu", $"{path}.conv", "Conv2D"));
            l.Add(new(lucid, path, "Relu"));
        }
        void Dense(string lucid, bool softmax)
        {
            l.Add(
                new(
                    softmax ? $"{lucid}_pre_activation" : $"{lucid}_pre_relu",
                    $"{lucid}.matmul",
                    "MatMul"
                )
            );
            l.Add(new(lucid, lucid, softmax ? "Softmax" : "Relu"));
        }
        Conv("conv2d0", "conv2d0");
        l.Add(new("maxpool0", "maxpool0", "MaxPool"));
        l.Add(new("localresponsenorm0", "localresponsenorm0", "LRN"));
        Conv("conv2d1", "conv2d1");
        Conv("conv2d2", "conv2d2");
        l.Add(new("localresponsenorm1", "localresponsenorm1", "LRN"));
        l.Add(new("maxpool1", "maxpool1", "MaxPool"));
        foreach (var m in InceptionV1Net.MixedBlocks)
        {
            foreach (var b in InceptionMixedBlock.Branches)
                if (b == "pool")
                    l.Add(new($"{m.Name}_pool", $"{m.Name}.pool", "MaxPool"));
                else
                    Conv($"{m.Name}_{b}", $"{m.Name}.{b}");
            l.Add(new($"{m.Name}_pre_relu", $"{m.Name}.pre_relu", "Concat")); // Lucid's _populate_inception_bottlenecks
            l.Add(new(m.Name, m.Name, "Concat"));
            if (m.Name == "mixed3b")
                l.Add(new("maxpool4", "maxpool4", "MaxPool"));
            if (m.Name == "mixed4e")
                l.Add(new("maxpool10", "maxpool10", "MaxPool"));
        }
        foreach (var h in new[] { "0", "1" })
        {
            l.Add(new($"head{h}_pool", $"head{h}_pool", "AvgPool"));
            Conv($"head{h}_bottleneck", $"head{h}_bottleneck");
            Dense($"nn{h}", false);
            Dense($"softmax{h}", true);
        }
        l.Add(new("avgpool0", "avgpool0", "AvgPool"));
        Dense("softmax2", true);
        return l;
    }

    static Dictionary<string, string> BuildAliases()
    {
        var a = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in Convs())
        {
            a[$"{c.Lucid}_w"] = $"{c.Path}.conv.weight";
            a[$"{c.Lucid}_b"] = $"{c.Path}.conv.bias";
        }
        foreach (var d in Denses())
        {
            a[$"{d.Lucid}_w"] = $"{d.Lucid}.matmul.weight";
            a[$"{d.Lucid}_b"] = $"{d.Lucid}.matmul.bias";
        }
        return a;
    }

    static Dictionary<string, long[]> BuildTfShapes()
    {
        var s = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var c in Convs())
        {
            s[$"{c.Lucid}_w"] = [c.K, c.K, c.In, c.Out];
            s[$"{c.Lucid}_b"] = [c.Out];
        }
        foreach (var d in Denses())
        {
            s[$"{d.Lucid}_w"] = [d.In, d.Out];
            s[$"{d.Lucid}_b"] = [d.Out];
        }
        return s;
    }

    /// <summary>
    /// InceptionV1 with random weights (He-normal weights, N(0, 0.01) biases) drawn from
    /// <paramref name="seed"/>: same seed, same weights. For architecture work and tests; real
    /// weights come from <see cref="InceptionV1Weights"/> or
    /// <c>ModelRegistry.Load("inceptionv1")</c>.
    /// </summary>
    public static VisionModel Create(int seed = 0)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        var net = new InceptionV1Net();
        var gen = new Generator((ulong)seed);
        using (no_grad())
        {
            foreach (var (name, p) in net.named_parameters())
            {
                if (name.EndsWith(".bias", StringComparison.Ordinal))
                {
                    using var b = randn(p.shape, generator: gen).mul_(0.01);
                    p.copy_(b);
                    continue;
                }
                long fanIn = p.shape.Skip(1).Aggregate(1L, (x, y) => x * y);
                using var w = randn(p.shape, generator: gen).mul_(Math.Sqrt(2.0 / fanIn));
                p.copy_(w);
            }
        }
        return Wrap(net);
    }

    /// <summary>Wraps a network in a <see cref="VisionModel"/> with Lucid's layer names and weight
    /// aliases.</summary>
    public static VisionModel Wrap(InceptionV1Net net) =>
        new(Name, net, Input, LayerSpecs, ParameterAliases);
}
