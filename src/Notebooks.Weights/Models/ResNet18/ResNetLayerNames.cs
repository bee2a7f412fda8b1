using Notebooks.Weights.Models.Onnx;

namespace Notebooks.Weights.Models.ResNet18;

/// <summary>
/// torchvision-style layer names for an imported ResNet graph, derived from its structure (no table
/// of node names): the stem <c>conv1 → bn1 → relu → maxpool</c> from the graph input; then one
/// residual block per Add node, whose two operands are traced back to the block input — the branch
/// with more convolutions is the main branch (<c>conv1, bn1, relu, conv2, bn2, …</c>), the other is
/// the shortcut (identity, or <c>downsample.0</c> conv and <c>downsample.1</c> BN); the Add is
/// <c>add</c> and the ReLU after it is the block output, named <c>layerS.B</c> (alias
/// <c>layerS.B.relu_K</c>, torchvision's FX name for the second use of the block's ReLU). A block
/// with a projection shortcut (or the first block) starts a new stage <c>layerS</c> (alias of its
/// last block's output). After the last block: <c>avgpool</c>, <c>flatten</c>, <c>fc</c>. Any other
/// structure is an error naming the node.
/// </summary>
public static class ResNetLayerNames
{
    /// <summary>One named node: the torchvision-style name, the ONNX layer, and extra aliases of
    /// it.</summary>
    public sealed record Named(string Name, OnnxLayer Node, IReadOnlyList<string> Aliases);

    /// <summary>Names every layer of <paramref name="onnx"/>, in the graph's execution
    /// order.</summary>
    public static IReadOnlyList<Named> Derive(OnnxModel onnx)
    {
        var layers = onnx.Layers;
        var byOutput = layers.ToDictionary(l => l.Output, StringComparer.Ordinal);
        var dataInputs = layers.ToDictionary(
            l => l,
            l => l.Inputs.Where(i => i == onnx.InputName || byOutput.ContainsKey(i)).ToList()
        );
        var consumers = layers
            .SelectMany(l => dataInputs[l].Select(i => (i, l)))
            .ToLookup(p => p.i, p => p.l, StringComparer.Ordinal);
        var names = new Dictionary<OnnxLayer, (string name, List<string> aliases)>();
        string file = Path.GetFileName(onnx.Path);
        Exception Unexpected(OnnxLayer n, string expected) =>
            new InvalidDataException(
                $"{file}: node '{n.Name}' ({n.OpType}) is not where a ResNet has it: expected {expected}."
            );

        // Stem: the single chain from the input to the max pool.
        string value = onnx.InputName;
        var stem = new List<(string op, string name)>
        {
            ("Conv", "conv1"),
            ("BatchNormalization", "bn1"),
            ("Relu", "relu"),
            ("MaxPool", "maxpool"),
        };
        foreach (var (op, name) in stem)
        {
            var next = consumers[value].ToList();
            if (next.Count != 1)
                throw new InvalidDataException(
                    $"{file}: '{value}' feeds {next.Count} nodes ({string.Join(", ", next.Select(n => n.Name))}); a ResNet stem is a single chain conv1 → bn1 → relu → maxpool."
                );
            if (op == "BatchNormalization" && next[0].OpType != op)
                continue; // folded into conv1
            if (next[0].OpType != op)
                throw Unexpected(next[0], $"{op} ({name})");
            names[next[0]] = (name, []);
            value = next[0].Output;
        }

        // Residual blocks, one per Add, in execution order.
        int stage = 0,
            block = -1;
        foreach (var add in layers.Where(l => l.OpType is "Add" or "Sum"))
        {
            var operands = dataInputs[add];
            if (operands.Count != 2)
                throw Unexpected(add, "an Add of two branches");
            var branches = operands
                .Select(o => TraceBack(o, value, byOutput, dataInputs, file))
                .ToList();
            int Convs(List<OnnxLayer> b) => b.Count(n => n.OpType == "Conv");
            var main = Convs(branches[0]) >= Convs(branches[1]) ? branches[0] : branches[1];
            var shortcut = ReferenceEquals(main, branches[0]) ? branches[1] : branches[0];
            if (Convs(main) < 2)
                throw Unexpected(
                    add,
                    "a residual Add whose main branch has at least two convolutions"
                );
            if (block < 0 || shortcut.Count > 0)
            {
                stage++;
                block = 0;
            }
            else
                block++;
            string prefix = $"layer{stage}.{block}";
            int conv = 0,
                bn = 0,
                relu = 0;
            foreach (var n in main)
                names[n] = (
                    n.OpType switch
                    {
                        "Conv" => $"{prefix}.conv{++conv}",
                        "BatchNormalization" => $"{prefix}.bn{++bn}",
                        "Relu" => $"{prefix}.{(relu++ == 0 ? "relu" : $"relu_{relu - 1}")}",
                        _ => throw Unexpected(
                            n,
                            "Conv, BatchNormalization or Relu in a residual branch"
                        ),
                    },
                    []
                );
            for (int i = 0; i < shortcut.Count; i++)
            {
                if (shortcut[i].OpType is not ("Conv" or "BatchNormalization"))
                    throw Unexpected(
                        shortcut[i],
                        "Conv or BatchNormalization in a downsample shortcut"
                    );
                names[shortcut[i]] = ($"{prefix}.downsample.{i}", []);
            }
            names[add] = ($"{prefix}.add", []);
            var after = consumers[add.Output].ToList();
            if (after.Count != 1 || after[0].OpType != "Relu")
                throw Unexpected(
                    after.FirstOrDefault() ?? add,
                    $"one Relu after the block's Add ({prefix})"
                );
            names[after[0]] = (prefix, [$"{prefix}.relu_{relu}"]);
            value = after[0].Output;
        }
        if (stage == 0)
            throw new InvalidDataException(
                $"{file} has no residual blocks (Add nodes after the stem): not a ResNet."
            );

        // Head: whatever follows the last block.
        foreach (var n in layers.Where(l => !names.ContainsKey(l)))
        {
            string? name = n.OpType switch
            {
                "GlobalAveragePool" or "AveragePool" => "avgpool",
                "Flatten" or "Reshape" => "flatten",
                "Gemm" or "MatMul" => "fc",
                _ => null,
            };
            if (name is null || names.Values.Any(v => v.name == name))
                throw Unexpected(n, "the head after the last block (avgpool, flatten, fc)");
            names[n] = (name, []);
        }

        // Stage aliases: layerS = its last block's output.
        var result = layers.Select(l => new Named(names[l].name, l, names[l].aliases)).ToList();
        for (int s = 1; s <= stage; s++)
        {
            var last = result.Last(r =>
                r.Name.StartsWith($"layer{s}.", StringComparison.Ordinal)
                && r.Name.Count(c => c == '.') == 1
            );
            result[result.IndexOf(last)] = last with { Aliases = [.. last.Aliases, $"layer{s}"] };
        }
        return result;
    }

    /// <summary>The nodes from <paramref name="blockInput"/> (exclusive) to
    /// <paramref name="value"/>, in forward order; each must have one data input.</summary>
    static List<OnnxLayer> TraceBack(
        string value,
        string blockInput,
        Dictionary<string, OnnxLayer> byOutput,
        Dictionary<OnnxLayer, List<string>> dataInputs,
        string file
    )
    {
        var chain = new List<OnnxLayer>();
        while (value != blockInput)
        {
            if (!byOutput.TryGetValue(value, out var node))
                throw new InvalidDataException(
                    $"{file}: a residual branch ending in '{value}' does not start at the block input '{blockInput}'."
                );
            var ins = dataInputs[node];
            if (ins.Count != 1)
                throw new InvalidDataException(
                    $"{file}: node '{node.Name}' ({node.OpType}) inside a residual branch reads {ins.Count} computed values; expected one."
                );
            chain.Add(node);
            value = ins[0];
        }
        chain.Reverse();
        return chain;
    }
}
