using Notebooks.Weights.Models.Onnx;
using static Notebooks.Weights.Tests.Models.Onnx.OnnxTestSupport;

namespace Notebooks.Weights.Tests.Models.Onnx;

/// <summary>Bad files give errors that name the file and say what is wrong and where (byte offset,
/// tensor, op, node).</summary>
public sealed class OnnxErrorTests() : TempDirectoryTest("nw-onnx-err-")
{
    string Write(string name, byte[] bytes)
    {
        var p = Path.Combine(Dir, name);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    static OnnxWriter ReluModel(int opset = 13) =>
        new OnnxWriter { Opset = opset }
            .Input("x", 1, 2, 3, 3)
            .Node("Relu", "relu_node", ["x"], ["y"])
            .Output("y");

    [Fact]
    public void CorruptByteIsReportedWithItsOffset()
    {
        var bytes = ReluModel().ToBytes();
        // The op_type field of the node: tag 0x22 (field 4, length-delimited), length 4, "Relu".
        // Make the tag's wire type 7.
        int at = IndexOf(bytes, [0x22, 0x04, (byte)'R', (byte)'e', (byte)'l', (byte)'u']);
        Assert.True(at > 0);
        bytes[at] = 0x27;
        var path = Write("corrupt.onnx", bytes);
        var e = Assert.Throws<InvalidDataException>(() => OnnxModel.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains($"byte offset {at}:", e.Message);
        Assert.Contains("wire type 7 for field 4", e.Message);
    }

    [Fact]
    public void TruncatedFileSaysTruncatedWithOffset()
    {
        var full = File.ReadAllBytes(Fixture("resnet_opset13.onnx"));
        var path = Write("truncated.onnx", full[..(full.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => OnnxModel.Load(path));
        Assert.Contains("truncated", e.Message);
        Assert.Contains(path, e.Message);
        Assert.Matches(@"byte offset \d+: field declares \d+ bytes but only \d+ remain", e.Message);
    }

    [Fact]
    public void LengthsPastTheEnclosingMessageOrTheFileAreReportedWithTheirOffset()
    {
        // The node's op_type "Relu" (tag 0x22, length 4) claims more bytes than its NodeProto holds
        // (still inside the file).
        var bytes = ReluModel().ToBytes();
        int at = IndexOf(bytes, [0x22, 0x04, (byte)'R', (byte)'e', (byte)'l', (byte)'u']);
        Assert.True(at > 0);
        int claimed = Math.Min(127, bytes.Length - at - 2);
        bytes[at + 1] = (byte)claimed;
        var e = Assert.Throws<InvalidDataException>(() =>
            OnnxModel.Load(Write("long-string.onnx", bytes))
        );
        Assert.Matches(
            $@"byte offset {at + 1}: field declares {claimed} bytes but only \d+ remain in its enclosing message",
            e.Message
        );
        // ModelProto.producer_name (field 2) declares 5 bytes; the file ends after 2 of them.
        var shortFile = Write("short.onnx", [0x12, 0x05, (byte)'a', (byte)'b']);
        var e2 = Assert.Throws<InvalidDataException>(() => OnnxModel.Load(shortFile));
        Assert.Contains("truncated", e2.Message);
        Assert.Contains("byte offset 1: field declares 5 bytes but only 2 remain", e2.Message);
    }

    [Fact]
    public void NonOnnxFilesAreRejectedClearly()
    {
        var text = Write("notes.onnx", "this is not a model\n"u8.ToArray());
        var e1 = Assert.Throws<InvalidDataException>(() => OnnxModel.Load(text));
        Assert.Contains(text, e1.Message);
        var empty = Write("empty.onnx", []);
        Assert.Contains(
            "is empty",
            Assert.Throws<InvalidDataException>(() => OnnxModel.Load(empty)).Message
        );
        // Valid protobuf, but no graph.
        var noGraph = Write("nograph.onnx", [0x08, 0x07]);
        Assert.Contains(
            "has no graph",
            Assert.Throws<InvalidDataException>(() => OnnxModel.Load(noGraph)).Message
        );
        var missing = Path.Combine(Dir, "absent.onnx");
        Assert.Contains(
            "absent.onnx",
            Assert.Throws<FileNotFoundException>(() => OnnxModel.Load(missing)).Message
        );
    }

    [Fact]
    public void MissingExternalDataFileIsNamed()
    {
        var path = Path.Combine(Dir, "resnet_opset17_external.onnx");
        File.Copy(Fixture("resnet_opset17_external.onnx"), path);
        var e = Assert.Throws<FileNotFoundException>(() => OnnxModel.Load(path));
        Assert.Contains("External data file 'resnet_opset17_external.data'", e.Message);
        Assert.Contains("tensor '", e.Message);
        Assert.Equal(Path.Combine(Dir, "resnet_opset17_external.data"), e.FileName);
    }

    [Fact]
    public void ShortExternalDataFileIsReported()
    {
        var path = Path.Combine(Dir, "resnet_opset17_external.onnx");
        File.Copy(Fixture("resnet_opset17_external.onnx"), path);
        var data = File.ReadAllBytes(Fixture("resnet_opset17_external.data"));
        File.WriteAllBytes(Path.Combine(Dir, "resnet_opset17_external.data"), data[..1000]);
        var e = Assert.Throws<InvalidDataException>(() => OnnxModel.Load(path));
        Assert.Contains("runs past the end of", e.Message);
        Assert.Contains("(1000 bytes)", e.Message);
    }

    [Fact]
    public void UnknownOperatorNamesOpAndNode()
    {
        var path = new OnnxWriter { Opset = 13 }
            .Input("x", 1, 2, 3, 3)
            .Node("Relu", "r", ["x"], ["a"])
            .Node("Mystery", "the_mystery_node", ["a"], ["y"])
            .Output("y")
            .Save(Path.Combine(Dir, "mystery.onnx"));
        var e = Assert.Throws<NotSupportedException>(() => OnnxModel.Load(path));
        Assert.Contains(
            "1 unsupported ONNX operator (1 node): Mystery ×1 (first: 'the_mystery_node')",
            e.Message
        );
        Assert.Contains("Supported operators: Abs, Add,", e.Message);
    }

    /// <summary>Every unsupported operator is listed with its node count (most frequent first), not
    /// only the first met.</summary>
    [Fact]
    public void EveryUnsupportedOperatorIsListedWithItsNodeCount()
    {
        var path = new OnnxWriter { Opset = 13 }
            .Input("x", 1, 2, 3, 3)
            .Node("Celu", "c1", ["x"], ["a"])
            .Node("Relu", "r", ["a"], ["b"])
            .Node("Einsum", "e1", ["b"], ["c"], ("equation", "ij->ij"))
            .Node("Celu", "c2", ["c"], ["d"])
            .Node("Celu", "c3", ["d"], ["e"])
            .DomainNode("com.microsoft", "FusedConv", "fc", ["e"], ["y"])
            .Output("y")
            .Save(Path.Combine(Dir, "many.onnx"));
        var e = Assert.Throws<NotSupportedException>(() => OnnxModel.Load(path));
        Assert.Contains(
            "uses 3 unsupported ONNX operators (5 nodes): Celu ×3 (first: 'c1'); Einsum ×1 (first: 'e1'); com.microsoft:FusedConv ×1 (first: 'fc').",
            e.Message
        );
        Assert.Contains("Only the standard ai.onnx domain is supported.", e.Message);
    }

    [Fact]
    public void CustomDomainOperatorIsRejected()
    {
        var path = new OnnxWriter { Opset = 13 }
            .Input("x", 1, 2, 3, 3)
            .DomainNode("com.example", "Relu", "custom_relu", ["x"], ["y"])
            .Output("y")
            .Save(Path.Combine(Dir, "domain.onnx"));
        var e = Assert.Throws<NotSupportedException>(() => OnnxModel.Load(path));
        Assert.Contains("com.example:Relu ×1 (first: 'custom_relu')", e.Message);
        Assert.Contains("Only the standard ai.onnx domain is supported.", e.Message);
    }

    [Fact]
    public void OpsetOutsideSupportedRangeIsRejected()
    {
        foreach (var opset in new[] { 6, 19 })
        {
            var path = ReluModel(opset).Save(Path.Combine(Dir, $"opset{opset}.onnx"));
            var e = Assert.Throws<NotSupportedException>(() => OnnxModel.Load(path));
            Assert.Contains(
                $"uses ai.onnx opset {opset}; this importer supports opsets 7 to 18",
                e.Message
            );
        }
    }

    [Fact]
    public void UsedSecondaryOutputAndDanglingInputAreRejected()
    {
        var pool = new OnnxWriter { Opset = 12 }
            .Input("x", 1, 2, 4, 4)
            .Node("MaxPool", "pool", ["x"], ["y", "idx"], ("kernel_shape", new long[] { 2, 2 }))
            .Output("y")
            .Output("idx", 7)
            .Save(Path.Combine(Dir, "indices.onnx"));
        var e = Assert.Throws<NotSupportedException>(() => OnnxModel.Load(pool));
        Assert.Contains("node 'pool' (MaxPool)", e.Message);
        Assert.Contains("output 1 ('idx') is used", e.Message);

        var dangling = new OnnxWriter { Opset = 13 }
            .Input("x", 1, 2, 4, 4)
            .Node("Add", "add", ["x", "ghost"], ["y"])
            .Output("y")
            .Save(Path.Combine(Dir, "dangling.onnx"));
        var e2 = Assert.Throws<InvalidDataException>(() => OnnxModel.Load(dangling));
        Assert.Contains("node 'add' (Add)", e2.Message);
        Assert.Contains(
            "reads 'ghost', which no node, initializer or graph input produces",
            e2.Message
        );
    }

    [Fact]
    public void SparseInitializersAreRejectedWithTheirOffset()
    {
        var bytes = ReluModel().ToBytes();
        // Append ModelProto.graph { sparse_initializer {} }: 0x3A len 2, then tag 0x7A (field 15,
        // length-delimited), len 0.
        var path = Write("sparse.onnx", [.. bytes, 0x3A, 0x02, 0x7A, 0x00]);
        var e = Assert.Throws<NotSupportedException>(() => OnnxModel.Load(path));
        Assert.Contains($"sparse initializers (byte offset {bytes.Length + 2})", e.Message);
    }

    [Fact]
    public void UnsupportedAttributeValuesNameTheNode()
    {
        var path = new OnnxWriter { Opset = 13 }
            .Input("x", 1, 2, 4, 4)
            .Node("Pad", "wrap_pad", ["x"], ["y"], ("mode", "wrap"))
            .Output("y")
            .Save(Path.Combine(Dir, "wrap.onnx"));
        var e = Assert.Throws<NotSupportedException>(() => OnnxModel.Load(path));
        Assert.Contains("node 'wrap_pad' (Pad)", e.Message);
        Assert.Contains("Pad mode 'wrap'", e.Message);
    }

    static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
                return i;
        return -1;
    }
}
