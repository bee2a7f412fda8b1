using Notebooks.Weights.Models;
using Notebooks.Weights.Models.Onnx;
using Notebooks.Weights.Models.Onnx.Ops;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Notebooks.Weights.Connections;

/// <summary>
/// The closed form of expanded weights on an imported ONNX graph: the linearized map from layer1 to
/// layer2 (ReLU as identity, max pooling as average pooling) composed node by node along the graph.
/// Every node between the two layers gets an effective kernel <c>K [C_node, C1, kh, kw]</c> with a
/// stride <c>s</c> and an offset <c>o</c>: output position <c>q</c> of the node is <c>Σ K[c, c1, i,
/// j] · layer1[c1, s·q + o + i, s·q' + o' + j]</c> (plus a constant). Conv composes (a transposed
/// convolution of the kernels, dilated by the stride so far), BatchNormalization scales channels,
/// Relu, Identity and Dropout pass, MaxPool and AveragePool are depthwise constant kernels, Concat
/// stacks channels and Add sums (kernels aligned on a common window). layer2's kernel at its
/// center, cut to the W×W crop, is the expanded weight <em>away from the crop's border</em>: where
/// a window reaches padding of an intermediate node the formula differs, so
/// <see cref="ExpandedWeightsClosedForm"/> compares it with backpropagation on a few channels
/// before using it. Any other operator on the path makes it decline, naming the node.
/// </summary>
static class ExpandedWeightsGraphClosedForm
{
    sealed record Eff(Tensor K, long Sh, long Sw, long Oh, long Ow);

    /// <summary>[C2, C1, W, W] for all of layer2's channels, or null with the reason (naming the
    /// node) it does not apply.</summary>
    public static Tensor? TryCompute(
        VisionModel model,
        string layer1,
        string layer2,
        int width,
        Tensor crop,
        out string reason,
        out IReadOnlyList<long>? groups
    )
    {
        groups = null;
        if (model.Module is not OnnxGraphModule graph)
        {
            reason =
                $"layer2 '{layer2}' is not a module with a known center Jacobian and {model.Name} is not an imported ONNX graph";
            return null;
        }
        if (graph.InputIsNhwc && layer1 == VisionModel.InputLayer)
        {
            reason =
                "layer1 is the NHWC input of a TensorFlow export (its transpose has no closed form here)";
            return null;
        }
        var steps = graph.Steps;
        int StepOf(string layer) =>
            model.LayerModule(layer) is { } m
                ? steps.ToList().FindIndex(s => ReferenceEquals(s.Module, m))
                : -1;
        string v1;
        int i1;
        if (layer1 == VisionModel.InputLayer)
        {
            v1 = graph.InputName;
            i1 = -1;
        }
        else
        {
            i1 = StepOf(layer1);
            if (i1 < 0)
            {
                reason = $"layer1 '{layer1}' is not a node of the graph";
                return null;
            }
            v1 = steps[i1].Output;
        }
        int i2 = StepOf(layer2);
        if (i2 <= i1)
        {
            reason = $"layer2 '{layer2}' is not a node after layer1 '{layer1}'";
            return null;
        }

        // Nodes layer2 depends on (backwards from its output).
        var needed = new HashSet<string>(StringComparer.Ordinal) { steps[i2].Output };
        for (int i = i2; i > i1; i--)
            if (needed.Contains(steps[i].Output))
                foreach (var n in steps[i].Inputs)
                    if (n.Length > 0)
                        needed.Add(n);

        using var scope = NewDisposeScope();
        var inits = graph.Initializers();
        long c1 = crop.shape[1];
        var eff = new Dictionary<string, Eff>(StringComparer.Ordinal)
        {
            [v1] = new Eff(eye(c1, dtype: ScalarType.Float32).reshape(c1, c1, 1, 1), 1, 1, 0, 0),
        };
        using (no_grad())
        {
            for (int i = i1 + 1; i <= i2; i++)
            {
                var step = steps[i];
                if (!needed.Contains(step.Output))
                    continue;
                if (!step.Inputs.Any(eff.ContainsKey))
                    continue; // a constant of the graph: no linear part
                var e = Compose(inits, step, eff, out string why);
                if (e is null)
                {
                    reason =
                        $"node '{step.NodeName}' ({step.Node.OpType}) has no closed form: {why}";
                    return null;
                }
                eff[step.Output] = e;
                if (step.Node.OpType == "Concat" && i == i2)
                    groups = step
                        .Inputs.Where(eff.ContainsKey)
                        .Select(n => eff[n].K.shape[0])
                        .ToList();
            }
            if (!eff.TryGetValue(steps[i2].Output, out var last))
            {
                reason = $"layer2 '{layer2}' does not depend on layer1 '{layer1}'";
                return null;
            }

            // One forward from the crop gives every node's size; layer2's fixes the center (Lucid's
            // convention, as for backpropagation).
            var sizes = new Dictionary<string, (long H, long W)>(StringComparer.Ordinal)
            {
                [v1] = (crop.shape[2], crop.shape[3]),
            };
            // The slice layer1 → layer2 evaluated on the crop alone (the same modules), or the
            // whole model when it needs other values.
            var slice = graph.RunSlice(v1, crop, i1, i2, needed, inits);
            if (slice is not null)
            {
                foreach (var (n, t) in slice)
                    if (eff.ContainsKey(n) && t.dim() == 4)
                        sizes[n] = (t.shape[2], t.shape[3]);
            }
            else
            {
                var hooks = new List<Action>();
                for (int i = i1 + 1; i <= i2; i++)
                {
                    var st = steps[i];
                    if (!eff.ContainsKey(st.Output))
                        continue;
                    var h = st.Module.register_forward_hook(
                        (_, _, o) =>
                        {
                            if (o.dim() == 4)
                                sizes[st.Output] = (o.shape[2], o.shape[3]);
                            return null!;
                        }
                    );
                    hooks.Add(h.remove);
                }
                try
                {
                    int full = model.Input.DefaultSize;
                    var x =
                        layer1 == VisionModel.InputLayer
                            ? crop
                            : model.Preprocess(zeros(1, model.Input.Channels, full, full));
                    var y2 = model.Run(
                        x,
                        new RunOptions
                        {
                            Capture = [layer2],
                            Replace = new Dictionary<string, Tensor> { [layer1] = crop },
                        }
                    )[layer2];
                    if (y2.dim() == 4)
                        sizes[steps[i2].Output] = (y2.shape[2], y2.shape[3]); // the run may stop before layer2's own hooks
                }
                finally
                {
                    foreach (var r in hooks)
                        r();
                }
            }
            if (!sizes.TryGetValue(steps[i2].Output, out var size2))
            {
                reason = $"layer2 '{layer2}' is not a spatial map";
                return null;
            }
            long ch = (size2.H - 1) / 2,
                cw = (size2.W - 1) / 2;
            if (BorderReached(inits, steps, i1, i2, v1, eff, sizes, ch, cw) is { } border)
            {
                reason = border;
                return null;
            }
            var k = last.K;
            long top = last.Sh * ch + last.Oh,
                left = last.Sw * cw + last.Ow; // crop row/column of kernel index 0
            // Kernel index i sits at crop row top + i: the part of the kernel over rows and columns
            // 0..W-1 of the crop.
            long kh = k.shape[2],
                kw = k.shape[3];
            var cut = zeros(k.shape[0], k.shape[1], width, width, dtype: k.dtype);
            long y0 = Math.Max(0, top),
                y1 = Math.Min(width, top + kh),
                x0 = Math.Max(0, left),
                x1 = Math.Min(width, left + kw);
            if (y0 < y1 && x0 < x1)
                cut[
                    TensorIndex.Colon,
                    TensorIndex.Colon,
                    TensorIndex.Slice(y0, y1),
                    TensorIndex.Slice(x0, x1)
                ] = k[
                    TensorIndex.Colon,
                    TensorIndex.Colon,
                    TensorIndex.Slice(y0 - top, y1 - top),
                    TensorIndex.Slice(x0 - left, x1 - left)
                ];
            reason = "";
            return cut.contiguous().MoveToOuterDisposeScope();
        }
    }

    /// <summary>
    /// The kernels are exact where no window that reaches layer2's center touches padding (zeros,
    /// or a border-dependent pooling count) of a node between the layers: propagates the region of
    /// each node that the center reads, back from layer2, and names the first node whose region
    /// leaves its map (null when none does). Padding of layer1 itself is the crop's edge and is
    /// exact for convolutions (the kernel is cut there), not for pooling (its count changes).
    /// </summary>
    static string? BorderReached(
        Dictionary<string, Tensor> inits,
        IReadOnlyList<OnnxGraphModule.Step> steps,
        int i1,
        int i2,
        string v1,
        Dictionary<string, Eff> eff,
        Dictionary<string, (long H, long W)> sizes,
        long ch,
        long cw
    )
    {
        var region = new Dictionary<string, (long H0, long H1, long W0, long W1)>(
            StringComparer.Ordinal
        )
        {
            [steps[i2].Output] = (ch, ch, cw, cw),
        };
        for (int i = i2; i > i1; i--)
        {
            var st = steps[i];
            if (!region.TryGetValue(st.Output, out var r) || !eff.ContainsKey(st.Output))
                continue;
            var node = st.Node;
            var a = new OnnxAttrs(node, st.NodeName, st.Source);
            bool windowed = node.OpType is "Conv" or "MaxPool" or "AveragePool";
            var inR = r;
            if (windowed)
            {
                var k = a.Ints("kernel_shape")
                    ?? (
                        inits.GetValueOrDefault(node.Inputs[1]) is { } w
                            ? [w.shape[2], w.shape[3]]
                            : [1, 1]
                    );
                var s = a.Ints("strides") ?? [1, 1];
                var d = a.Ints("dilations") ?? [1, 1];
                var p =
                    a.String("auto_pad", "NOTSET") == "VALID"
                        ? [0, 0, 0, 0]
                        : a.Ints("pads") ?? [0, 0, 0, 0];
                inR = (
                    s[0] * r.H0 - p[0],
                    s[0] * r.H1 - p[0] + d[0] * (k[0] - 1),
                    s[1] * r.W0 - p[1],
                    s[1] * r.W1 - p[1] + d[1] * (k[1] - 1)
                );
            }
            bool pool =
                node.OpType == "MaxPool"
                || (node.OpType == "AveragePool" && a.Int("count_include_pad", 0) == 0);
            foreach (var n in st.Inputs.Where(eff.ContainsKey))
            {
                if (
                    (n != v1 || pool)
                    && sizes.TryGetValue(n, out var sz)
                    && (inR.H0 < 0 || inR.W0 < 0 || inR.H1 >= sz.H || inR.W1 >= sz.W)
                )
                {
                    string producer =
                        n == v1
                            ? "layer1's crop"
                            : $"node '{steps.First(x => x.Output == n).NodeName}'";
                    return $"node '{st.NodeName}' ({node.OpType}) reads rows {inR.H0}..{inR.H1}, columns {inR.W0}..{inR.W1} of {producer} "
                        + $"({sz.H}x{sz.W} from the crop): windows at layer2's center reach padding, where composed kernels differ; use a larger width";
                }
                region[n] = region.TryGetValue(n, out var o)
                    ? (
                        Math.Min(o.H0, inR.H0),
                        Math.Max(o.H1, inR.H1),
                        Math.Min(o.W0, inR.W0),
                        Math.Max(o.W1, inR.W1)
                    )
                    : inR;
            }
        }
        return null;
    }

    static Eff? Compose(
        Dictionary<string, Tensor> inits,
        OnnxGraphModule.Step step,
        Dictionary<string, Eff> eff,
        out string why
    )
    {
        var node = step.Node;
        var a = new OnnxAttrs(node, step.NodeName, step.Source);
        var data = node
            .Inputs.Select((n, idx) => (n, idx))
            .Where(t => eff.ContainsKey(t.n))
            .ToList();
        why = "";
        Eff Only() => eff[node.Inputs[0]];
        bool PrimaryOnly(out string w)
        {
            w =
                data.Count == 1 && data[0].idx == 0
                    ? ""
                    : "only its first input may depend on layer1";
            return w.Length == 0;
        }
        switch (node.OpType)
        {
            case "Relu" or "Identity" or "Dropout":
                if (!PrimaryOnly(out why))
                    return null;
                return Only();
            case "BatchNormalization":
            {
                if (!PrimaryOnly(out why))
                    return null;
                var t = node
                    .Inputs.Skip(1)
                    .Take(4)
                    .Select(n => inits.GetValueOrDefault(n))
                    .ToArray();
                if (t.Length < 4 || t.Any(v => v is null))
                {
                    why = "its scale and statistics are not initializers";
                    return null;
                }
                double eps = a.Float("epsilon", 1e-5f);
                var scale = t[0]! / (t[3]! + eps).sqrt();
                var e = Only();
                return e with { K = e.K * scale.to_type(e.K.dtype).reshape(-1, 1, 1, 1) };
            }
            case "Conv":
            {
                if (!PrimaryOnly(out why))
                    return null;
                var w = node.Inputs.Count > 1 ? inits.GetValueOrDefault(node.Inputs[1]) : null;
                if (w is null || w.dim() != 4)
                {
                    why = "its weight is not a 4-D initializer";
                    return null;
                }
                if (a.Int("group", 1) != 1)
                {
                    why = $"group {a.Int("group", 1)} (grouped convolutions are not composed)";
                    return null;
                }
                string autoPad = a.String("auto_pad", "NOTSET");
                if (autoPad is not ("NOTSET" or "" or "VALID"))
                {
                    why = $"auto_pad {autoPad} (padding depends on the input size)";
                    return null;
                }
                var s = a.Ints("strides") ?? [1, 1];
                var d = a.Ints("dilations") ?? [1, 1];
                var p = autoPad == "VALID" ? [0, 0, 0, 0] : a.Ints("pads") ?? [0, 0, 0, 0];
                var e = Only();
                if (w.dtype != e.K.dtype)
                    w = w.to_type(e.K.dtype);
                long co = w.shape[0],
                    ci = w.shape[1],
                    c1 = e.K.shape[1];
                Tensor k;
                if (w.shape[2] == 1 && w.shape[3] == 1) // a 1x1 conv mixes channels: one matrix product
                    k = w.reshape(co, ci)
                        .mm(e.K.reshape(ci, -1))
                        .reshape(co, c1, e.K.shape[2], e.K.shape[3]);
                else if (
                    e.K.shape[2] == 1
                    && e.K.shape[3] == 1
                    && d[0] == 1
                    && d[1] == 1
                    && e.Sh == 1
                    && e.Sw == 1
                ) // a point kernel: W times its channel map
                    k = w.permute(0, 2, 3, 1)
                        .reshape(-1, ci)
                        .mm(e.K.reshape(ci, c1))
                        .reshape(co, w.shape[2], w.shape[3], c1)
                        .permute(0, 3, 1, 2);
                else // K'[o, c1, y] = Σ_c Σ_j W[o, c, j] K[c, c1, y - s·d·j]: a transposed convolution over the kernels with C1 as batch.
                    k = F.conv_transpose2d(
                            e.K.transpose(0, 1),
                            w.transpose(0, 1),
                            dilation: [e.Sh * d[0], e.Sw * d[1]]
                        )
                        .transpose(0, 1);
                return new Eff(k, e.Sh * s[0], e.Sw * s[1], e.Oh - e.Sh * p[0], e.Ow - e.Sw * p[1]);
            }
            case "MaxPool" or "AveragePool":
            {
                if (!PrimaryOnly(out why))
                    return null;
                var k = a.Ints("kernel_shape");
                if (k is not { Length: 2 })
                {
                    why = "only 2-D pooling";
                    return null;
                }
                if ((a.Ints("dilations") ?? [1, 1]).Any(v => v != 1))
                {
                    why = "dilated pooling";
                    return null;
                }
                string autoPad = a.String("auto_pad", "NOTSET");
                if (autoPad is not ("NOTSET" or "" or "VALID"))
                {
                    why = $"auto_pad {autoPad} (padding depends on the input size)";
                    return null;
                }
                var s = a.Ints("strides") ?? [1, 1];
                var p = autoPad == "VALID" ? [0, 0, 0, 0] : a.Ints("pads") ?? [0, 0, 0, 0];
                var e = Only();
                long n = e.K.shape[0] * e.K.shape[1];
                // Away from borders both are the mean over the window (MaxPool linearized as
                // average pooling).
                var box = full(1, 1, k[0], k[1], 1.0 / (k[0] * k[1]), dtype: e.K.dtype);
                var kk =
                    e.K.shape[2] == 1 && e.K.shape[3] == 1
                        ? e.K.reshape(n, 1, 1, 1) * box // a point kernel spread over the window
                        : F.conv_transpose2d(
                            e.K.reshape(n, 1, e.K.shape[2], e.K.shape[3]),
                            box,
                            dilation: [e.Sh, e.Sw]
                        );
                return new Eff(
                    kk.reshape(e.K.shape[0], e.K.shape[1], kk.shape[2], kk.shape[3]),
                    e.Sh * s[0],
                    e.Sw * s[1],
                    e.Oh - e.Sh * p[0],
                    e.Ow - e.Sw * p[1]
                );
            }
            case "Concat":
            {
                if (a.Int("axis", 0) is not (1 or -3))
                {
                    why = $"axis {a.Int("axis", 0)} (only channel concatenation)";
                    return null;
                }
                if (data.Count != node.Inputs.Count)
                {
                    why = "some of its inputs do not depend on layer1";
                    return null;
                }
                var parts = data.Select(t => eff[t.n]).ToList();
                return Align(parts, out why) is { } al
                    ? al.Frame with
                    {
                        K = cat(al.Kernels, 0),
                    }
                    : null;
            }
            case "Add" or "Sub":
            {
                if (data.Count == 1) // plus a constant
                {
                    var e = eff[data[0].n];
                    return node.OpType == "Sub" && data[0].idx == 1 ? e with { K = -e.K } : e;
                }
                var parts = data.Select(t => eff[t.n]).ToList();
                if (Align(parts, out why) is not { } al)
                    return null;
                if (al.Kernels.Select(k => k.shape[0]).Distinct().Count() != 1)
                {
                    why = "its inputs have different channel counts (broadcasting)";
                    return null;
                }
                return al.Frame with
                {
                    K =
                        node.OpType == "Add"
                            ? al.Kernels[0] + al.Kernels[1]
                            : al.Kernels[0] - al.Kernels[1],
                };
            }
            default:
                why =
                    "operator not composed (composed: Conv with group 1, BatchNormalization, Relu, Identity, Dropout, MaxPool, AveragePool, Concat, Add, Sub)";
                return null;
        }
    }

    /// <summary>Kernels of equal strides padded to one common window (the union of
    /// theirs).</summary>
    static (Eff Frame, List<Tensor> Kernels)? Align(List<Eff> parts, out string why)
    {
        why = "";
        if (parts.Select(p => (p.Sh, p.Sw)).Distinct().Count() != 1)
        {
            why =
                $"its inputs have different strides ({string.Join(", ", parts.Select(p => $"{p.Sh}x{p.Sw}"))})";
            return null;
        }
        long oh = parts.Min(p => p.Oh),
            ow = parts.Min(p => p.Ow);
        long eh = parts.Max(p => p.Oh + p.K.shape[2]),
            ew = parts.Max(p => p.Ow + p.K.shape[3]);
        var kernels = parts
            .Select(p =>
                F.pad(
                    p.K,
                    [p.Ow - ow, ew - p.Ow - p.K.shape[3], p.Oh - oh, eh - p.Oh - p.K.shape[2]]
                )
            )
            .ToList();
        return (new Eff(kernels[0], parts[0].Sh, parts[0].Sw, oh, ow), kernels);
    }
}
