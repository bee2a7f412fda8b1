using Notebooks.Weights.Models.Onnx.Proto;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Notebooks.Weights.Models.Onnx;

/// <summary>
/// ONNX operators (ai.onnx opsets 7–18) as TorchSharp computations. Each entry follows the ONNX operator spec,
/// including the opset-dependent differences (attributes that became inputs: Clip 11, Pad 11/18, Unsqueeze/Squeeze 13,
/// ReduceMean 18; Softmax's 2-D coercion before 13; Shape's start/end from 15; Reshape's allowzero from 14).
/// </summary>
internal static class OnnxOps
{
    /// <summary>Operators this importer supports.</summary>
    public static readonly string[] Supported =
    [
        "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "Conv", "Div", "Dropout",
        "Flatten", "Gather", "Gemm", "GlobalAveragePool", "GlobalMaxPool", "Identity", "LeakyRelu", "LogSoftmax", "LRN",
        "MatMul", "MaxPool", "Mul", "Pad", "ReduceMean", "Relu", "Reshape", "Shape", "Sigmoid", "Softmax", "Squeeze",
        "Sub", "Tanh", "Transpose", "Unsqueeze", "Sum", "Max", "Min", "Mean", "Pow", "Sqrt", "Exp", "Log", "Neg", "Abs",
        "Reciprocal",
    ];

    /// <summary>Builds the module for one node.</summary>
    public static nn.Module<Tensor, Tensor> Create(OnnxNodeProto node, string moduleName, string nodeName, int opset, int primary, string source)
    {
        var a = new Attrs(node, nodeName, source);
        OnnxNode N(Func<Tensor?[], Tensor> f) => new(moduleName, node.OpType, nodeName, primary, f);
        Tensor In(Tensor?[] ins, int i) => i < ins.Length && ins[i] is { } t ? t
            : throw new InvalidDataException($"ONNX node '{nodeName}' ({node.OpType}) in '{source}' is missing required input {i}.");
        Tensor? Opt(Tensor?[] ins, int i) => i < ins.Length ? ins[i] : null;

        switch (node.OpType)
        {
            case "Relu": return nn.ReLU();
            case "Identity": return N(ins => In(ins, 0).alias());
            case "Dropout": return N(ins => In(ins, 0).alias()); // inference: identity (ratio / training_mode ignored, as ONNX Runtime does)
            case "Sigmoid": return N(ins => In(ins, 0).sigmoid());
            case "Tanh": return N(ins => In(ins, 0).tanh());
            case "LeakyRelu": { double alpha = a.Float("alpha", 0.01f); return N(ins => F.leaky_relu(In(ins, 0), alpha)); }
            case "Clip":
                if (opset < 11)
                {
                    float lo = a.Float("min", float.MinValue), hi = a.Float("max", float.MaxValue);
                    return N(ins => In(ins, 0).clamp(lo, hi));
                }
                return N(ins =>
                {
                    var x = In(ins, 0);
                    if (Opt(ins, 1) is { } lo) x = x.clamp_min(lo.item<float>());
                    if (Opt(ins, 2) is { } hi) x = x.clamp_max(hi.item<float>());
                    return x;
                });
            case "Add": return N(ins => In(ins, 0).add(In(ins, 1)));
            case "Sub": return N(ins => In(ins, 0).sub(In(ins, 1)));
            case "Mul": return N(ins => In(ins, 0).mul(In(ins, 1)));
            case "Div":
                return N(ins =>
                {
                    var x = In(ins, 0); var y = In(ins, 1);
                    return x.is_floating_point() ? x.div(y) : x.div(y, RoundingMode.trunc);
                });
            case "MatMul": return N(ins => MatMul(In(ins, 0), In(ins, 1), nodeName));
            case "Sum": return N(ins => Variadic(ins, (x, y) => x.add(y)));
            case "Max": return N(ins => Variadic(ins, (x, y) => x.maximum(y)));
            case "Min": return N(ins => Variadic(ins, (x, y) => x.minimum(y)));
            case "Mean": return N(ins => Variadic(ins, (x, y) => x.add(y)).div(ins.Count(t => t is not null)));
            case "Pow": return N(ins => In(ins, 0).pow(In(ins, 1)));
            case "Sqrt": return N(ins => In(ins, 0).sqrt());
            case "Exp": return N(ins => In(ins, 0).exp());
            case "Log": return N(ins => In(ins, 0).log());
            case "Neg": return N(ins => In(ins, 0).neg());
            case "Abs": return N(ins => In(ins, 0).abs());
            case "Reciprocal": return N(ins => In(ins, 0).reciprocal());
            case "Gemm":
            {
                float alpha = a.Float("alpha", 1), beta = a.Float("beta", 1);
                bool ta = a.Int("transA", 0) != 0, tb = a.Int("transB", 0) != 0;
                return N(ins =>
                {
                    var A = In(ins, 0); var B = In(ins, 1);
                    if (ta) A = A.t();
                    if (tb) B = B.t();
                    var y = MatMul(A, B, nodeName);
                    if (alpha != 1) y = y.mul(alpha);
                    if (Opt(ins, 2) is { } C) y = y.add(beta == 1 ? C : C.mul(beta));
                    return y;
                });
            }
            case "Concat":
            {
                long axis = a.RequiredInt("axis");
                return N(ins => cat(ins.Where(t => t is not null).Select(t => t!).ToArray(), axis));
            }
            case "Flatten":
            {
                long axis = a.Int("axis", 1);
                return N(ins =>
                {
                    var x = In(ins, 0);
                    long ax = axis < 0 ? axis + x.dim() : axis;
                    long outer = 1; for (int i = 0; i < ax; i++) outer *= x.shape[i];
                    return x.reshape(outer, -1);
                });
            }
            case "Reshape":
            {
                bool allowZero = opset >= 14 && a.Int("allowzero", 0) != 0;
                if (opset < 5) throw a.Unsupported("the opset-1 'shape' attribute form of Reshape");
                return N(ins =>
                {
                    var x = In(ins, 0);
                    var shape = Ints(In(ins, 1));
                    for (int i = 0; i < shape.Length; i++)
                        if (shape[i] == 0 && !allowZero) shape[i] = x.shape[i];
                    return x.reshape(shape);
                });
            }
            case "Transpose":
            {
                var perm = a.Ints("perm");
                return N(ins =>
                {
                    var x = In(ins, 0);
                    var p = perm ?? Enumerable.Range(0, (int)x.dim()).Reverse().Select(i => (long)i).ToArray();
                    return x.permute(p);
                });
            }
            case "Softmax":
            case "LogSoftmax":
            {
                bool log = node.OpType == "LogSoftmax";
                long axis = a.Int("axis", opset >= 13 ? -1 : 1);
                return N(ins =>
                {
                    var x = In(ins, 0);
                    long ax = axis < 0 ? axis + x.dim() : axis;
                    if (opset >= 13) return log ? x.log_softmax(ax) : x.softmax(ax);
                    long outer = 1; for (int i = 0; i < ax; i++) outer *= x.shape[i];
                    var x2 = x.reshape(outer, -1);
                    return (log ? x2.log_softmax(1) : x2.softmax(1)).reshape(x.shape);
                });
            }
            case "Constant":
            {
                Tensor value = a.ConstantValue();
                value.DetachFromDisposeScope();
                return N(_ => value.alias());
            }
            case "Shape":
            {
                long start = opset >= 15 ? a.Int("start", 0) : 0;
                long? end = opset >= 15 && node.Attributes.ContainsKey("end") ? a.Int("end", 0) : null;
                return N(ins =>
                {
                    var s = In(ins, 0).shape;
                    long r = s.Length;
                    long b = Math.Clamp(start < 0 ? start + r : start, 0, r);
                    long e = Math.Clamp(end is { } ev ? (ev < 0 ? ev + r : ev) : r, 0, r);
                    return tensor(s.Skip((int)b).Take((int)Math.Max(0, e - b)).ToArray());
                });
            }
            case "Gather":
            {
                long axis = a.Int("axis", 0);
                return N(ins =>
                {
                    var x = In(ins, 0); var idx = In(ins, 1).to_type(ScalarType.Int64);
                    long ax = axis < 0 ? axis + x.dim() : axis;
                    var fixedIdx = where(idx.lt(0), idx.add(x.shape[ax]), idx);
                    var picked = x.index_select(ax, fixedIdx.flatten());
                    var shape = x.shape.Take((int)ax).Concat(idx.shape).Concat(x.shape.Skip((int)ax + 1)).ToArray();
                    return picked.reshape(shape);
                });
            }
            case "Unsqueeze":
            {
                var attrAxes = opset < 13 ? a.Ints("axes") ?? throw a.Missing("axes") : null;
                return N(ins =>
                {
                    var x = In(ins, 0);
                    var axes = attrAxes ?? Ints(In(ins, 1));
                    long rank = x.dim() + axes.Length;
                    foreach (var ax in axes.Select(v => v < 0 ? v + rank : v).Order()) x = x.unsqueeze(ax);
                    return x;
                });
            }
            case "Squeeze":
            {
                var attrAxes = opset < 13 ? a.Ints("axes") : null;
                return N(ins =>
                {
                    var x = In(ins, 0);
                    var axes = opset < 13 ? attrAxes : Opt(ins, 1) is { } t ? Ints(t) : null;
                    if (axes is null) return x.squeeze();
                    foreach (var ax in axes.Select(v => v < 0 ? v + x.dim() : v).OrderDescending()) x = x.squeeze(ax);
                    return x;
                });
            }
            case "Cast":
            {
                int to = (int)a.RequiredInt("to");
                return N(ins => OnnxTensorReader.IsFloating(to) ? In(ins, 0).to_type(ScalarType.Float32)
                    : to == 8 ? throw a.Unsupported("Cast to string") : In(ins, 0).to_type(ScalarType.Int64));
            }
            case "ReduceMean":
            {
                bool keep = a.Int("keepdims", 1) != 0;
                var attrAxes = opset < 18 ? a.Ints("axes") : null;
                bool noopEmpty = opset >= 18 && a.Int("noop_with_empty_axes", 0) != 0;
                return N(ins =>
                {
                    var x = In(ins, 0);
                    var axes = opset < 18 ? attrAxes : Opt(ins, 1) is { } t ? Ints(t) : null;
                    if (axes is null || axes.Length == 0)
                    {
                        if (noopEmpty) return x.alias();
                        axes = Enumerable.Range(0, (int)x.dim()).Select(i => (long)i).ToArray();
                    }
                    return x.mean(axes, keep);
                });
            }
            case "GlobalAveragePool":
                return N(ins => { var x = In(ins, 0); return x.mean(Enumerable.Range(2, (int)x.dim() - 2).Select(i => (long)i).ToArray(), true); });
            case "GlobalMaxPool":
                return N(ins => { var x = In(ins, 0); return x.amax(Enumerable.Range(2, (int)x.dim() - 2).Select(i => (long)i).ToArray(), true); });
            case "BatchNormalization":
            {
                if (opset < 9 && a.Int("spatial", 1) == 0) throw a.Unsupported("BatchNormalization with spatial=0");
                if (opset >= 14 && a.Int("training_mode", 0) != 0) throw a.Unsupported("BatchNormalization with training_mode=1");
                double eps = a.Float("epsilon", 1e-5f);
                return N(ins => F.batch_norm(In(ins, 0), In(ins, 3), In(ins, 4), In(ins, 1), In(ins, 2), false, 0.0, eps));
            }
            case "LRN":
            {
                long size = a.RequiredInt("size");
                double alpha = a.Float("alpha", 1e-4f), beta = a.Float("beta", 0.75f), bias = a.Float("bias", 1f);
                return N(ins => Lrn(In(ins, 0), size, alpha, beta, bias));
            }
            case "Conv": return Conv(node, a, nodeName, primary, moduleName);
            case "MaxPool": return MaxPool(a, nodeName, moduleName);
            case "AveragePool": return AveragePool(a, nodeName, moduleName, primary);
            case "Pad": return Pad(a, opset, N, In, Opt);
            default:
                throw new NotSupportedException(
                    $"ONNX operator '{node.OpType}'{(node.Domain is "" or "ai.onnx" ? "" : $" (domain '{node.Domain}')")} of node '{nodeName}' in '{source}' is not supported. " +
                    $"Supported operators: {string.Join(", ", Supported)}.");
        }
    }

    /// <summary>
    /// matmul with its shapes checked first: TorchSharp 0.107's native matmul aborts the process (uncaught c10::Error)
    /// on mismatched shapes instead of throwing.
    /// </summary>
    internal static Tensor MatMul(Tensor a, Tensor b, string nodeName)
    {
        long[] sa = a.shape, sb = b.shape;
        bool ok = sa.Length > 0 && sb.Length > 0;
        if (ok)
        {
            long inner = sa[^1], other = sb.Length == 1 ? sb[0] : sb[^2];
            ok = inner == other;
            // Batch dimensions must broadcast.
            var ba = sa.Length > 2 ? sa[..^2] : []; var bb = sb.Length > 2 ? sb[..^2] : [];
            for (int i = 1; ok && i <= Math.Min(ba.Length, bb.Length); i++)
                ok = ba[^i] == bb[^i] || ba[^i] == 1 || bb[^i] == 1;
        }
        if (!ok)
            throw new ArgumentException($"ONNX node '{nodeName}': cannot multiply matrices shaped [{string.Join(", ", sa)}] and [{string.Join(", ", sb)}].");
        return a.matmul(b);
    }

    static Tensor Variadic(Tensor?[] ins, Func<Tensor, Tensor, Tensor> op)
    {
        var present = ins.Where(t => t is not null).Select(t => t!).ToList();
        if (present.Count == 0) throw new InvalidDataException("A variadic ONNX operator got no inputs.");
        var acc = present[0];
        for (int i = 1; i < present.Count; i++) acc = op(acc, present[i]);
        return present.Count == 1 ? acc.alias() : acc;
    }

    /// <summary>A small int64 tensor (shape, axes, pads) as longs.</summary>
    public static long[] Ints(Tensor t) => t.to_type(ScalarType.Int64).cpu().contiguous().data<long>().ToArray();

    // ---- Conv ----

    static nn.Module<Tensor, Tensor> Conv(OnnxNodeProto node, Attrs a, string nodeName, int primary, string moduleName)
    {
        long group = a.Int("group", 1);
        var dil = a.Ints("dilations");
        var strides = a.Ints("strides");
        var pads = a.Ints("pads");
        string autoPad = a.String("auto_pad", "NOTSET");
        var kernelAttr = a.Ints("kernel_shape");
        return new OnnxNode(moduleName, node.OpType, nodeName, primary, ins =>
        {
            var x = ins[0]!; var w = ins[1] ?? throw new InvalidDataException($"ONNX Conv '{nodeName}' has no weight input.");
            var b = ins.Length > 2 ? ins[2] : null;
            if (x.dim() != 4 || w.dim() != 4)
                throw new NotSupportedException($"ONNX Conv '{nodeName}': only 2-D convolution (4-D input and weight) is supported; got input [{string.Join(", ", x.shape)}] and weight [{string.Join(", ", w.shape)}].");
            var k = kernelAttr ?? [w.shape[2], w.shape[3]];
            var s = strides ?? [1, 1];
            var d = dil ?? [1, 1];
            var p = ResolvePads(autoPad, pads, x, k, s, d, nodeName);
            if (p[0] == p[2] && p[1] == p[3])
                return F.conv2d(x, w, b, s, [p[0], p[1]], d, group);
            var xp = F.pad(x, [p[1], p[3], p[0], p[2]]);
            return F.conv2d(xp, w, b, s, [0, 0], d, group);
        });
    }

    /// <summary>ONNX pads [top, left, bottom, right] from explicit pads or auto_pad.</summary>
    static long[] ResolvePads(string autoPad, long[]? pads, Tensor x, long[] k, long[] s, long[] d, string nodeName)
    {
        switch (autoPad)
        {
            case "NOTSET" or "":
                if (pads is null) return [0, 0, 0, 0];
                if (pads.Length != 4) throw new InvalidDataException($"ONNX node '{nodeName}': pads has {pads.Length} values; a 2-D op needs 4 ([top, left, bottom, right]).");
                return pads;
            case "VALID": return [0, 0, 0, 0];
            case "SAME_UPPER":
            case "SAME_LOWER":
            {
                var res = new long[4];
                for (int i = 0; i < 2; i++)
                {
                    long inSize = x.shape[2 + i];
                    long outSize = (inSize + s[i] - 1) / s[i];
                    long total = Math.Max(0, (outSize - 1) * s[i] + (k[i] - 1) * d[i] + 1 - inSize);
                    long small = total / 2, big = total - small;
                    res[i] = autoPad == "SAME_UPPER" ? small : big;
                    res[i + 2] = autoPad == "SAME_UPPER" ? big : small;
                }
                return res;
            }
            default: throw new InvalidDataException($"ONNX node '{nodeName}': unknown auto_pad '{autoPad}' (expected NOTSET, VALID, SAME_UPPER or SAME_LOWER).");
        }
    }

    // ---- Pools ----

    static nn.Module<Tensor, Tensor> MaxPool(Attrs a, string nodeName, string moduleName)
    {
        var k = a.Ints("kernel_shape") ?? throw a.Missing("kernel_shape");
        if (k.Length != 2) throw new NotSupportedException($"ONNX MaxPool '{nodeName}': only 2-D pooling is supported; kernel_shape is [{string.Join(", ", k)}].");
        var s = a.Ints("strides") ?? [1, 1];
        var d = a.Ints("dilations") ?? [1, 1];
        bool ceil = a.Int("ceil_mode", 0) != 0;
        if (a.Int("storage_order", 0) != 0) { /* only affects the Indices output, which is rejected by the graph */ }
        string autoPad = a.String("auto_pad", "NOTSET");
        var pads = a.Ints("pads");
        if (autoPad is "NOTSET" or "" or "VALID")
        {
            var p = ResolvePads(autoPad, pads, null!, k, s, d, nodeName);
            if (p[0] == p[2] && p[1] == p[3] && p[0] * 2 <= k[0] && p[1] * 2 <= k[1])
                return nn.MaxPool2d(k, s, [p[0], p[1]], d, ceil);
            return new OnnxMaxPool(moduleName, nodeName, k, s, d, _ => p, ceil);
        }
        return new OnnxMaxPool(moduleName, nodeName, k, s, d, x => ResolvePads(autoPad, pads, x, k, s, d, nodeName), ceil);
    }

    static nn.Module<Tensor, Tensor> AveragePool(Attrs a, string nodeName, string moduleName, int primary)
    {
        var k = a.Ints("kernel_shape") ?? throw a.Missing("kernel_shape");
        if (k.Length != 2) throw new NotSupportedException($"ONNX AveragePool '{nodeName}': only 2-D pooling is supported; kernel_shape is [{string.Join(", ", k)}].");
        var s = a.Ints("strides") ?? [1, 1];
        if (a.Ints("dilations") is { } dl && dl.Any(v => v != 1)) throw a.Unsupported("AveragePool with dilations");
        bool ceil = a.Int("ceil_mode", 0) != 0;
        bool includePad = a.Int("count_include_pad", 0) != 0;
        string autoPad = a.String("auto_pad", "NOTSET");
        var pads = a.Ints("pads");
        long[] one = [1, 1];
        return new OnnxNode(moduleName, "AveragePool", nodeName, primary, ins =>
        {
            var x = ins[0]!;
            var p = ResolvePads(autoPad, pads, x, k, s, one, nodeName);
            if (p[0] == p[2] && p[1] == p[3] && p[0] * 2 <= k[0] && p[1] * 2 <= k[1])
                return F.avg_pool2d(x, k, s, [p[0], p[1]], ceil, includePad);
            if (includePad)
                return F.avg_pool2d(F.pad(x, [p[1], p[3], p[0], p[2]]), k, s, [0, 0], ceil, true);
            return AveragePoolExcludingPad(x, k, s, p, ceil);
        });
    }

    /// <summary>Average pooling over explicitly zero-padded input where padded cells are excluded from each window's count.</summary>
    internal static Tensor AveragePoolExcludingPad(Tensor x, long[] k, long[] s, long[] p, bool ceil)
    {
        long[] pad = [p[1], p[3], p[0], p[2]];
        var sum = F.avg_pool2d(F.pad(x, pad), k, s, [0, 0], ceil, true);
        using var ones = torch.ones(1, 1, x.shape[2], x.shape[3], dtype: x.dtype);
        using var count = F.avg_pool2d(F.pad(ones, pad), k, s, [0, 0], ceil, true);
        return sum.div(count);
    }

    // ---- LRN ----

    /// <summary>ONNX LRN: y = x / (bias + alpha/size · Σ x²)^beta over channels [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉].</summary>
    static Tensor Lrn(Tensor x, long size, double alpha, double beta, double bias)
    {
        long before = (size - 1) / 2, after = size - 1 - before;
        var sq = x.mul(x).unsqueeze(1); // [N, 1, C, H, W]
        var padded = F.pad(sq, [0, 0, 0, 0, before, after]);
        var sum = F.avg_pool3d(padded, [size, 1, 1], [1, 1, 1]).mul(size).squeeze(1);
        return x.div(sum.mul(alpha / size).add(bias).pow(beta));
    }

    // ---- Pad ----

    static nn.Module<Tensor, Tensor> Pad(Attrs a, int opset, Func<Func<Tensor?[], Tensor>, OnnxNode> N, Func<Tensor?[], int, Tensor> In, Func<Tensor?[], int, Tensor?> Opt)
    {
        string mode = a.String("mode", "constant");
        if (mode is not ("constant" or "reflect" or "edge")) throw a.Unsupported($"Pad mode '{mode}'");
        long[]? attrPads = opset < 11 ? a.Ints("pads") ?? throw a.Missing("pads") : null;
        float attrValue = opset < 11 ? a.Float("value", 0) : 0;
        return N(ins =>
        {
            var x = In(ins, 0);
            long r = x.dim();
            var pads = attrPads ?? Ints(In(ins, 1));
            double value = opset < 11 ? attrValue : Opt(ins, 2) is { } v && v.numel() > 0 ? v.to_type(ScalarType.Float64).item<double>() : 0;
            // Full-rank begins/ends.
            var begin = new long[r]; var end = new long[r];
            long[] axes = opset >= 18 && Opt(ins, 3) is { } ax ? Ints(ax).Select(v => v < 0 ? v + r : v).ToArray()
                : Enumerable.Range(0, (int)r).Select(i => (long)i).ToArray();
            if (pads.Length != 2 * axes.Length)
                throw new InvalidDataException($"ONNX Pad '{a.NodeName}': {pads.Length} pads for {axes.Length} axes (need {2 * axes.Length}).");
            for (int i = 0; i < axes.Length; i++) { begin[axes[i]] = pads[i]; end[axes[i]] = pads[i + axes.Length]; }
            // torch order: last dim first.
            int lead = 0;
            while (lead < r && begin[lead] == 0 && end[lead] == 0) lead++;
            var tp = new List<long>();
            for (long i = r - 1; i >= lead; i--) { tp.Add(begin[i]); tp.Add(end[i]); }
            if (tp.Count == 0) return x.alias();
            if (mode == "constant") return F.pad(x, tp.ToArray(), PaddingModes.Constant, value);
            if (r - lead > 2 || r < 3)
                throw new NotSupportedException($"ONNX Pad '{a.NodeName}': mode '{mode}' is supported on the last two axes of a 3-D/4-D tensor only; pads were [{string.Join(", ", pads)}].");
            return F.pad(x, tp.ToArray(), mode == "reflect" ? PaddingModes.Reflect : PaddingModes.Replicate);
        });
    }

    /// <summary>Attribute access with errors that name the node.</summary>
    internal sealed class Attrs(OnnxNodeProto node, string nodeName, string source)
    {
        public string NodeName => nodeName;
        OnnxAttribute? Get(string name) => node.Attributes.GetValueOrDefault(name);
        public long Int(string name, long def) => Get(name) is { } at ? at.I : def;
        public long RequiredInt(string name) => Get(name) is { } at ? at.I : throw Missing(name);
        public float Float(string name, float def) => Get(name) is { } at ? at.F : def;
        public string String(string name, string def) => Get(name) is { } at ? at.S : def;
        public long[]? Ints(string name) => Get(name) is { } at ? at.Ints.ToArray() : null;

        public Tensor ConstantValue()
        {
            if (Get("value") is { T: { } t }) return OnnxTensorReader.Read(t, source);
            if (Get("value_float") is { } f) return tensor(f.F);
            if (Get("value_floats") is { } fs) return tensor(fs.Floats.ToArray());
            if (Get("value_int") is { } i) return tensor(i.I);
            if (Get("value_ints") is { } iss) return tensor(iss.Ints.ToArray());
            throw Unsupported($"Constant without a value/value_float(s)/value_int(s) attribute (has: {string.Join(", ", node.Attributes.Keys)})");
        }

        public InvalidDataException Missing(string name) =>
            new($"ONNX node '{nodeName}' ({node.OpType}) in '{source}' lacks required attribute '{name}'.");
        public NotSupportedException Unsupported(string what) =>
            new($"ONNX node '{nodeName}' ({node.OpType}) in '{source}': {what} is not supported.");
    }
}
