using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Notebooks.Weights.Models.Onnx.Ops;

/// <summary>
/// Element-wise ONNX operators: activations (Relu, Clip, HardSigmoid, HardSwish, Erf, ...),
/// broadcasting arithmetic, the variadic Sum/Max/Min/Mean, and the comparisons and selection of
/// masks (Equal, Less, Greater, Not, And, Or, Where).
/// </summary>
internal static class OnnxElementwiseOps
{
    public static readonly string[] Operators =
    [
        "Relu",
        "Identity",
        "Dropout",
        "Sigmoid",
        "Tanh",
        "LeakyRelu",
        "Clip",
        "HardSigmoid",
        "HardSwish",
        "Erf",
        "Add",
        "Sub",
        "Mul",
        "Div",
        "Pow",
        "Sqrt",
        "Exp",
        "Log",
        "Neg",
        "Abs",
        "Reciprocal",
        "Floor",
        "Ceil",
        "Mod",
        "Sum",
        "Max",
        "Min",
        "Mean",
        "Equal",
        "Less",
        "Greater",
        "Not",
        "And",
        "Or",
        "Where",
    ];

    public static nn.Module<Tensor, Tensor> Create(OnnxOpContext c)
    {
        var a = c.A;
        switch (c.OpType)
        {
            case "Relu":
                return nn.ReLU();
            case "Identity":
                return c.N(ins => c.In(ins, 0).alias());
            case "Dropout":
                return c.N(ins => c.In(ins, 0).alias()); // inference: identity (ratio / training_mode ignored, as ONNX Runtime does)
            case "Sigmoid":
                return c.N(ins => c.In(ins, 0).sigmoid());
            case "Tanh":
                return c.N(ins => c.In(ins, 0).tanh());
            case "Erf":
                return c.N(ins => c.In(ins, 0).erf());
            case "LeakyRelu":
            {
                double alpha = a.Float("alpha", 0.01f);
                return c.N(ins => F.leaky_relu(c.In(ins, 0), alpha));
            }
            case "HardSigmoid":
            {
                // max(0, min(1, alpha·x + beta)); PyTorch exports Hardsigmoid with alpha 1/6.
                double alpha = a.Float("alpha", 0.2f),
                    beta = a.Float("beta", 0.5f);
                return c.N(ins => c.In(ins, 0).mul(alpha).add(beta).clamp(0, 1));
            }
            case "HardSwish":
                return c.N(ins =>
                {
                    var x = c.In(ins, 0);
                    return x.mul(x.div(6).add(0.5).clamp(0, 1));
                });
            case "Clip":
                if (c.Opset < 11)
                {
                    float lo = a.Float("min", float.MinValue),
                        hi = a.Float("max", float.MaxValue);
                    return c.N(ins => c.In(ins, 0).clamp(lo, hi));
                }
                return c.N(ins =>
                {
                    var x = c.In(ins, 0);
                    if (OnnxOpContext.Opt(ins, 1) is { } lo)
                        x = x.clamp_min(lo.item<float>());
                    if (OnnxOpContext.Opt(ins, 2) is { } hi)
                        x = x.clamp_max(hi.item<float>());
                    return x;
                });
            case "Add":
                return c.N(ins => c.In(ins, 0).add(c.In(ins, 1)));
            case "Sub":
                return c.N(ins => c.In(ins, 0).sub(c.In(ins, 1)));
            case "Mul":
                return c.N(ins => c.In(ins, 0).mul(c.In(ins, 1)));
            case "Div":
                return c.N(ins =>
                {
                    var x = c.In(ins, 0);
                    var y = c.In(ins, 1);
                    return x.is_floating_point() ? x.div(y) : x.div(y, RoundingMode.trunc);
                });
            case "Pow":
                return c.N(ins => c.In(ins, 0).pow(c.In(ins, 1)));
            case "Sqrt":
                return c.N(ins => c.In(ins, 0).sqrt());
            case "Exp":
                return c.N(ins => c.In(ins, 0).exp());
            case "Log":
                return c.N(ins => c.In(ins, 0).log());
            case "Neg":
                return c.N(ins => c.In(ins, 0).neg());
            case "Abs":
                return c.N(ins => c.In(ins, 0).abs());
            case "Reciprocal":
                return c.N(ins => c.In(ins, 0).reciprocal());
            case "Floor":
                return c.N(ins => c.In(ins, 0).floor());
            case "Ceil":
                return c.N(ins => c.In(ins, 0).ceil());
            case "Mod":
            {
                // fmod 0: the result takes the divisor's sign (Python's %); fmod 1: the dividend's
                // (C's fmod).
                bool fmod = c.A.Int("fmod", 0) != 0;
                return c.N(ins =>
                    fmod ? c.In(ins, 0).fmod(c.In(ins, 1)) : c.In(ins, 0).remainder(c.In(ins, 1))
                );
            }
            case "Sum":
                return c.N(ins => Variadic(ins, (x, y) => x.add(y)));
            case "Max":
                return c.N(ins => Variadic(ins, (x, y) => x.maximum(y)));
            case "Min":
                return c.N(ins => Variadic(ins, (x, y) => x.minimum(y)));
            case "Mean":
                return c.N(ins =>
                    Variadic(ins, (x, y) => x.add(y)).div(ins.Count(t => t is not null))
                );
            case "Equal":
                return c.N(ins => c.In(ins, 0).eq(c.In(ins, 1)));
            case "Less":
                return c.N(ins => c.In(ins, 0).lt(c.In(ins, 1)));
            case "Greater":
                return c.N(ins => c.In(ins, 0).gt(c.In(ins, 1)));
            case "Not":
                return c.N(ins => Bool(c.In(ins, 0)).logical_not());
            case "And":
                return c.N(ins => Bool(c.In(ins, 0)).logical_and(Bool(c.In(ins, 1))));
            case "Or":
                return c.N(ins => Bool(c.In(ins, 0)).logical_or(Bool(c.In(ins, 1))));
            case "Where":
                return c.N(ins =>
                {
                    var x = c.In(ins, 1);
                    var y = c.In(ins, 2);
                    // Integer values are int64 here and floats float32, so both branches already
                    // share a type unless a graph mixes them, which ONNX forbids.
                    return where(Bool(c.In(ins, 0)), x, y);
                });
            default:
                throw new InvalidOperationException($"OnnxElementwiseOps got '{c.OpType}'.");
        }
    }

    /// <summary>Booleans (this importer keeps ONNX bool initializers as int64 0/1).</summary>
    static Tensor Bool(Tensor t) => t.dtype == ScalarType.Bool ? t : t.ne(0);

    static Tensor Variadic(Tensor?[] ins, Func<Tensor, Tensor, Tensor> op)
    {
        var present = ins.Where(t => t is not null).Select(t => t!).ToList();
        if (present.Count == 0)
            throw new InvalidDataException("A variadic ONNX operator got no inputs.");
        var acc = present[0];
        for (int i = 1; i < present.Count; i++)
            acc = op(acc, present[i]);
        return present.Count == 1 ? acc.alias() : acc;
    }
}
