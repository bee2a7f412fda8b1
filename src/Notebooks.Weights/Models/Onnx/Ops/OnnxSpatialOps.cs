using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Notebooks.Weights.Models.Onnx.Ops;

/// <summary>
/// 2-D spatial ONNX operators: Conv (groups, dilations, explicit or auto_pad padding, asymmetric
/// pads), MaxPool and AveragePool (ceil mode, padding included or excluded from the count), and Pad
/// (constant, reflect, edge; attribute form before opset 11, inputs after, axes from 18).
/// </summary>
internal static class OnnxSpatialOps
{
    public static readonly string[] Operators = ["Conv", "MaxPool", "AveragePool", "Pad"];

    public static nn.Module<Tensor, Tensor> Create(OnnxOpContext c) =>
        c.OpType switch
        {
            "Conv" => Conv(c),
            "MaxPool" => MaxPool(c),
            "AveragePool" => AveragePool(c),
            "Pad" => Pad(c),
            _ => throw new InvalidOperationException($"OnnxSpatialOps got '{c.OpType}'."),
        };

    // ---- Conv ----

    static nn.Module<Tensor, Tensor> Conv(OnnxOpContext c)
    {
        var a = c.A;
        string nodeName = c.NodeName;
        long group = a.Int("group", 1);
        var dil = a.Ints("dilations");
        var strides = a.Ints("strides");
        var pads = a.Ints("pads");
        string autoPad = a.String("auto_pad", "NOTSET");
        var kernelAttr = a.Ints("kernel_shape");
        return c.N(ins =>
        {
            var x = ins[0]!;
            var w = ins[1]
                ?? throw new InvalidDataException($"ONNX Conv '{nodeName}' has no weight input.");
            var b = ins.Length > 2 ? ins[2] : null;
            if (x.dim() != 4 || w.dim() != 4)
                throw new NotSupportedException(
                    $"ONNX Conv '{nodeName}': only 2-D convolution (4-D input and weight) is supported; got input [{string.Join(", ", x.shape)}] and weight [{string.Join(", ", w.shape)}]."
                );
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
    static long[] ResolvePads(
        string autoPad,
        long[]? pads,
        Tensor x,
        long[] k,
        long[] s,
        long[] d,
        string nodeName
    )
    {
        switch (autoPad)
        {
            case "NOTSET" or "":
                if (pads is null)
                    return [0, 0, 0, 0];
                if (pads.Length != 4)
                    throw new InvalidDataException(
                        $"ONNX node '{nodeName}': pads has {pads.Length} values; a 2-D op needs 4 ([top, left, bottom, right])."
                    );
                return pads;
            case "VALID":
                return [0, 0, 0, 0];
            case "SAME_UPPER":
            case "SAME_LOWER":
            {
                var res = new long[4];
                for (int i = 0; i < 2; i++)
                {
                    long inSize = x.shape[2 + i];
                    long outSize = (inSize + s[i] - 1) / s[i];
                    long total = Math.Max(0, (outSize - 1) * s[i] + (k[i] - 1) * d[i] + 1 - inSize);
                    long small = total / 2,
                        big = total - small;
                    res[i] = autoPad == "SAME_UPPER" ? small : big;
                    res[i + 2] = autoPad == "SAME_UPPER" ? big : small;
                }
                return res;
            }
            default:
                throw new InvalidDataException(
                    $"ONNX node '{nodeName}': unknown auto_pad '{autoPad}' (expected NOTSET, VALID, SAME_UPPER or SAME_LOWER)."
                );
        }
    }

    // ---- Pools ----

    static nn.Module<Tensor, Tensor> MaxPool(OnnxOpContext c)
    {
        var a = c.A;
        string nodeName = c.NodeName,
            moduleName = c.ModuleName;
        var k = a.Ints("kernel_shape") ?? throw a.Missing("kernel_shape");
        if (k.Length != 2)
            throw new NotSupportedException(
                $"ONNX MaxPool '{nodeName}': only 2-D pooling is supported; kernel_shape is [{string.Join(", ", k)}]."
            );
        var s = a.Ints("strides") ?? [1, 1];
        var d = a.Ints("dilations") ?? [1, 1];
        bool ceil = a.Int("ceil_mode", 0) != 0;
        if (a.Int("storage_order", 0) != 0)
        { /* only affects the Indices output, which is rejected by the graph */
        }
        string autoPad = a.String("auto_pad", "NOTSET");
        var pads = a.Ints("pads");
        if (autoPad is "NOTSET" or "" or "VALID")
        {
            var p = ResolvePads(autoPad, pads, null!, k, s, d, nodeName);
            if (p[0] == p[2] && p[1] == p[3] && p[0] * 2 <= k[0] && p[1] * 2 <= k[1])
                return nn.MaxPool2d(k, s, [p[0], p[1]], d, ceil);
            return new OnnxMaxPool(moduleName, nodeName, k, s, d, _ => p, ceil);
        }
        return new OnnxMaxPool(
            moduleName,
            nodeName,
            k,
            s,
            d,
            x => ResolvePads(autoPad, pads, x, k, s, d, nodeName),
            ceil
        );
    }

    static nn.Module<Tensor, Tensor> AveragePool(OnnxOpContext c)
    {
        var a = c.A;
        string nodeName = c.NodeName;
        var k = a.Ints("kernel_shape") ?? throw a.Missing("kernel_shape");
        if (k.Length != 2)
            throw new NotSupportedException(
                $"ONNX AveragePool '{nodeName}': only 2-D pooling is supported; kernel_shape is [{string.Join(", ", k)}]."
            );
        var s = a.Ints("strides") ?? [1, 1];
        if (a.Ints("dilations") is { } dl && dl.Any(v => v != 1))
            throw a.Unsupported("AveragePool with dilations");
        bool ceil = a.Int("ceil_mode", 0) != 0;
        bool includePad = a.Int("count_include_pad", 0) != 0;
        string autoPad = a.String("auto_pad", "NOTSET");
        var pads = a.Ints("pads");
        long[] one = [1, 1];
        return c.N(ins =>
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

    /// <summary>Average pooling over explicitly zero-padded input where padded cells are excluded
    /// from each window's count.</summary>
    internal static Tensor AveragePoolExcludingPad(
        Tensor x,
        long[] k,
        long[] s,
        long[] p,
        bool ceil
    )
    {
        long[] pad = [p[1], p[3], p[0], p[2]];
        var sum = F.avg_pool2d(F.pad(x, pad), k, s, [0, 0], ceil, true);
        using var ones = torch.ones(1, 1, x.shape[2], x.shape[3], dtype: x.dtype);
        using var count = F.avg_pool2d(F.pad(ones, pad), k, s, [0, 0], ceil, true);
        return sum.div(count);
    }

    // ---- Pad ----

    static nn.Module<Tensor, Tensor> Pad(OnnxOpContext c)
    {
        var a = c.A;
        int opset = c.Opset;
        string mode = a.String("mode", "constant");
        if (mode is not ("constant" or "reflect" or "edge"))
            throw a.Unsupported($"Pad mode '{mode}'");
        long[]? attrPads = opset < 11 ? a.Ints("pads") ?? throw a.Missing("pads") : null;
        float attrValue = opset < 11 ? a.Float("value", 0) : 0;
        return c.N(ins =>
        {
            var x = c.In(ins, 0);
            long r = x.dim();
            var pads = attrPads ?? OnnxOps.Ints(c.In(ins, 1));
            double value =
                opset < 11 ? attrValue
                : OnnxOpContext.Opt(ins, 2) is { } v && v.numel() > 0
                    ? v.to_type(ScalarType.Float64).item<double>()
                : 0;
            // Full-rank begins/ends.
            var begin = new long[r];
            var end = new long[r];
            long[] axes =
                opset >= 18 && OnnxOpContext.Opt(ins, 3) is { } ax
                    ? OnnxOps.Ints(ax).Select(v => v < 0 ? v + r : v).ToArray()
                    : Enumerable.Range(0, (int)r).Select(i => (long)i).ToArray();
            if (pads.Length != 2 * axes.Length)
                throw new InvalidDataException(
                    $"ONNX Pad '{a.NodeName}': {pads.Length} pads for {axes.Length} axes (need {2 * axes.Length})."
                );
            for (int i = 0; i < axes.Length; i++)
            {
                begin[axes[i]] = pads[i];
                end[axes[i]] = pads[i + axes.Length];
            }
            // torch order: last dim first.
            int lead = 0;
            while (lead < r && begin[lead] == 0 && end[lead] == 0)
                lead++;
            var tp = new List<long>();
            for (long i = r - 1; i >= lead; i--)
            {
                tp.Add(begin[i]);
                tp.Add(end[i]);
            }
            if (tp.Count == 0)
                return x.alias();
            if (mode == "constant")
                return F.pad(x, tp.ToArray(), PaddingModes.Constant, value);
            if (r - lead > 2 || r < 3)
                throw new NotSupportedException(
                    $"ONNX Pad '{a.NodeName}': mode '{mode}' is supported on the last two axes of a 3-D/4-D tensor only; pads were [{string.Join(", ", pads)}]."
                );
            return F.pad(
                x,
                tp.ToArray(),
                mode == "reflect" ? PaddingModes.Reflect : PaddingModes.Replicate
            );
        });
    }
}
