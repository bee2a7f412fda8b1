using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models.Onnx.Ops;

/// <summary>
/// ONNX operators that move, select or create values without arithmetic: Concat, Flatten, Reshape,
/// Transpose, Squeeze, Unsqueeze, Slice, Split, Gather, Expand, Tile, Shape, Constant,
/// ConstantOfShape, Range, Cast, ScatterND. Shape tensors are int64.
/// </summary>
internal static class OnnxShapeOps
{
    public static readonly string[] Operators =
    [
        "Concat",
        "Flatten",
        "Reshape",
        "Transpose",
        "Squeeze",
        "Unsqueeze",
        "Slice",
        "Split",
        "Gather",
        "Expand",
        "Tile",
        "Shape",
        "Constant",
        "ConstantOfShape",
        "Range",
        "Cast",
        "ScatterND",
    ];

    public static nn.Module<Tensor, Tensor> Create(OnnxOpContext c)
    {
        var a = c.A;
        int opset = c.Opset;
        switch (c.OpType)
        {
            case "Concat":
            {
                long axis = a.RequiredInt("axis");
                return c.N(ins =>
                    cat(ins.Where(t => t is not null).Select(t => t!).ToArray(), axis)
                );
            }
            case "Flatten":
            {
                long axis = a.Int("axis", 1);
                return c.N(ins =>
                {
                    var x = c.In(ins, 0);
                    long ax = axis < 0 ? axis + x.dim() : axis;
                    long outer = 1;
                    for (int i = 0; i < ax; i++)
                        outer *= x.shape[i];
                    return x.reshape(outer, -1);
                });
            }
            case "Reshape":
            {
                bool allowZero = opset >= 14 && a.Int("allowzero", 0) != 0;
                if (opset < 5)
                    throw a.Unsupported("the opset-1 'shape' attribute form of Reshape");
                return c.N(ins =>
                {
                    var x = c.In(ins, 0);
                    var shape = OnnxOps.Ints(c.In(ins, 1));
                    for (int i = 0; i < shape.Length; i++)
                        if (shape[i] == 0 && !allowZero)
                            shape[i] = x.shape[i];
                    // A graph exported at batch 1 with the batch baked into its target shape (e.g.
                    // ShuffleNetV2's channel shuffle): say so, rather than torch's "shape ... is
                    // invalid for input of size ...".
                    if (
                        shape.Length >= 2
                        && shape[0] == 1
                        && x.dim() >= 2
                        && x.shape[0] > 1
                        && shape.Skip(1).All(v => v > 0)
                        && shape.Skip(1).Aggregate(1L, (p, v) => p * v) * x.shape[0] == x.numel()
                    )
                        throw new NotSupportedException(
                            $"ONNX node '{c.NodeName}' (Reshape) in '{c.Source}' fixes the batch size to 1 (target shape [{string.Join(", ", shape)}]) "
                                + $"but got a batch of {x.shape[0]} ([{string.Join(", ", x.shape)}]): the graph was exported with a fixed batch size 1. "
                                + "Run one image at a time (e.g. one unit per feature visualization) or re-export it with a dynamic batch axis."
                        );
                    return x.reshape(shape);
                });
            }
            case "Transpose":
            {
                var perm = a.Ints("perm");
                return c.N(ins =>
                {
                    var x = c.In(ins, 0);
                    var p = perm
                        ?? Enumerable
                            .Range(0, (int)x.dim())
                            .Reverse()
                            .Select(i => (long)i)
                            .ToArray();
                    return x.permute(p);
                });
            }
            case "Constant":
            {
                Tensor value = a.ConstantValue();
                value.DetachFromDisposeScope();
                return c.N(_ => value.alias());
            }
            case "ConstantOfShape":
            {
                // value: a one-element tensor (default float 0); the output takes its type.
                Tensor value = a.TensorValue("value") ?? tensor(0f);
                if (value.numel() != 1)
                    throw a.Invalid(
                        $"ConstantOfShape's value must hold one element; it has {value.numel()}"
                    );
                value = value.reshape(1).DetachFromDisposeScope();
                return c.N(ins =>
                {
                    var shape = OnnxOps.Ints(c.In(ins, 0));
                    return shape.Length == 0
                        ? value.reshape([]).clone()
                        : value
                            .reshape(Enumerable.Repeat(1L, shape.Length).ToArray())
                            .expand(shape)
                            .contiguous();
                });
            }
            case "Shape":
            {
                long start = opset >= 15 ? a.Int("start", 0) : 0;
                long? end = opset >= 15 && a.Has("end") ? a.Int("end", 0) : null;
                return c.N(ins =>
                {
                    var s = c.In(ins, 0).shape;
                    long r = s.Length;
                    long b = Math.Clamp(start < 0 ? start + r : start, 0, r);
                    long e = Math.Clamp(end is { } ev ? (ev < 0 ? ev + r : ev) : r, 0, r);
                    return tensor(s.Skip((int)b).Take((int)Math.Max(0, e - b)).ToArray());
                });
            }
            case "Gather":
            {
                long axis = a.Int("axis", 0);
                return c.N(ins =>
                {
                    var x = c.In(ins, 0);
                    var idx = c.In(ins, 1).to_type(ScalarType.Int64);
                    long ax = axis < 0 ? axis + x.dim() : axis;
                    var fixedIdx = where(idx.lt(0), idx.add(x.shape[ax]), idx);
                    var picked = x.index_select(ax, fixedIdx.flatten());
                    var shape = x
                        .shape.Take((int)ax)
                        .Concat(idx.shape)
                        .Concat(x.shape.Skip((int)ax + 1))
                        .ToArray();
                    return picked.reshape(shape);
                });
            }
            case "Unsqueeze":
            {
                var attrAxes = opset < 13 ? a.Ints("axes") ?? throw a.Missing("axes") : null;
                return c.N(ins =>
                {
                    var x = c.In(ins, 0);
                    var axes = attrAxes ?? OnnxOps.Ints(c.In(ins, 1));
                    long rank = x.dim() + axes.Length;
                    foreach (var ax in axes.Select(v => v < 0 ? v + rank : v).Order())
                        x = x.unsqueeze(ax);
                    return x;
                });
            }
            case "Squeeze":
            {
                var attrAxes = opset < 13 ? a.Ints("axes") : null;
                return c.N(ins =>
                {
                    var x = c.In(ins, 0);
                    var axes =
                        opset < 13 ? attrAxes
                        : OnnxOpContext.Opt(ins, 1) is { } t ? OnnxOps.Ints(t)
                        : null;
                    if (axes is null)
                        return x.squeeze();
                    foreach (var ax in axes.Select(v => v < 0 ? v + x.dim() : v).OrderDescending())
                        x = x.squeeze(ax);
                    return x;
                });
            }
            case "Cast":
            {
                int to = (int)a.RequiredInt("to");
                if (to == 8)
                    throw a.Unsupported("Cast to string");
                return c.N(ins =>
                    OnnxTensorReader.IsFloating(to) ? c.In(ins, 0).to_type(ScalarType.Float32)
                    : to == 9 ? c.In(ins, 0).ne(0)
                    : c.In(ins, 0).to_type(ScalarType.Int64)
                );
            }
            case "Slice":
                return Slice(c);
            case "Split":
                return Split(c);
            case "Expand":
                return c.N(ins =>
                {
                    var x = c.In(ins, 0);
                    var shape = OnnxOps.Ints(c.In(ins, 1));
                    return x.expand(Broadcast(x.shape, shape, c));
                });
            case "Tile":
                return c.N(ins =>
                {
                    var x = c.In(ins, 0);
                    var reps = OnnxOps.Ints(c.In(ins, 1));
                    if (reps.Length != x.dim())
                        throw a.Invalid(
                            $"Tile has {reps.Length} repeats for a rank-{x.dim()} input"
                        );
                    return x.repeat(reps);
                });
            case "Range":
                return c.N(ins =>
                {
                    var s = c.In(ins, 0);
                    var l = c.In(ins, 1);
                    var d = c.In(ins, 2);
                    if (s.is_floating_point())
                        return arange(
                            s.item<float>(),
                            l.item<float>(),
                            d.item<float>(),
                            dtype: ScalarType.Float32
                        );
                    long start = s.to_type(ScalarType.Int64).item<long>(),
                        limit = l.to_type(ScalarType.Int64).item<long>(),
                        delta = d.to_type(ScalarType.Int64).item<long>();
                    if (delta == 0)
                        throw a.Invalid("Range with delta 0");
                    long n = Math.Max(0, (long)Math.Ceiling((limit - start) / (double)delta));
                    return arange(n, dtype: ScalarType.Int64).mul(delta).add(start);
                });
            case "ScatterND":
            {
                if (a.String("reduction", "none") is not "none" and var r)
                    throw a.Unsupported($"ScatterND reduction '{r}'");
                return c.N(ins =>
                {
                    // indices [..., k] address the first k axes of data; updates hold the addressed
                    // slices.
                    var data = c.In(ins, 0);
                    var indices = c.In(ins, 1).to_type(ScalarType.Int64);
                    var updates = c.In(ins, 2);
                    long k = indices.shape[^1];
                    if (k > data.dim())
                        throw a.Invalid(
                            $"ScatterND indices address {k} axes of a rank-{data.dim()} input"
                        );
                    var flat = indices.reshape(-1, k);
                    var idx = Enumerable
                        .Range(0, (int)k)
                        .Select(i =>
                        {
                            var col = flat.select(1, i);
                            return where(col.lt(0), col.add(data.shape[i]), col);
                        })
                        .ToArray();
                    var slices = updates.reshape([flat.shape[0], .. data.shape[(int)k..]]);
                    return data.clone().index_put_(slices.to_type(data.dtype), idx);
                });
            }
            default:
                throw new InvalidOperationException($"OnnxShapeOps got '{c.OpType}'.");
        }
    }

    /// <summary>Multidirectional (numpy) broadcast of a tensor shape with a requested shape, as
    /// Expand defines it.</summary>
    static long[] Broadcast(long[] x, long[] shape, OnnxOpContext c)
    {
        int r = Math.Max(x.Length, shape.Length);
        var result = new long[r];
        for (int i = 1; i <= r; i++)
        {
            long a = i <= x.Length ? x[^i] : 1,
                b = i <= shape.Length ? shape[^i] : 1;
            if (a != b && a != 1 && b != 1)
                throw new ArgumentException(
                    $"ONNX Expand '{c.NodeName}': cannot broadcast shape [{string.Join(", ", x)}] to [{string.Join(", ", shape)}]."
                );
            result[^i] = a == 1 ? b : a;
        }
        return result;
    }

    /// <summary>
    /// Slice: opset 10+ takes starts, ends, axes and steps as inputs, opsets before 10 as
    /// attributes (no steps). Starts and ends are clamped as the spec says ([0, d] for positive
    /// steps, [-1, d-1] for negative ones).
    /// </summary>
    static nn.Module<Tensor, Tensor> Slice(OnnxOpContext c)
    {
        var a = c.A;
        long[]? attrStarts = null,
            attrEnds = null,
            attrAxes = null;
        if (c.Opset < 10)
        {
            attrStarts = a.Ints("starts") ?? throw a.Missing("starts");
            attrEnds = a.Ints("ends") ?? throw a.Missing("ends");
            attrAxes = a.Ints("axes");
        }
        return c.N(ins =>
        {
            var x = c.In(ins, 0);
            var starts = attrStarts ?? OnnxOps.Ints(c.In(ins, 1));
            var ends = attrEnds ?? OnnxOps.Ints(c.In(ins, 2));
            var axes =
                c.Opset < 10 ? attrAxes
                : OnnxOpContext.Opt(ins, 3) is { } ax ? OnnxOps.Ints(ax)
                : null;
            var steps =
                c.Opset >= 10 && OnnxOpContext.Opt(ins, 4) is { } st ? OnnxOps.Ints(st) : null;
            axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
            if (
                ends.Length != starts.Length
                || axes.Length != starts.Length
                || (steps is not null && steps.Length != starts.Length)
            )
                throw a.Invalid(
                    $"Slice has {starts.Length} starts, {ends.Length} ends, {axes.Length} axes and {steps?.Length.ToString(CultureInfo.InvariantCulture) ?? "no"} steps; they must agree"
                );
            long rank = x.dim();
            for (int i = 0; i < starts.Length; i++)
            {
                long axis = axes[i] < 0 ? axes[i] + rank : axes[i];
                if (axis < 0 || axis >= rank)
                    throw a.Invalid(
                        $"Slice axis {axes[i]} is out of range for a rank-{rank} input"
                    );
                long d = x.shape[axis],
                    step = steps?[i] ?? 1;
                if (step == 0)
                    throw a.Invalid("Slice step 0");
                long s = starts[i],
                    e = ends[i];
                if (s < 0)
                    s += d;
                if (e < 0)
                    e += d;
                if (step > 0)
                {
                    s = Math.Clamp(s, 0, d);
                    e = Math.Clamp(e, 0, d);
                    x = e <= s ? x.narrow(axis, 0, 0) : x.slice(axis, s, e, step);
                }
                else
                {
                    s = Math.Clamp(s, 0, d - 1);
                    e = Math.Clamp(e, -1, d - 1);
                    long n = s <= e ? 0 : (s - e + (-step) - 1) / (-step);
                    x = x.index_select(axis, arange(n, dtype: ScalarType.Int64).mul(step).add(s));
                }
            }
            return x;
        });
    }

    /// <summary>
    /// Split, as one module per output (<see cref="Proto.OnnxNodeProto.OutputIndex"/>): sizes from
    /// the 'split' attribute (before 13) or input (13+), else equal parts (opset 18's num_outputs:
    /// the last part may be smaller).
    /// </summary>
    static nn.Module<Tensor, Tensor> Split(OnnxOpContext c)
    {
        var a = c.A;
        long axis = a.Int("axis", 0);
        var attrSplit = c.Opset < 13 ? a.Ints("split") : null;
        long parts =
            c.Opset >= 18 && a.Has("num_outputs") ? a.Int("num_outputs", 0) : c.Node.OutputCount;
        int index = c.Node.OutputIndex;
        return c.N(ins =>
        {
            var x = c.In(ins, 0);
            long ax = axis < 0 ? axis + x.dim() : axis;
            long d = x.shape[ax];
            var split = attrSplit
                ?? (c.Opset >= 13 && OnnxOpContext.Opt(ins, 1) is { } s ? OnnxOps.Ints(s) : null);
            if (split is null)
            {
                long each = (d + parts - 1) / parts;
                split = Enumerable
                    .Range(0, (int)parts)
                    .Select(i => Math.Max(0, Math.Min(each, d - i * each)))
                    .ToArray();
                if (c.Opset < 18 && d % parts != 0)
                    throw a.Invalid($"Split of {d} elements into {parts} equal parts");
            }
            if (split.Sum() != d)
                throw a.Invalid(
                    $"Split sizes [{string.Join(", ", split)}] do not add up to the axis length {d}"
                );
            if (index >= split.Length)
                throw a.Invalid($"Split output {index} does not exist ({split.Length} parts)");
            return x.narrow(ax, split.Take(index).Sum(), split[index]);
        });
    }
}
