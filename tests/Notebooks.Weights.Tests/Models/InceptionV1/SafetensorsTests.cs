using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Notebooks.Weights.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.InceptionV1;

public class SafetensorsTests
{
    /// <summary>A file assembled by hand from the format description: 8-byte LE header size, JSON
    /// header, raw little-endian data.</summary>
    static byte[] HandMade(string header, byte[] data)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)h.Length);
        h.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + h.Length);
        return bytes;
    }

    static byte[] Floats(params float[] f)
    {
        var b = new byte[f.Length * 4];
        for (int i = 0; i < f.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), f[i]);
        return b;
    }

    [Fact]
    public void ReadsAHandMadeFileWithMetadataAndTwoDtypes()
    {
        var data = Floats(1, 2, 3, 4, 5, 6).Concat(new byte[] { 7, 0, 0, 0, 0, 0, 0, 0 }).ToArray();
        var file = HandMade(
            """{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"n":{"dtype":"I64","shape":[1],"data_offsets":[24,32]}}""",
            data
        );
        var c = Safetensors.Parse(file, "hand.safetensors");
        Assert.Equal("pt", c.Metadata["format"]);
        var t = c.ToDictionary();
        Assert.Equal(new long[] { 2, 3 }, t["w"].shape);
        Assert.Equal(6f, t["w"][1, 2].item<float>());
        Assert.Equal(ScalarType.Int64, t["n"].dtype);
        Assert.Equal(7L, t["n"][0].item<long>());
    }

    [Fact]
    public void WritesTheDocumentedLayoutAndRoundTripsEveryDtype()
    {
        var dir = WeightFiles.TempDir();
        try
        {
            using var scope = NewDisposeScope();
            var tensors = new Dictionary<string, Tensor>
            {
                ["f32"] = tensor(new float[] { 1.5f, -2f, 3.25f }).reshape(3, 1),
                ["f64"] = tensor(new double[] { Math.PI }),
                ["f16"] = tensor(new float[] { 0.5f, 2f }).to(ScalarType.Float16),
                ["i64"] = tensor(new long[] { long.MinValue, 5 }),
                ["u8"] = tensor(new byte[] { 0, 255 }),
                ["flag"] = tensor(new[] { true, false }),
                ["scalar"] = tensor(4f),
                ["empty"] = zeros(0, 3),
            };
            var path = Path.Combine(dir, "t.safetensors");
            Safetensors.Save(path, tensors, new Dictionary<string, string> { ["note"] = "hi" });
            var bytes = File.ReadAllBytes(path);
            long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            Assert.Equal(0, (8 + n) % 8); // data aligned
            using var doc = JsonDocument.Parse(bytes.AsMemory(8, (int)n));
            var f32 = doc.RootElement.GetProperty("f32");
            Assert.Equal("F32", f32.GetProperty("dtype").GetString());
            Assert.Equal("[3,1]", f32.GetProperty("shape").GetRawText());
            Assert.Equal("[0,12]", f32.GetProperty("data_offsets").GetRawText());
            Assert.Equal(
                -2f,
                BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + (int)n + 4))
            );
            Assert.Equal(
                "hi",
                doc.RootElement.GetProperty("__metadata__").GetProperty("note").GetString()
            );

            var back = Safetensors.Load(path);
            Assert.Equal(tensors.Keys, back.Keys);
            foreach (var (k, t) in tensors)
            {
                Assert.Equal(t.dtype, back[k].dtype);
                Assert.Equal(t.shape, back[k].shape);
                Assert.True(t.equal(back[k]).all().item<bool>(), k);
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData(
        "length",
        "c.safetensors: offset 0: header length 1000000 runs past the end of the file (20 bytes)"
    )]
    [InlineData("json", "c.safetensors: offset 15: header is not valid JSON")] // byte 7 of the header: the "o" of oops
    [InlineData(
        "outside",
        "c.safetensors: offset 88: tensor 'w' data_offsets [0, 400] fall outside the data buffer of 8 bytes"
    )]
    [InlineData("size", "tensor 'w' (F32 [3]) needs 12 bytes; data_offsets [0, 8] hold 8")]
    [InlineData(
        "overlap",
        "tensor 'b' data_offsets [0, 4] overlap the previous tensor (which ends at 4)"
    )]
    [InlineData("trailing", "4 bytes after the last tensor are not described by the header")]
    [InlineData("twice", "c.safetensors: offset 8: tensor 'a' is defined twice in the header")]
    [InlineData(
        "dtype",
        "tensor 'w': unsupported dtype 'F8' (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)"
    )]
    public void CorruptFilesNameTheFileTheTensorAndTheOffset(string kind, string expected)
    {
        byte[] file = kind switch
        {
            "length" => Enumerable
                .Repeat((byte)0, 20)
                .Select(
                    (b, i) =>
                        i switch
                        {
                            0 => (byte)0x40,
                            1 => (byte)0x42,
                            2 => (byte)0x0F,
                            _ => b,
                        }
                )
                .ToArray(),
            "json" => HandMade("{\"w\": [oops", []),
            "outside" => HandMade(
                Pad("""{"w":{"dtype":"F32","shape":[100],"data_offsets":[0,400]}}""", 80),
                new byte[8]
            ),
            "size" => HandMade(
                """{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""",
                new byte[8]
            ),
            "overlap" => HandMade(
                """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""",
                new byte[4]
            ),
            "twice" => HandMade(
                """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""",
                new byte[8]
            ),
            "trailing" => HandMade(
                """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""",
                new byte[8]
            ),
            _ => HandMade("""{"w":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}}""", new byte[1]),
        };
        var e = Assert.Throws<InvalidDataException>(() => Safetensors.Parse(file, "c.safetensors"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("c.safetensors: offset ", e.Message);
    }

    static string Pad(string json, int length) => json + new string(' ', length - json.Length);

    [Fact]
    public void MissingFileNamesTheFullPath()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Safetensors.Load("no/such.safetensors"));
        Assert.Contains(Path.GetFullPath("no/such.safetensors"), e.Message);
    }
}
