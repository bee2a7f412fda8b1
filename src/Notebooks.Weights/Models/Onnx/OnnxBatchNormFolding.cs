using Notebooks.Weights.Models.Onnx.Proto;

namespace Notebooks.Weights.Models.Onnx;

/// <summary>A convolution whose weights are a BatchNormalization folded into the original kernel by
/// the exporter.</summary>
/// <param name="Layer">The Conv node's layer name.</param>
/// <param name="Scope">Its module scope (<c>layer2.1.conv1</c>), or null.</param>
/// <param name="Weight">Parameter path of the folded kernel W·γ/√(σ²+ε).</param>
/// <param name="Bias">Parameter path of the folded bias β + (b − μ)·γ/√(σ²+ε).</param>
public sealed record FoldedConv(string Layer, string? Scope, string Weight, string Bias);

/// <summary>
/// Which convolutions of a PyTorch export hold BatchNormalization folded into them. PyTorch's
/// exporter (eval mode, constant folding on, its default) fuses Conv→BatchNormalization into one
/// Conv and stores the fused kernel and bias as new tensors it names <c>onnx::Conv_&lt;n&gt;</c>;
/// parameters it exports unchanged keep their state-dict names (<c>features.0.weight</c>). Rule: in
/// a file whose producer is "pytorch", a Conv whose weight and bias are both exporter-named
/// (<c>onnx::</c>) initializers and whose output feeds no BatchNormalization node is folded. Other
/// producers (TensorFlow, CNTK, ...) do not record it: <see cref="Find"/> says "unknown" for them.
/// </summary>
public static class OnnxBatchNormFolding
{
    /// <summary>
    /// The folded convolutions of <paramref name="model"/>, or null when its producer does not let
    /// one tell (only PyTorch exports name computed tensors distinctly).
    /// </summary>
    public static IReadOnlyList<FoldedConv>? Find(OnnxModel model)
    {
        if (!model.Producer.StartsWith("pytorch", StringComparison.OrdinalIgnoreCase))
            return null;
        var proto = OnnxProtoParser.ParseModel(File.ReadAllBytes(model.Path), model.Path);
        var g = proto.Graph!;
        var inits = new HashSet<string>(g.Initializers.Select(t => t.Name), StringComparer.Ordinal);
        var bnInputs = new HashSet<string>(
            g.Nodes.Where(n => n.OpType == "BatchNormalization")
                .Select(n => n.Inputs.FirstOrDefault() ?? ""),
            StringComparer.Ordinal
        );
        var byOutput = model.Nodes.ToDictionary(n => n.Output, StringComparer.Ordinal);
        var paramPath = model
            .Module.named_parameters()
            .Select(p => p.name)
            .ToHashSet(StringComparer.Ordinal);
        string Path(string init) => model.ParameterAliases.TryGetValue(init, out var p) ? p : init;
        var result = new List<FoldedConv>();
        foreach (var n in g.Nodes)
        {
            if (n.OpType != "Conv" || n.Inputs.Count < 3 || n.Outputs.Count == 0)
                continue;
            string w = n.Inputs[1],
                b = n.Inputs[2];
            if (
                !inits.Contains(w)
                || !inits.Contains(b)
                || !w.StartsWith("onnx::", StringComparison.Ordinal)
                || !b.StartsWith("onnx::", StringComparison.Ordinal)
            )
                continue;
            if (
                bnInputs.Contains(n.Outputs[0])
                || !byOutput.TryGetValue(n.Outputs[0], out var layer)
            )
                continue;
            if (!paramPath.Contains(Path(w)))
                continue;
            result.Add(
                new FoldedConv(layer.Name, OnnxModel.FriendlyScope(layer.Name), Path(w), Path(b))
            );
        }
        return result;
    }
}
