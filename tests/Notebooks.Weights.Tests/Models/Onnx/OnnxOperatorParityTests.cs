using Notebooks.Weights.Models.Onnx;
using static Notebooks.Weights.Tests.Models.Onnx.OnnxTestSupport;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.Onnx;

/// <summary>
/// Single operators and their opset variants (pads, auto_pad, groups, dilation, ceil mode,
/// attribute-vs-input forms, Softmax's pre-13 2-D coercion, LRN's even-size window, ...) built with
/// <see cref="OnnxWriter"/> and run by both the importer and ONNX Runtime; outputs agree to 1e-4
/// relative.
/// </summary>
public class OnnxOperatorParityTests
{
    static float[] R(int seed, int n, float scale = 1) =>
        RandomInput([n], seed).Select(v => v * scale).ToArray();

    static OnnxWriter G(int opset, params long[] shape) =>
        new OnnxWriter { Opset = opset, IrVersion = opset >= 9 ? 7 : 3 }.Input("x", shape);

    static readonly Dictionary<string, (long[] shape, Func<OnnxWriter> build)> Cases = new()
    {
        ["conv asymmetric pads, strides (13)"] = ([1, 3, 9, 9], () =>
            G(13, 1, 3, 9, 9)
                .Init("W", R(1, 108), 4, 3, 3, 3)
                .Init("B", R(2, 4), 4)
                .Node(
                    "Conv",
                    "c",
                    ["x", "W", "B"],
                    ["y"],
                    ("pads", new long[] { 0, 1, 2, 1 }),
                    ("strides", new long[] { 2, 1 })
                )
                .Output("y")
        ),
        ["conv SAME_UPPER even kernel (11)"] = ([1, 2, 9, 10], () =>
            G(11, 1, 2, 9, 10)
                .Init("W", R(3, 96), 3, 2, 4, 4)
                .Node(
                    "Conv",
                    "c",
                    ["x", "W"],
                    ["y"],
                    ("auto_pad", "SAME_UPPER"),
                    ("strides", new long[] { 2, 2 })
                )
                .Output("y")
        ),
        ["conv SAME_LOWER (7)"] = ([1, 2, 9, 10], () =>
            G(7, 1, 2, 9, 10)
                .Init("W", R(4, 96), 3, 2, 4, 4)
                .Node(
                    "Conv",
                    "c",
                    ["x", "W"],
                    ["y"],
                    ("auto_pad", "SAME_LOWER"),
                    ("strides", new long[] { 2, 3 })
                )
                .Output("y")
        ),
        ["conv groups + dilation (9)"] = ([2, 4, 11, 11], () =>
            G(9, 2, 4, 11, 11)
                .Init("W", R(5, 72), 4, 2, 3, 3)
                .Init("B", R(6, 4), 4)
                .Node(
                    "Conv",
                    "c",
                    ["x", "W", "B"],
                    ["y"],
                    ("group", 2L),
                    ("dilations", new long[] { 2, 2 }),
                    ("pads", new long[] { 2, 2, 2, 2 }),
                    ("kernel_shape", new long[] { 3, 3 })
                )
                .Output("y")
        ),
        ["conv depthwise VALID (18)"] = ([1, 3, 8, 8], () =>
            G(18, 1, 3, 8, 8)
                .Init("W", R(7, 27), 3, 1, 3, 3)
                .Node("Conv", "c", ["x", "W"], ["y"], ("group", 3L), ("auto_pad", "VALID"))
                .Output("y")
        ),
        ["maxpool SAME_UPPER (10)"] = ([1, 3, 10, 9], () =>
            G(10, 1, 3, 10, 9)
                .Node(
                    "MaxPool",
                    "p",
                    ["x"],
                    ["y"],
                    ("kernel_shape", new long[] { 3, 3 }),
                    ("strides", new long[] { 2, 2 }),
                    ("auto_pad", "SAME_UPPER")
                )
                .Output("y")
        ),
        ["maxpool asymmetric pads (12)"] = ([1, 3, 7, 7], () =>
            G(12, 1, 3, 7, 7)
                .Node(
                    "MaxPool",
                    "p",
                    ["x"],
                    ["y"],
                    ("kernel_shape", new long[] { 2, 2 }),
                    ("strides", new long[] { 2, 2 }),
                    ("pads", new long[] { 0, 0, 1, 1 })
                )
                .Output("y")
        ),
        ["maxpool ceil_mode + dilation (12)"] = ([1, 2, 12, 12], () =>
            G(12, 1, 2, 12, 12)
                .Node(
                    "MaxPool",
                    "p",
                    ["x"],
                    ["y"],
                    ("kernel_shape", new long[] { 3, 3 }),
                    ("strides", new long[] { 2, 2 }),
                    ("dilations", new long[] { 2, 2 }),
                    ("ceil_mode", 1L)
                )
                .Output("y")
        ),
        ["maxpool asymmetric pads + ceil_mode (12)"] = ([1, 2, 8, 8], () =>
            G(12, 1, 2, 8, 8)
                .Node(
                    "MaxPool",
                    "p",
                    ["x"],
                    ["y"],
                    ("kernel_shape", new long[] { 3, 3 }),
                    ("strides", new long[] { 2, 2 }),
                    ("pads", new long[] { 1, 0, 0, 1 }),
                    ("ceil_mode", 1L)
                )
                .Output("y")
        ),
        ["maxpool pads beyond half the window (11)"] = ([1, 2, 5, 5], () =>
            G(11, 1, 2, 5, 5)
                .Node(
                    "MaxPool",
                    "p",
                    ["x"],
                    ["y"],
                    ("kernel_shape", new long[] { 3, 3 }),
                    ("pads", new long[] { 2, 2, 2, 2 })
                )
                .Output("y")
        ),
        ["averagepool ceil_mode with pads (13)"] = ([1, 2, 8, 8], () =>
            G(13, 1, 2, 8, 8)
                .Node(
                    "AveragePool",
                    "p",
                    ["x"],
                    ["y"],
                    ("kernel_shape", new long[] { 3, 3 }),
                    ("strides", new long[] { 2, 2 }),
                    ("pads", new long[] { 1, 1, 1, 1 }),
                    ("ceil_mode", 1L)
                )
                .Output("y")
        ),
        ["averagepool asymmetric pads + ceil_mode (13)"] = ([1, 2, 8, 8], () =>
            G(13, 1, 2, 8, 8)
                .Node(
                    "AveragePool",
                    "p",
                    ["x"],
                    ["y"],
                    ("kernel_shape", new long[] { 3, 3 }),
                    ("strides", new long[] { 2, 2 }),
                    ("pads", new long[] { 0, 1, 1, 0 }),
                    ("ceil_mode", 1L)
                )
                .Output("y")
        ),
        ["maxpool symmetric pads (7)"] = ([1, 2, 6, 6], () =>
            G(7, 1, 2, 6, 6)
                .Node(
                    "MaxPool",
                    "p",
                    ["x"],
                    ["y"],
                    ("kernel_shape", new long[] { 3, 3 }),
                    ("pads", new long[] { 1, 1, 1, 1 })
                )
                .Output("y")
        ),
        ["averagepool count_include_pad (11)"] = ([1, 2, 7, 7], () =>
            G(11, 1, 2, 7, 7)
                .Node(
                    "AveragePool",
                    "p",
                    ["x"],
                    ["y"],
                    ("kernel_shape", new long[] { 3, 3 }),
                    ("strides", new long[] { 2, 2 }),
                    ("pads", new long[] { 1, 1, 1, 1 }),
                    ("count_include_pad", 1L)
                )
                .Output("y")
        ),
        ["averagepool asymmetric pads excluded (13)"] = ([1, 2, 7, 7], () =>
            G(13, 1, 2, 7, 7)
                .Node(
                    "AveragePool",
                    "p",
                    ["x"],
                    ["y"],
                    ("kernel_shape", new long[] { 2, 3 }),
                    ("pads", new long[] { 1, 0, 0, 1 })
                )
                .Output("y")
        ),
        ["averagepool asymmetric pads included (13)"] = ([1, 2, 7, 7], () =>
            G(13, 1, 2, 7, 7)
                .Node(
                    "AveragePool",
                    "p",
                    ["x"],
                    ["y"],
                    ("kernel_shape", new long[] { 2, 3 }),
                    ("pads", new long[] { 1, 0, 0, 1 }),
                    ("count_include_pad", 1L)
                )
                .Output("y")
        ),
        ["averagepool SAME_UPPER (13)"] = ([1, 2, 7, 6], () =>
            G(13, 1, 2, 7, 6)
                .Node(
                    "AveragePool",
                    "p",
                    ["x"],
                    ["y"],
                    ("kernel_shape", new long[] { 3, 3 }),
                    ("strides", new long[] { 2, 2 }),
                    ("auto_pad", "SAME_UPPER")
                )
                .Output("y")
        ),
        ["averagepool SAME_LOWER (10)"] = ([1, 2, 8, 9], () =>
            G(10, 1, 2, 8, 9)
                .Node(
                    "AveragePool",
                    "p",
                    ["x"],
                    ["y"],
                    ("kernel_shape", new long[] { 3, 3 }),
                    ("strides", new long[] { 2, 2 }),
                    ("auto_pad", "SAME_LOWER")
                )
                .Output("y")
        ),
        ["LRN strong (13)"] = ([2, 6, 3, 3], () =>
            G(13, 2, 6, 3, 3)
                .Node(
                    "LRN",
                    "n",
                    ["x"],
                    ["y"],
                    ("size", 5L),
                    ("alpha", 0.5f),
                    ("beta", 0.75f),
                    ("bias", 2f)
                )
                .Output("y")
        ),
        ["LRN odd size (7)"] = ([1, 5, 3, 3], () =>
            G(7, 1, 5, 3, 3)
                .Node("LRN", "n", ["x"], ["y"], ("size", 3L), ("alpha", 1f), ("beta", 0.5f))
                .Output("y")
        ),
        ["Clip attributes (7)"] = ([1, 2, 4, 4], () =>
            G(7, 1, 2, 4, 4)
                .Node("Clip", "c", ["x"], ["y"], ("min", -0.5f), ("max", 0.6f))
                .Output("y")
        ),
        ["Clip inputs, max omitted (13)"] = ([1, 2, 4, 4], () =>
            G(13, 1, 2, 4, 4)
                .Init("lo", [-0.2f])
                .Node("Clip", "c", ["x", "lo", ""], ["y"])
                .Output("y")
        ),
        ["ReLU6 as Clip (11)"] = ([1, 2, 4, 4], () =>
            G(11, 1, 2, 4, 4)
                .Init("k", [5f])
                .Init("lo", [0f])
                .Init("hi", [6f])
                .Node("Mul", "m", ["x", "k"], ["s"])
                .Node("Clip", "c", ["s", "lo", "hi"], ["y"])
                .Output("y")
        ),
        ["LeakyRelu, Sigmoid, Tanh, Identity, Dropout (7)"] = ([1, 2, 4, 4], () =>
            G(7, 1, 2, 4, 4)
                .Node("LeakyRelu", "l", ["x"], ["a"], ("alpha", 0.2f))
                .Node("Sigmoid", "s", ["a"], ["b"])
                .Node("Tanh", "t", ["x"], ["c"])
                .Node("Add", "add", ["b", "c"], ["d"])
                .Node("Identity", "i", ["d"], ["e"])
                .Node("Dropout", "dr", ["e"], ["y"], ("ratio", 0.5f))
                .Output("y")
        ),
        ["Dropout with ratio input (12)"] = ([1, 2, 4, 4], () =>
            G(12, 1, 2, 4, 4).Init("r", [0.3f]).Node("Dropout", "dr", ["x", "r"], ["y"]).Output("y")
        ),
        ["Pad reflect, attribute form (7)"] = ([1, 2, 5, 6], () =>
            G(7, 1, 2, 5, 6)
                .Node(
                    "Pad",
                    "p",
                    ["x"],
                    ["y"],
                    ("pads", new long[] { 0, 0, 1, 2, 0, 0, 2, 1 }),
                    ("mode", "reflect")
                )
                .Output("y")
        ),
        ["Pad constant value attribute (9)"] = ([1, 2, 3, 3], () =>
            G(9, 1, 2, 3, 3)
                .Node(
                    "Pad",
                    "p",
                    ["x"],
                    ["y"],
                    ("pads", new long[] { 0, 1, 1, 0, 0, 0, 2, 1 }),
                    ("value", 1.5f)
                )
                .Output("y")
        ),
        ["Pad edge, pads input (13)"] = ([1, 2, 4, 5], () =>
            G(13, 1, 2, 4, 5)
                .InitInt64("pads", [0, 0, 2, 1, 0, 0, 1, 3], 8)
                .Node("Pad", "p", ["x", "pads"], ["y"], ("mode", "edge"))
                .Output("y")
        ),
        ["Pad negative (crop) + value input (11)"] = ([1, 2, 5, 5], () =>
            G(11, 1, 2, 5, 5)
                .InitInt64("pads", [0, 0, -1, 1, 0, 0, 1, -2], 8)
                .Init("v", [-3f])
                .Node("Pad", "p", ["x", "pads", "v"], ["y"])
                .Output("y")
        ),
        ["Pad axes input (18)"] = ([1, 2, 4, 5], () =>
            G(18, 1, 2, 4, 5)
                .InitInt64("pads", [1, 2], 2)
                .Init("v", [0.5f])
                .InitInt64("axes", [-1], 1)
                .Node("Pad", "p", ["x", "pads", "v", "axes"], ["y"])
                .Output("y")
        ),
        ["Softmax 2-D coercion (11)"] = ([2, 3, 4, 5], () =>
            G(11, 2, 3, 4, 5).Node("Softmax", "s", ["x"], ["y"], ("axis", 1L)).Output("y")
        ),
        ["Softmax per axis (13)"] = ([2, 3, 4, 5], () =>
            G(13, 2, 3, 4, 5).Node("Softmax", "s", ["x"], ["y"], ("axis", 1L)).Output("y")
        ),
        ["Softmax default axis (9)"] = ([2, 3, 4, 5], () =>
            G(9, 2, 3, 4, 5).Node("Softmax", "s", ["x"], ["y"]).Output("y")
        ),
        ["LogSoftmax default axis (13)"] = ([2, 3, 4, 5], () =>
            G(13, 2, 3, 4, 5).Node("LogSoftmax", "s", ["x"], ["y"]).Output("y")
        ),
        ["Gemm transB alpha beta (9)"] = ([3, 5], () =>
            G(9, 3, 5)
                .Init("B", R(8, 20), 4, 5)
                .Init("C", R(9, 4), 4)
                .Node(
                    "Gemm",
                    "g",
                    ["x", "B", "C"],
                    ["y"],
                    ("transB", 1L),
                    ("alpha", 0.5f),
                    ("beta", 2f)
                )
                .Output("y")
        ),
        ["Gemm transA, no C (13)"] = ([5, 3], () =>
            G(13, 5, 3)
                .Init("B", R(10, 20), 5, 4)
                .Node("Gemm", "g", ["x", "B"], ["y"], ("transA", 1L))
                .Output("y")
        ),
        ["MatMul broadcast + Add bias (7)"] = ([2, 3, 4], () =>
            G(7, 2, 3, 4)
                .Init("W", R(11, 20), 4, 5)
                .Init("b", R(12, 5), 5)
                .Node("MatMul", "m", ["x", "W"], ["a"])
                .Node("Add", "add", ["a", "b"], ["y"])
                .Output("y")
        ),
        ["Flatten axis 2 (9)"] = ([2, 3, 4, 5], () =>
            G(9, 2, 3, 4, 5).Node("Flatten", "f", ["x"], ["y"], ("axis", 2L)).Output("y")
        ),
        ["Flatten negative axis (13)"] = ([2, 3, 4, 5], () =>
            G(13, 2, 3, 4, 5).Node("Flatten", "f", ["x"], ["y"], ("axis", -1L)).Output("y")
        ),
        ["Reshape 0 and -1 (13)"] = ([2, 3, 4, 5], () =>
            G(13, 2, 3, 4, 5)
                .InitInt64("s", [0, -1, 5], 3)
                .Node("Reshape", "r", ["x", "s"], ["y"])
                .Output("y")
        ),
        ["Transpose default and perm (9)"] = ([2, 3, 4], () =>
            G(9, 2, 3, 4)
                .Node("Transpose", "t", ["x"], ["a"])
                .Node("Transpose", "t2", ["a"], ["y"], ("perm", new long[] { 1, 0, 2 }))
                .Output("y")
        ),
        ["Shape/Gather/Unsqueeze/Concat/Reshape flatten path (13)"] = ([2, 3, 4, 4], () =>
            G(13, 2, 3, 4, 4)
                .InitInt64("i0", [0])
                .InitInt64("ax", [0], 1)
                .InitInt64("m1", [-1], 1)
                .Node("Shape", "sh", ["x"], ["s"])
                .Node("Gather", "ga", ["s", "i0"], ["n"], ("axis", 0L))
                .Node("Unsqueeze", "un", ["n", "ax"], ["n1"])
                .Node("Concat", "cc", ["n1", "m1"], ["ns"], ("axis", 0L))
                .Node("Reshape", "r", ["x", "ns"], ["y"])
                .Output("y")
        ),
        ["Shape/Gather negative index/Unsqueeze attribute path (11)"] = ([2, 3, 4, 4], () =>
            G(11, 2, 3, 4, 4)
                .InitInt64("i0", [-4])
                .InitInt64("m1", [-1], 1)
                .Node("Shape", "sh", ["x"], ["s"])
                .Node("Gather", "ga", ["s", "i0"], ["n"])
                .Node("Unsqueeze", "un", ["n"], ["n1"], ("axes", new long[] { 0 }))
                .Node("Concat", "cc", ["n1", "m1"], ["ns"], ("axis", 0L))
                .Node("Reshape", "r", ["x", "ns"], ["y"])
                .Output("y")
        ),
        ["Shape start/end + Cast (15)"] = ([2, 3, 4, 5], () =>
            G(15, 2, 3, 4, 5)
                .Node("Shape", "sh", ["x"], ["s"], ("start", 1L), ("end", -1L))
                .Node("Cast", "c", ["s"], ["y"], ("to", 1L))
                .Output("y")
        ),
        ["Gather on data with index matrix (13)"] = ([4, 3, 2], () =>
            G(13, 4, 3, 2)
                .InitInt64("i", [2, 0, -1, 1], 2, 2)
                .Node("Gather", "g", ["x", "i"], ["y"], ("axis", 1L))
                .Output("y")
        ),
        ["BatchNormalization (9)"] = ([2, 3, 4, 4], () =>
            G(9, 2, 3, 4, 4)
                .Init("sc", R(13, 3), 3)
                .Init("b", R(14, 3), 3)
                .Init("m", R(15, 3), 3)
                .Init("v", [0.5f, 1.5f, 2f], 3)
                .Node(
                    "BatchNormalization",
                    "bn",
                    ["x", "sc", "b", "m", "v"],
                    ["y"],
                    ("epsilon", 1e-3f)
                )
                .Output("y")
        ),
        ["BatchNormalization (15)"] = ([2, 3, 4, 4], () =>
            G(15, 2, 3, 4, 4)
                .Init("sc", R(16, 3), 3)
                .Init("b", R(17, 3), 3)
                .Init("m", R(18, 3), 3)
                .Init("v", [0.7f, 1.1f, 3f], 3)
                .Node("BatchNormalization", "bn", ["x", "sc", "b", "m", "v"], ["y"])
                .Output("y")
        ),
        ["Add Mul Sub Div broadcasting (7)"] = ([2, 3, 4, 4], () =>
            G(7, 2, 3, 4, 4)
                .Init("a", R(19, 3), 3, 1, 1)
                .Init("d", [2f, -4f, 0.5f, 3f], 4)
                .Node("Add", "add", ["x", "a"], ["p"])
                .Node("Mul", "mul", ["p", "x"], ["q"])
                .Node("Sub", "sub", ["a", "q"], ["r"])
                .Node("Div", "div", ["r", "d"], ["y"])
                .Output("y")
        ),
        ["Concat negative axis (11)"] = ([1, 2, 3, 3], () =>
            G(11, 1, 2, 3, 3)
                .Node("Relu", "r", ["x"], ["a"])
                .Node("Concat", "c", ["x", "a", "x"], ["y"], ("axis", -3L))
                .Output("y")
        ),
        ["Squeeze/Unsqueeze attributes (11)"] = ([1, 3, 1, 4], () =>
            G(11, 1, 3, 1, 4)
                .Node("Squeeze", "s", ["x"], ["a"], ("axes", new long[] { 0, -2 }))
                .Node("Unsqueeze", "u", ["a"], ["y"], ("axes", new long[] { 1, -1 }))
                .Output("y")
        ),
        ["Squeeze/Unsqueeze inputs (13)"] = ([1, 3, 1, 4], () =>
            G(13, 1, 3, 1, 4)
                .InitInt64("sa", [2], 1)
                .InitInt64("ua", [0, 4], 2)
                .Node("Squeeze", "s", ["x", "sa"], ["a"])
                .Node("Unsqueeze", "u", ["a", "ua"], ["y"])
                .Output("y")
        ),
        ["ReduceMean attribute axes (13)"] = ([2, 3, 4, 4], () =>
            G(13, 2, 3, 4, 4)
                .Node(
                    "ReduceMean",
                    "m",
                    ["x"],
                    ["y"],
                    ("axes", new long[] { 2, 3 }),
                    ("keepdims", 0L)
                )
                .Output("y")
        ),
        ["ReduceMean axes input (18)"] = ([2, 3, 4, 4], () =>
            G(18, 2, 3, 4, 4)
                .InitInt64("ax", [-1, 1], 2)
                .Node("ReduceMean", "m", ["x", "ax"], ["y"])
                .Output("y")
        ),
        ["GlobalAveragePool, GlobalMaxPool (7)"] = ([2, 3, 4, 5], () =>
            G(7, 2, 3, 4, 5)
                .Node("GlobalAveragePool", "a", ["x"], ["a"])
                .Node("GlobalMaxPool", "m", ["x"], ["b"])
                .Node("Add", "add", ["a", "b"], ["y"])
                .Output("y")
        ),
        ["Sum Max Min Mean variadic (9)"] = ([2, 3, 4], () =>
            G(9, 2, 3, 4)
                .Init("a", R(20, 4), 4)
                .Init("b", R(21, 12), 3, 4)
                .Node("Relu", "r", ["x"], ["p"])
                .Node("Sum", "s", ["x", "p", "a"], ["q"])
                .Node("Max", "mx", ["q", "b", "x"], ["r1"])
                .Node("Min", "mn", ["r1", "a"], ["r2"])
                .Node("Mean", "me", ["r2", "q", "b"], ["y"])
                .Output("y")
        ),
        ["Abs Sqrt Pow Neg Exp Log Reciprocal (13)"] = ([2, 3, 4], () =>
            G(13, 2, 3, 4)
                .Init("k", [1.5f])
                .Init("one", [1f])
                .Node("Abs", "ab", ["x"], ["a"])
                .Node("Sqrt", "sq", ["a"], ["b"])
                .Node("Pow", "pw", ["b", "k"], ["c"])
                .Node("Neg", "ng", ["c"], ["d"])
                .Node("Exp", "ex", ["d"], ["e"])
                .Node("Add", "ad", ["e", "one"], ["f"])
                .Node("Log", "lg", ["f"], ["g"])
                .Node("Reciprocal", "rc", ["g"], ["y"])
                .Output("y")
        ),
        ["Constant node (9)"] = ([1, 3, 2, 3], () =>
            G(9, 1, 3, 2, 3)
                .Node("Constant", "k", [], ["c"], ("value_floats", new[] { 1f, -2f, 3f }))
                .Node("Mul", "m", ["x", "c"], ["y"])
                .Output("y")
        ),
    };

    /// <summary>
    /// ONNX Runtime rejects even LRN sizes, so this one is analytic: the ONNX window of channel c
    /// is [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉] = [c, c+1] for size 2 (PyTorch's would be [c−1, c]).
    /// Ones on 3 channels, alpha 2, beta 1, bias 1: sums 2, 2, 1 → y = 1 / (1 + 2/2 · sum) = 1/3,
    /// 1/3, 1/2.
    /// </summary>
    [Fact]
    public void LrnEvenSizeUsesTheOnnxChannelWindow()
    {
        var path = Path.Combine(Path.GetTempPath(), $"nw-onnx-lrn-{Guid.NewGuid():N}.onnx");
        G(13, 1, 3, 1, 1)
            .Node("LRN", "n", ["x"], ["y"], ("size", 2L), ("alpha", 2f), ("beta", 1f), ("bias", 1f))
            .Output("y")
            .Save(path);
        try
        {
            var model = OnnxModel.Load(path);
            var (y, _) = RunImported(model, ones(1, 3, 1, 1));
            Assert.Equal(
                new[] { 1 / 3f, 1 / 3f, 1 / 2f },
                y.flatten().data<float>().ToArray(),
                new FloatTolerance(1e-6f)
            );
        }
        finally
        {
            File.Delete(path);
        }
    }

    sealed class FloatTolerance(float tol) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tol;

        public int GetHashCode(float v) => 0;
    }

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void OperatorMatchesOnnxRuntime(string name)
    {
        var (shape, build) = Cases[name];
        var bytes = build().ToBytes();
        var path = Path.Combine(Path.GetTempPath(), $"nw-onnx-op-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, bytes);
        try
        {
            using var scope = NewDisposeScope();
            var model = OnnxModel.Load(path);
            var input = RandomInput(shape, seed: name.Length);
            var (output, _) = RunImported(model, tensor(input).reshape(shape));
            var (refShape, refValues) = RunOrt(bytes, "x", input, shape)["y"];
            double err = RelativeError(output, refShape, refValues);
            Assert.True(err <= 1e-4, $"{name}: differs from ONNX Runtime by {err:g3} relative");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
