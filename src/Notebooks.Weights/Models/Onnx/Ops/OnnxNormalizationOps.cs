using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Notebooks.Weights.Models.Onnx.Ops;

/// <summary>
/// Normalizations and reductions: BatchNormalization (inference), LayerNormalization (opset 17),
/// LRN, Softmax and LogSoftmax (with the 2-D coercion before opset 13), ReduceMean/Sum/Max/Min/L2
/// (axes attribute, or input from 18; ReduceSum's from 13) and the global pools.
/// </summary>
internal static class OnnxNormalizationOps
{
    public static readonly string[] Operators =
    [
        "BatchNormalization",
        "LayerNormalization",
        "LRN",
        "Softmax",
        "LogSoftmax",
        "ReduceMean",
        "ReduceSum",
        "ReduceMax",
        "ReduceMin",
        "ReduceL2",
        "GlobalAveragePool",
        "GlobalMaxPool",
    ];

    public static nn.Module<Tensor, Tensor> Create(OnnxOpContext c)
    {
        var a = c.A;
        int opset = c.Opset;
        switch (c.OpType)
        {
            case "BatchNormalization":
            {
                if (opset < 9 && a.Int("spatial", 1) == 0)
                    throw a.Unsupported("BatchNormalization with spatial=0");
                if (opset >= 14 && a.Int("training_mode", 0) != 0)
                    throw a.Unsupported("BatchNormalization with training_mode=1");
                double eps = a.Float("epsilon", 1e-5f);
                return c.N(ins =>
                    F.batch_norm(
                        c.In(ins, 0),
                        c.In(ins, 3),
                        c.In(ins, 4),
                        c.In(ins, 1),
                        c.In(ins, 2),
                        false,
                        0.0,
                        eps
                    )
                );
            }
            case "LayerNormalization":
            {
                // Normalizes over axes [axis, rank) with the population variance, then Scale and
                // optional B (broadcast).
                long axis = a.Int("axis", -1);
                double eps = a.Float("epsilon", 1e-5f);
                return c.N(ins =>
                {
                    var x = c.In(ins, 0);
                    var scale = c.In(ins, 1);
                    var b = OnnxOpContext.Opt(ins, 2);
                    long ax = axis < 0 ? axis + x.dim() : axis;
                    if (ax < 0 || ax >= x.dim())
                        throw a.Invalid(
                            $"LayerNormalization axis {axis} for a rank-{x.dim()} input"
                        );
                    var normalized = x.shape[(int)ax..];
                    if (
                        scale.shape.SequenceEqual(normalized)
                        && (b is null || b.shape.SequenceEqual(normalized))
                    )
                        return F.layer_norm(x, normalized, scale, b, eps);
                    var dims = Enumerable
                        .Range((int)ax, (int)(x.dim() - ax))
                        .Select(i => (long)i)
                        .ToArray();
                    var mean = x.mean(dims, true);
                    var centered = x.sub(mean);
                    var y = centered
                        .div(centered.square().mean(dims, true).add(eps).sqrt())
                        .mul(scale);
                    return b is null ? y : y.add(b);
                });
            }
            case "LRN":
            {
                long size = a.RequiredInt("size");
                double alpha = a.Float("alpha", 1e-4f),
                    beta = a.Float("beta", 0.75f),
                    bias = a.Float("bias", 1f);
                return c.N(ins => Lrn(c.In(ins, 0), size, alpha, beta, bias));
            }
            case "Softmax":
            case "LogSoftmax":
            {
                bool log = c.OpType == "LogSoftmax";
                long axis = a.Int("axis", opset >= 13 ? -1 : 1);
                return c.N(ins =>
                {
                    var x = c.In(ins, 0);
                    long ax = axis < 0 ? axis + x.dim() : axis;
                    if (opset >= 13)
                        return log ? x.log_softmax(ax) : x.softmax(ax);
                    long outer = 1;
                    for (int i = 0; i < ax; i++)
                        outer *= x.shape[i];
                    var x2 = x.reshape(outer, -1);
                    return (log ? x2.log_softmax(1) : x2.softmax(1)).reshape(x.shape);
                });
            }
            case "ReduceMean":
            case "ReduceSum":
            case "ReduceMax":
            case "ReduceMin":
            case "ReduceL2":
            {
                bool keep = a.Int("keepdims", 1) != 0;
                // The axes attribute became an input: ReduceSum at 13, the others at 18.
                bool axesInput = opset >= (c.OpType == "ReduceSum" ? 13 : 18);
                var attrAxes = axesInput ? null : a.Ints("axes");
                bool noopEmpty = axesInput && a.Int("noop_with_empty_axes", 0) != 0;
                string op = c.OpType;
                return c.N(ins =>
                {
                    var x = c.In(ins, 0);
                    var axes =
                        !axesInput ? attrAxes
                        : OnnxOpContext.Opt(ins, 1) is { } t ? OnnxOps.Ints(t)
                        : null;
                    if (axes is null || axes.Length == 0)
                    {
                        if (noopEmpty)
                            return x.alias();
                        axes = Enumerable.Range(0, (int)x.dim()).Select(i => (long)i).ToArray();
                    }
                    axes = axes.Select(v => v < 0 ? v + x.dim() : v).ToArray();
                    return op switch
                    {
                        "ReduceMean" => x.mean(axes, keep),
                        "ReduceSum" => x.sum(axes, keep),
                        "ReduceMax" => x.amax(axes, keep),
                        "ReduceMin" => x.amin(axes, keep),
                        _ => x.square().sum(axes, keep).sqrt(),
                    };
                });
            }
            case "GlobalAveragePool":
                return c.N(ins =>
                {
                    var x = c.In(ins, 0);
                    return x.mean(
                        Enumerable.Range(2, (int)x.dim() - 2).Select(i => (long)i).ToArray(),
                        true
                    );
                });
            case "GlobalMaxPool":
                return c.N(ins =>
                {
                    var x = c.In(ins, 0);
                    return x.amax(
                        Enumerable.Range(2, (int)x.dim() - 2).Select(i => (long)i).ToArray(),
                        true
                    );
                });
            default:
                throw new InvalidOperationException($"OnnxNormalizationOps got '{c.OpType}'.");
        }
    }

    /// <summary>ONNX LRN: y = x / (bias + alpha/size · Σ x²)^beta over channels [c − ⌊(size−1)/2⌋,
    /// c + ⌈(size−1)/2⌉].</summary>
    static Tensor Lrn(Tensor x, long size, double alpha, double beta, double bias)
    {
        long before = (size - 1) / 2,
            after = size - 1 - before;
        var sq = x.mul(x).unsqueeze(1); // [N, 1, C, H, W]
        var padded = F.pad(sq, [0, 0, 0, 0, before, after]);
        var sum = F.avg_pool3d(padded, [size, 1, 1], [1, 1, 1]).mul(size).squeeze(1);
        return x.div(sum.mul(alpha / size).add(bias).pow(beta));
    }
}
