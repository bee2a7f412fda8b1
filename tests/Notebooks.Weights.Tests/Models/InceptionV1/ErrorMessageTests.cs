using Notebooks.Weights.IO;
using Notebooks.Weights.Models;
using Notebooks.Weights.Models.InceptionV1;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.InceptionV1;

/// <summary>Every bad input of the InceptionV1 loaders gets a message naming the input and what was
/// expected.</summary>
public class ErrorMessageTests
{
    static Dictionary<string, Tensor> Zeros() =>
        InceptionV1Model.TfShapes.ToDictionary(kv => kv.Key, kv => zeros(kv.Value));

    static InvalidDataException Reject(Dictionary<string, Tensor> tf)
    {
        using var m = InceptionV1Model.Create(2);
        var before = m.WeightsHash;
        var e = Assert.Throws<InvalidDataException>(() =>
            InceptionV1Weights.Apply(m, tf, "w.safetensors")
        );
        Assert.Equal(before, m.WeightsHash); // a rejected file changes nothing
        Assert.Equal(before, InceptionV1Model.Create(2).WeightsHash);
        return e;
    }

    [Fact]
    public void WrongShapeNamesTheTensorTheShapeGotAndTheShapeNeeded()
    {
        using var scope = NewDisposeScope();
        var tf = Zeros();
        tf["conv2d0_w"] = zeros(7, 7, 3, 32);
        tf["softmax2_w"] = zeros(1008, 1024); // PyTorch [out, in] instead of TF [in, out]
        var e = Reject(tf);
        Assert.Contains("w.safetensors: not InceptionV1 (inception5h) weights: ", e.Message);
        Assert.Contains(
            "tensor 'conv2d0_w' has shape [7, 7, 3, 32]; InceptionV1 needs [7, 7, 3, 64] (TF conv layout HWIO [kH, kW, in, out])",
            e.Message
        );
        Assert.Contains(
            "tensor 'softmax2_w' has shape [1008, 1024]; InceptionV1 needs [1024, 1008] (TF dense layout [in, out])",
            e.Message
        );
    }

    [Fact]
    public void MissingTensorIsNamedWithTheNearestNamesInTheFile()
    {
        using var scope = NewDisposeScope();
        var tf = Zeros();
        tf.Remove("mixed3a_1x1_w");
        var e = Reject(tf);
        Assert.Contains(
            "missing tensor 'mixed3a_1x1_w' [1, 1, 192, 64] (nearest names in the file: mixed3a_1x1_b, mixed3b_1x1_w, mixed4a_1x1_w)",
            e.Message
        );
    }

    [Fact]
    public void UnknownExtraTensorsAreListedNotSkipped()
    {
        using var scope = NewDisposeScope();
        var tf = Zeros();
        tf["conv2d3_w"] = zeros(3, 3, 192, 192);
        tf["global_step"] = zeros(1);
        var e = Reject(tf);
        Assert.Contains(
            "unknown tensor(s) not part of InceptionV1: 'conv2d3_w' (nearest InceptionV1 names: conv2d0_w, conv2d1_w, conv2d2_w), 'global_step'",
            e.Message
        );
    }

    [Fact]
    public void NonFloatWeightsAreRejected()
    {
        using var scope = NewDisposeScope();
        var tf = Zeros();
        tf["conv2d0_b"] = zeros(new long[] { 64 }, ScalarType.Int32);
        Assert.Contains(
            "tensor 'conv2d0_b' has dtype Int32; weights must be floating point",
            Reject(tf).Message
        );
    }

    [Fact]
    public void MissingFilesNameTheFullPath()
    {
        var pb = Path.Combine(Path.GetTempPath(), "no-such-dir", "x.pb");
        var e1 = Assert.Throws<FileNotFoundException>(() => ModelRegistry.Load(pb));
        Assert.Contains($"Model file not found: {pb}", e1.Message);
        var e2 = Assert.Throws<FileNotFoundException>(() =>
            InceptionV1Weights.Load("nothing-here.safetensors")
        );
        Assert.Contains(
            $"InceptionV1 weights file not found: {Path.GetFullPath("nothing-here.safetensors")}",
            e2.Message
        );
        var e3 = Assert.Throws<FileNotFoundException>(() => TfGraphDef.Read("nothing-here.pb"));
        Assert.Contains(
            $"TensorFlow graph file not found: {Path.GetFullPath("nothing-here.pb")}",
            e3.Message
        );
    }

    [Fact]
    public void CorruptPbNamesTheFileAndTheByteOffset()
    {
        using var scope = NewDisposeScope();
        var good = TfGraphWriter.Graph([
            TfGraphWriter.FloatConst("conv2d0_b", arange(64, dtype: ScalarType.Float32)),
        ]);
        // Truncated: the node's declared length runs past the end.
        var e = Assert.Throws<InvalidDataException>(() =>
            TfGraphDef.Parse(good[..(good.Length / 2)], "cut.pb")
        );
        Assert.StartsWith("cut.pb: offset 0: corrupt protobuf in GraphDef", e.Message);
        // Not a protobuf at all (a JPEG header): an invalid wire type at offset 0.
        var e2 = Assert.Throws<InvalidDataException>(() =>
            TfGraphDef.Parse([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10], "photo.pb")
        );
        Assert.StartsWith(
            "photo.pb: offset 0: corrupt protobuf in GraphDef (invalid wire type 7",
            e2.Message
        );
        // tensor_content shorter than the shape needs: names the node, the sizes and the offset of
        // the content.
        var bad = TfGraphWriter.Graph([
            TfGraphWriter.FloatConst("conv2d0_b", arange(64, dtype: ScalarType.Float32)),
        ]);
        int at = IndexOf(bad, [0x22, 0x80, 0x02]); // tensor_content tag (field 4, wire 2) + varint length 256
        bad[at + 1] = 0xFC;
        bad[at + 2] = 0x01; // declare 252 bytes: the content now ends 4 bytes early
        var e3 = Assert.Throws<InvalidDataException>(() => TfGraphDef.Parse(bad, "short.pb"));
        Assert.Contains("short.pb: offset ", e3.Message);
    }

    [Fact]
    public void TensorContentOfTheWrongSizeNamesTheConstAndTheBytes()
    {
        using var scope = NewDisposeScope();
        // A Const whose shape says [64] but whose content holds 63 floats.
        var node = TfGraphWriter.FloatConst("conv2d0_b", arange(63, dtype: ScalarType.Float32));
        var bytes = TfGraphWriter.Graph([
            node with
            {
                Tensor = ReplaceShape(node.Tensor!, 63, 64),
            },
        ]);
        var e = Assert.Throws<InvalidDataException>(() => TfGraphDef.Parse(bytes, "g.pb"));
        Assert.Matches(
            @"^g\.pb: offset \d+: Const 'conv2d0_b' \(DT_FLOAT \[64\]\) needs 256 bytes of tensor_content; found 252\.$",
            e.Message
        );
    }

    /// <summary>Changes the one-dimension size varint in a TensorProto (both values below 128: one
    /// byte).</summary>
    static byte[] ReplaceShape(byte[] tensorProto, byte from, byte to)
    {
        var copy = (byte[])tensorProto.Clone();
        int at = IndexOf(copy, [0x08, from]); // Dim.size tag (field 1, varint) + value
        copy[at + 1] = to;
        return copy;
    }

    static int IndexOf(byte[] hay, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= hay.Length; i++)
            if (hay.AsSpan(i, needle.Length).SequenceEqual(needle))
                return i;
        throw new InvalidOperationException("pattern not found");
    }

    [Fact]
    public void UnknownLayerAndParameterNamesListTheNearestLucidNames()
    {
        using var m = InceptionV1Model.Create();
        var e = Assert.Throws<UnknownLayerException>(() => m.Layer("mixed4z"));
        Assert.Contains(
            "Unknown layer 'mixed4z' in model 'InceptionV1'. Nearest valid names: mixed4a, mixed4b, mixed4c",
            e.Message
        );
        var e2 = Assert.Throws<UnknownLayerException>(() => m.Parameters["mixed3a_1x1_weights"]);
        Assert.Contains("Unknown parameter 'mixed3a_1x1_weights'", e2.Message);
        Assert.Contains("mixed3a_1x1_w", e2.Message);
    }

    [Fact]
    public void TheRegistryKnowsInceptionV1ByItsNamesAndFileTypes()
    {
        Assert.Contains("inceptionv1", ModelRegistry.Names);
        Assert.Contains("inception5h", ModelRegistry.Names);
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.Load("inceptionv2"));
        Assert.Contains("Unknown model 'inceptionv2'", e.Message);
        Assert.Contains("inceptionv1", e.Message);
        Assert.Contains(".pb", e.Message);
        Assert.Contains(".safetensors", e.Message);
    }

    [Fact]
    public void OtherExtensionsAreNotInceptionWeights()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            InceptionV1Weights.ReadTfTensors(typeof(ErrorMessageTests).Assembly.Location)
        );
        Assert.Contains(
            "InceptionV1 weights must be a .pb (TF graph) or .safetensors file",
            e.Message
        );
    }
}
