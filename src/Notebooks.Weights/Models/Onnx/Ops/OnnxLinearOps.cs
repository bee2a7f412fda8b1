using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models.Onnx.Ops;

/// <summary>Matrix products: MatMul (numpy semantics: batched and broadcast, 1-D operands promoted)
/// and Gemm.</summary>
internal static class OnnxLinearOps
{
    public static readonly string[] Operators = ["MatMul", "Gemm"];

    public static nn.Module<Tensor, Tensor> Create(OnnxOpContext c)
    {
        var a = c.A;
        switch (c.OpType)
        {
            case "MatMul":
                return c.N(ins => MatMul(c.In(ins, 0), c.In(ins, 1), c.NodeName));
            case "Gemm":
            {
                float alpha = a.Float("alpha", 1),
                    beta = a.Float("beta", 1);
                bool ta = a.Int("transA", 0) != 0,
                    tb = a.Int("transB", 0) != 0;
                return c.N(ins =>
                {
                    var A = c.In(ins, 0);
                    var B = c.In(ins, 1);
                    if (ta)
                        A = A.t();
                    if (tb)
                        B = B.t();
                    var y = MatMul(A, B, c.NodeName);
                    if (alpha != 1)
                        y = y.mul(alpha);
                    if (OnnxOpContext.Opt(ins, 2) is { } C)
                        y = y.add(beta == 1 ? C : C.mul(beta));
                    return y;
                });
            }
            default:
                throw new InvalidOperationException($"OnnxLinearOps got '{c.OpType}'.");
        }
    }

    /// <summary>
    /// matmul with its shapes checked first: TorchSharp 0.107's native matmul aborts the process
    /// (uncaught c10::Error) on mismatched shapes instead of throwing.
    /// </summary>
    internal static Tensor MatMul(Tensor a, Tensor b, string nodeName)
    {
        long[] sa = a.shape,
            sb = b.shape;
        bool ok = sa.Length > 0 && sb.Length > 0;
        if (ok)
        {
            long inner = sa[^1],
                other = sb.Length == 1 ? sb[0] : sb[^2];
            ok = inner == other;
            // Batch dimensions must broadcast.
            var ba = sa.Length > 2 ? sa[..^2] : [];
            var bb = sb.Length > 2 ? sb[..^2] : [];
            for (int i = 1; ok && i <= Math.Min(ba.Length, bb.Length); i++)
                ok = ba[^i] == bb[^i] || ba[^i] == 1 || bb[^i] == 1;
        }
        if (!ok)
            throw new ArgumentException(
                $"ONNX node '{nodeName}': cannot multiply matrices shaped [{string.Join(", ", sa)}] and [{string.Join(", ", sb)}]."
            );
        return a.matmul(b);
    }
}
