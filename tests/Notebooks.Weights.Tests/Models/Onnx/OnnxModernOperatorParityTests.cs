using static Notebooks.Weights.Tests.Models.Onnx.OnnxTestSupport;

namespace Notebooks.Weights.Tests.Models.Onnx;

/// <summary>
/// Operators of current architectures (MobileNetV3's HardSigmoid/HardSwish, ShuffleNetV2's
/// Slice/Split and channel shuffle, ConvNeXt's Erf/LayerNormalization, ViT's
/// ConstantOfShape/Equal/Where/Expand class-token path, 3-D MatMul, Swin's Mod/Range/ScatterND/Pad
/// masks) built with <see cref="OnnxWriter"/>, run by the importer and ONNX Runtime on the same
/// seeded input; outputs agree to 1e-4 relative.
/// </summary>
public class OnnxModernOperatorParityTests
{
    static float[] R(int seed, int n, float scale = 1) =>
        RandomInput([n], seed).Select(v => v * scale).ToArray();

    static OnnxWriter G(int opset, params long[] shape) =>
        new OnnxWriter { Opset = opset, IrVersion = opset >= 9 ? 8 : 3 }.Input("x", shape);

    static readonly Dictionary<string, (long[] shape, Func<OnnxWriter> build)> Cases = new()
    {
        ["HardSigmoid default alpha/beta (7)"] = ([2, 3, 4, 4], () =>
            G(7, 2, 3, 4, 4)
                .Init("k", [4f])
                .Node("Mul", "m", ["x", "k"], ["a"])
                .Node("HardSigmoid", "h", ["a"], ["y"])
                .Output("y")
        ),
        ["HardSigmoid alpha 1/6 as PyTorch exports it (13)"] = ([2, 3, 4, 4], () =>
            G(13, 2, 3, 4, 4)
                .Init("k", [5f])
                .Node("Mul", "m", ["x", "k"], ["a"])
                .Node("HardSigmoid", "h", ["a"], ["y"], ("alpha", 1f / 6), ("beta", 0.5f))
                .Output("y")
        ),
        ["HardSwish (14)"] = ([2, 3, 4, 4], () =>
            G(14, 2, 3, 4, 4)
                .Init("k", [5f])
                .Node("Mul", "m", ["x", "k"], ["a"])
                .Node("HardSwish", "h", ["a"], ["y"])
                .Output("y")
        ),
        ["Erf GELU (13)"] = ([2, 3, 5], () =>
            G(13, 2, 3, 5)
                .Init("r2", [MathF.Sqrt(2)])
                .Init("one", [1f])
                .Init("half", [0.5f])
                .Node("Div", "d", ["x", "r2"], ["a"])
                .Node("Erf", "e", ["a"], ["b"])
                .Node("Add", "p", ["b", "one"], ["c"])
                .Node("Mul", "m", ["x", "c"], ["d2"])
                .Node("Mul", "m2", ["d2", "half"], ["y"])
                .Output("y")
        ),
        ["LayerNormalization last axis with bias (17)"] = ([2, 3, 6], () =>
            G(17, 2, 3, 6)
                .Init("s", R(1, 6), 6)
                .Init("b", R(2, 6), 6)
                .Node("LayerNormalization", "ln", ["x", "s", "b"], ["y"], ("epsilon", 1e-6f))
                .Output("y")
        ),
        ["LayerNormalization axis 1, no bias, broadcast scale (17)"] = ([2, 3, 4, 5], () =>
            G(17, 2, 3, 4, 5)
                .Init("s", R(3, 5), 5)
                .Node("LayerNormalization", "ln", ["x", "s"], ["y"], ("axis", 1L))
                .Output("y")
        ),
        ["Slice inputs: axes, negative step, clamped ends (13)"] = ([2, 6, 5, 4], () =>
            G(13, 2, 6, 5, 4)
                .InitInt64("st", [1, -1, 0], 3)
                .InitInt64("en", [long.MaxValue, -6, 100], 3)
                .InitInt64("ax", [1, 2, -1], 3)
                .InitInt64("sp", [2, -2, 3], 3)
                .Node("Slice", "s", ["x", "st", "en", "ax", "sp"], ["y"])
                .Output("y")
        ),
        ["Slice inputs without axes/steps (11)"] = ([4, 6, 5], () =>
            G(11, 4, 6, 5)
                .InitInt64("st", [1, -4], 2)
                .InitInt64("en", [3, -1], 2)
                .Node("Slice", "s", ["x", "st", "en"], ["y"])
                .Output("y")
        ),
        ["Slice attributes (9)"] = ([2, 6, 5], () =>
            G(9, 2, 6, 5)
                .Node(
                    "Slice",
                    "s",
                    ["x"],
                    ["y"],
                    ("starts", new long[] { 3, -3 }),
                    ("ends", new long[] { 6, 1000 }),
                    ("axes", new long[] { 1, 2 })
                )
                .Output("y")
        ),
        ["Split equal halves, both used (13)"] = ([2, 6, 3, 3], () =>
            G(13, 2, 6, 3, 3)
                .Node("Split", "sp", ["x"], ["a", "b"], ("axis", 1L))
                .Node("Relu", "r", ["b"], ["c"])
                .Node("Concat", "cc", ["c", "a"], ["y"], ("axis", 1L))
                .Output("y")
        ),
        ["Split sizes input, three parts (13)"] = ([2, 7, 3], () =>
            G(13, 2, 7, 3)
                .InitInt64("sz", [2, 4, 1], 3)
                .Node("Split", "sp", ["x", "sz"], ["a", "b", "c"], ("axis", -2L))
                .Node("Concat", "cc", ["c", "a", "b"], ["y"], ("axis", 1L))
                .Output("y")
        ),
        ["Split attribute sizes (11)"] = ([5, 4], () =>
            G(11, 5, 4)
                .Node("Split", "sp", ["x"], ["a", "b"], ("split", new long[] { 3, 2 }))
                .Node("Neg", "s", ["a"], ["d"])
                .Node("Concat", "cc", ["b", "d"], ["y"], ("axis", 0L))
                .Output("y")
        ),
        ["Split num_outputs uneven (18)"] = ([2, 7], () =>
            G(18, 2, 7)
                .Node("Split", "sp", ["x"], ["a", "b", "c"], ("axis", 1L), ("num_outputs", 3L))
                .Node("Concat", "cc", ["c", "b", "a"], ["y"], ("axis", 1L))
                .Output("y")
        ),
        ["Channel shuffle Reshape/Transpose/Reshape (13)"] = ([2, 8, 3, 3], () =>
            G(13, 2, 8, 3, 3)
                .InitInt64("s1", [2, 2, 4, 3, 3], 5)
                .InitInt64("s2", [2, -1, 3, 3], 4)
                .Node("Reshape", "r1", ["x", "s1"], ["a"])
                .Node("Transpose", "t", ["a"], ["b"], ("perm", new long[] { 0, 2, 1, 3, 4 }))
                .Node("Reshape", "r2", ["b", "s2"], ["y"])
                .Output("y")
        ),
        ["ViT class token: Shape/ConstantOfShape/Equal/Where/Expand/Concat (13)"] = (
            [3, 4, 8],
            () =>
                G(13, 3, 4, 8)
                    .Init("cls", R(4, 8), 1, 1, 8)
                    .InitInt64("i0", [0])
                    .InitInt64("ax", [0], 1)
                    .InitInt64("rest", [-1, -1], 2)
                    .InitInt64("m1", [-1])
                    .Node("Shape", "sh", ["x"], ["s"])
                    .Node("Gather", "g", ["s", "i0"], ["n"], ("axis", 0L))
                    .Node("Unsqueeze", "u", ["n", "ax"], ["n1"])
                    .Node("Concat", "c1", ["n1", "rest"], ["shape"], ("axis", 0L))
                    .Node("Shape", "sh2", ["shape"], ["len"])
                    .Node(
                        "ConstantOfShape",
                        "cos",
                        ["len"],
                        ["ones"],
                        ("value", OnnxWriter.TensorAttr.Int64(1))
                    )
                    .Node("Equal", "eq", ["shape", "m1"], ["isneg"])
                    .Node("Where", "wh", ["isneg", "ones", "shape"], ["target"])
                    .Node("Expand", "ex", ["cls", "target"], ["tok"])
                    .Node("Concat", "c2", ["tok", "x"], ["y"], ("axis", 1L))
                    .Output("y")
        ),
        ["ConstantOfShape float value, Where on floats (13)"] = ([2, 3, 4], () =>
            G(13, 2, 3, 4)
                .Init("z", [0f])
                .Node("Shape", "sh", ["x"], ["s"])
                .Node(
                    "ConstantOfShape",
                    "c",
                    ["s"],
                    ["k"],
                    ("value", OnnxWriter.TensorAttr.Float(-0.25f))
                )
                .Node("Less", "lt", ["x", "z"], ["neg"])
                .Node("Where", "w", ["neg", "k", "x"], ["y"])
                .Output("y")
        ),
        ["Expand broadcast up a rank (13)"] = ([3, 1], () =>
            G(13, 3, 1)
                .InitInt64("sh", [2, 1, 4], 3)
                .Node("Expand", "e", ["x", "sh"], ["y"])
                .Output("y")
        ),
        ["Class token Gather scalar index + 3-D MatMul + Softmax last axis (13)"] = (
            [2, 5, 4],
            () =>
                G(13, 2, 5, 4)
                    .Init("W", R(5, 24), 2, 4, 3)
                    .InitInt64("i0", [0], [])
                    .Node("Transpose", "t", ["x"], ["xt"], ("perm", new long[] { 0, 2, 1 }))
                    .Node("MatMul", "mm", ["x", "xt"], ["att"])
                    .Node("Softmax", "sm", ["att"], ["p"], ("axis", -1L))
                    .Node("MatMul", "mv", ["p", "x"], ["v"])
                    .Node("MatMul", "proj", ["v", "W"], ["o"])
                    .Node("Gather", "g", ["o", "i0"], ["y"], ("axis", 1L))
                    .Output("y")
        ),
        ["Swin mask: Range/Mod/Equal/Not/Cast/ScatterND/Pad (13)"] = ([1, 2, 4, 4], () =>
            G(13, 1, 2, 4, 4)
                .InitInt64("r0", [0], [])
                .InitInt64("r1", [4], [])
                .InitInt64("d", [1], [])
                .InitInt64("two", [2])
                .InitInt64("zero", [0])
                .InitInt64("idx", [0, 1, 2, 3, 0, 0, 1, 1], 2, 4)
                .Init("upd", [7f, -7f], 2)
                .InitInt64("pads", [0, 0, 1, 0, 0, 0, 0, 1], 8)
                .Node("Range", "rg", ["r0", "r1", "d"], ["ar"])
                .Node("Mod", "md", ["ar", "two"], ["m"])
                .Node("Equal", "eq", ["m", "zero"], ["even"])
                .Node("Not", "nt", ["even"], ["odd"])
                .Node("Cast", "cs", ["odd"], ["oddf"], ("to", 1L))
                .Node("Mul", "mu", ["x", "oddf"], ["a"])
                .Node("ScatterND", "sc", ["a", "idx", "upd"], ["b"])
                .Node("Pad", "p", ["b", "pads"], ["y"])
                .Output("y")
        ),
        ["Mod fmod=1 on floats, Floor, Ceil (13)"] = ([2, 3, 4], () =>
            G(13, 2, 3, 4)
                .Init("k", [0.7f])
                .Init("s", [3f])
                .Node("Mul", "m", ["x", "s"], ["a"])
                .Node("Mod", "md", ["a", "k"], ["b"], ("fmod", 1L))
                .Node("Floor", "f", ["a"], ["c"])
                .Node("Ceil", "ce", ["a"], ["d"])
                .Node("Sum", "su", ["b", "c", "d"], ["y"])
                .Output("y")
        ),
        ["Tile, ReduceSum axes input, ReduceMax, ReduceL2 (13)"] = ([2, 3, 4], () =>
            G(13, 2, 3, 4)
                .InitInt64("rep", [1, 2, 1], 3)
                .InitInt64("ax", [1], 1)
                .Node("Tile", "t", ["x", "rep"], ["a"])
                .Node("ReduceSum", "rs", ["a", "ax"], ["b"])
                .Node("ReduceMax", "rm", ["x"], ["c"], ("axes", new long[] { 1 }))
                .Node("ReduceL2", "rl", ["x"], ["d"], ("axes", new long[] { 1 }))
                .Node("Sum", "su", ["b", "c", "d"], ["y"])
                .Output("y")
        ),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void OperatorMatchesOnnxRuntime(string name)
    {
        var (shape, build) = Cases[name];
        double err = ErrorAgainstOrt(build().ToBytes(), shape, seed: name.Length);
        Assert.True(err <= 1e-4, $"{name}: differs from ONNX Runtime by {err:g3} relative");
    }
}
