using Notebooks.Weights.Models.Onnx.Ops;
using Notebooks.Weights.Models.Onnx.Proto;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models.Onnx;

/// <summary>
/// ONNX operators (ai.onnx opsets 7–18) as TorchSharp computations, by family (Ops/: element-wise,
/// shape, linear, normalization, spatial). Each entry follows the ONNX operator spec, including the
/// opset-dependent differences (attributes that became inputs: Clip 11, Pad 11/18, Slice 10,
/// Split/Unsqueeze/Squeeze/ReduceSum 13, ReduceMean 18; Softmax's 2-D coercion before 13; Shape's
/// start/end from 15; Reshape's allowzero from 14).
/// </summary>
internal static class OnnxOps
{
    static readonly Dictionary<string, Func<OnnxOpContext, nn.Module<Tensor, Tensor>>> Families =
        Build();

    static Dictionary<string, Func<OnnxOpContext, nn.Module<Tensor, Tensor>>> Build()
    {
        var d = new Dictionary<string, Func<OnnxOpContext, nn.Module<Tensor, Tensor>>>(
            StringComparer.Ordinal
        );
        void Add(string[] ops, Func<OnnxOpContext, nn.Module<Tensor, Tensor>> f)
        {
            foreach (var o in ops)
                d.Add(o, f);
        }
        Add(OnnxElementwiseOps.Operators, OnnxElementwiseOps.Create);
        Add(OnnxShapeOps.Operators, OnnxShapeOps.Create);
        Add(OnnxLinearOps.Operators, OnnxLinearOps.Create);
        Add(OnnxNormalizationOps.Operators, OnnxNormalizationOps.Create);
        Add(OnnxSpatialOps.Operators, OnnxSpatialOps.Create);
        return d;
    }

    /// <summary>Operators this importer supports, sorted.</summary>
    public static readonly string[] Supported = Families
        .Keys.Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>Operators that may use several outputs (each becomes its own node, see
    /// <see cref="PerOutputNodes"/>).</summary>
    static readonly HashSet<string> MultiOutput = new(StringComparer.Ordinal) { "Split" };

    /// <summary>True when <paramref name="node"/> is an ai.onnx operator this importer
    /// supports.</summary>
    public static bool IsSupported(OnnxNodeProto node) =>
        node.Domain is "" or "ai.onnx" && Families.ContainsKey(node.OpType);

    /// <summary>
    /// Fails with one error that lists every unsupported operator of the graph with its node count
    /// and first node, most frequent first (not just the first one met).
    /// </summary>
    public static void CheckSupported(IReadOnlyList<OnnxNodeProto> nodes, string source)
    {
        var missing = nodes
            .Where(n => !IsSupported(n))
            .GroupBy(n => n.Domain is "" or "ai.onnx" ? n.OpType : $"{n.Domain}:{n.OpType}")
            .Select(g => (op: g.Key, count: g.Count(), first: g.First()))
            .OrderByDescending(m => m.count)
            .ThenBy(m => m.op, StringComparer.Ordinal)
            .ToList();
        if (missing.Count == 0)
            return;
        string list = string.Join(
            "; ",
            missing.Select(m =>
                $"{m.op} ×{m.count} (first: '{(m.first.Name.Length > 0 ? m.first.Name : m.first.Outputs.FirstOrDefault())}')"
            )
        );
        bool foreignDomain = missing.Any(m => m.op.Contains(':'));
        throw new NotSupportedException(
            $"'{source}' uses {missing.Count} unsupported ONNX operator{(missing.Count == 1 ? "" : "s")} ({missing.Sum(m => m.count)} node{(missing.Sum(m => m.count) == 1 ? "" : "s")}): {list}."
                + (foreignDomain ? " Only the standard ai.onnx domain is supported." : "")
                + $" Supported operators: {string.Join(", ", Supported)}."
        );
    }

    /// <summary>
    /// The graph's nodes with every multi-output operator (Split) replaced by one node per used
    /// output, each computing that output alone (<see cref="OnnxNodeProto.OutputIndex"/>), so every
    /// value is a module's output and a layer.
    /// </summary>
    public static List<OnnxNodeProto> PerOutputNodes(
        IReadOnlyList<OnnxNodeProto> nodes,
        IReadOnlySet<string> consumed
    )
    {
        var result = new List<OnnxNodeProto>(nodes.Count);
        foreach (var n in nodes)
        {
            if (
                !MultiOutput.Contains(n.OpType)
                || n.Domain is not ("" or "ai.onnx")
                || n.Outputs.Count <= 1
            )
            {
                result.Add(n);
                continue;
            }
            for (int i = 0; i < n.Outputs.Count; i++)
            {
                if (n.Outputs[i].Length == 0 || (i > 0 && !consumed.Contains(n.Outputs[i])))
                    continue;
                var part = new OnnxNodeProto
                {
                    Name =
                        n.Name.Length == 0 ? ""
                        : i == 0 ? n.Name
                        : $"{n.Name}:{i}",
                    OpType = n.OpType,
                    Domain = n.Domain,
                    Offset = n.Offset,
                    OutputIndex = i,
                    OutputCount = n.Outputs.Count,
                };
                part.Inputs.AddRange(n.Inputs);
                part.Outputs.Add(n.Outputs[i]);
                foreach (var (k, v) in n.Attributes)
                    part.Attributes[k] = v;
                result.Add(part);
            }
        }
        return result;
    }

    /// <summary>Builds the module for one node.</summary>
    public static nn.Module<Tensor, Tensor> Create(
        OnnxNodeProto node,
        string moduleName,
        string nodeName,
        int opset,
        int primary,
        string source
    )
    {
        if (!IsSupported(node))
            throw new NotSupportedException(
                $"ONNX operator '{node.OpType}'{(node.Domain is "" or "ai.onnx" ? "" : $" (domain '{node.Domain}')")} of node '{nodeName}' in '{source}' is not supported. "
                    + $"Supported operators: {string.Join(", ", Supported)}."
            );
        return Families[node.OpType]
            (new OnnxOpContext(node, moduleName, nodeName, opset, primary, source));
    }

    /// <summary>A small int64 tensor (shape, axes, pads) as longs.</summary>
    public static long[] Ints(Tensor t) =>
        t.to_type(ScalarType.Int64).cpu().contiguous().data<long>().ToArray();
}
