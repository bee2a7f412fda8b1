using Notebooks.Weights.IO;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.IO;

public class NpyTests
{
    static string Tmp() => Path.Combine(Path.GetTempPath(), $"nw-{Guid.NewGuid():N}.npy");

    [Fact]
    public void RoundTripsFloatAndIntTensors()
    {
        var p = Tmp();
        try
        {
            var t = arange(24, dtype: float32).reshape(2, 3, 4).div(7);
            Npy.Save(p, t);
            var back = Npy.Load(p);
            Assert.Equal(new long[] { 2, 3, 4 }, back.shape);
            Assert.True(back.allclose(t, rtol: 0, atol: 0));
            var i = arange(5, dtype: int64);
            Npy.Save(p, i);
            Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, Npy.Load(p).data<long>().ToArray());
        }
        finally
        {
            File.Delete(p);
        }
    }

    [Fact]
    public void ReadsTheByteLayoutNumPyWrites()
    {
        // np.save of np.arange(3, dtype='<f4'): header per the NumPy format spec, total padded to a
        // multiple of 64 bytes.
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
        header += new string(' ', 128 - 10 - header.Length - 1) + "\n";
        var bytes = new byte[]
        {
            0x93,
            (byte)'N',
            (byte)'U',
            (byte)'M',
            (byte)'P',
            (byte)'Y',
            1,
            0,
            (byte)header.Length,
            0,
        }
            .Concat(System.Text.Encoding.ASCII.GetBytes(header))
            .Concat(BitConverter.GetBytes(0f))
            .Concat(BitConverter.GetBytes(1f))
            .Concat(BitConverter.GetBytes(2f))
            .ToArray();
        var t = Npy.Parse(bytes, "x.npy");
        Assert.Equal(new[] { 0f, 1f, 2f }, t.data<float>().ToArray());
        // And what we write is byte-identical to that.
        var p = Tmp();
        try
        {
            Npy.Save(p, new[] { 0f, 1f, 2f }, 3);
            Assert.Equal(bytes, File.ReadAllBytes(p));
        }
        finally
        {
            File.Delete(p);
        }
    }

    [Fact]
    public void BadFilesNameFileAndOffset()
    {
        Assert.Contains(
            "file not found: /nonexistent/x.npy",
            Assert.Throws<FileNotFoundException>(() => Npy.Load("/nonexistent/x.npy")).Message
        );
        Assert.Contains(
            "bad.npy: offset 0: not a .npy file",
            Assert
                .Throws<InvalidDataException>(() =>
                    Npy.Parse("hello world!"u8.ToArray(), "bad.npy")
                )
                .Message
        );
        var p = Tmp();
        try
        {
            Npy.Save(p, new[] { 1f, 2f, 3f, 4f }, 2, 2);
            var truncated = File.ReadAllBytes(p)[..^3];
            var e = Assert.Throws<InvalidDataException>(() => Npy.Parse(truncated, "t.npy"));
            Assert.Contains(
                "t.npy: offset 128: expected 16 data bytes for shape (2, 2) of <f4, found 13",
                e.Message
            );
        }
        finally
        {
            File.Delete(p);
        }
    }

    [Fact]
    public void NpzReadsEveryMemberAsNumpyKeysAndNamesBadArchives()
    {
        var dir = Directory.CreateTempSubdirectory("npz").FullName;
        try
        {
            var a = Path.Combine(dir, "a.npy");
            var b = Path.Combine(dir, "b.npy");
            Npy.Save(a, new[] { 1f, -2f, 3.5f }, 3);
            Npy.Save(b, new[] { 4f, 5f, 6f, 7f }, 2, 2);
            var npz = Path.Combine(dir, "x.npz");
            using (
                var zip = System.IO.Compression.ZipFile.Open(
                    npz,
                    System.IO.Compression.ZipArchiveMode.Create
                )
            )
            {
                System.IO.Compression.ZipFileExtensions.CreateEntryFromFile(zip, a, "first.npy");
                System.IO.Compression.ZipFileExtensions.CreateEntryFromFile(zip, b, "second.npy");
            }
            var arrays = Npz.Load(npz);
            Assert.Equal(["first", "second"], arrays.Keys.Order());
            Assert.Equal(new[] { 1f, -2f, 3.5f }, arrays["first"].data<float>().ToArray());
            Assert.Equal(new long[] { 2, 2 }, arrays["second"].shape);
            Assert.Equal(7f, arrays["second"][1, 1].item<float>());
            foreach (var t in arrays.Values)
                t.Dispose();

            File.WriteAllText(Path.Combine(dir, "bad.npz"), "not a zip");
            Assert.Contains(
                "bad.npz: not an .npz (zip) archive",
                Assert
                    .Throws<InvalidDataException>(() => Npz.Load(Path.Combine(dir, "bad.npz")))
                    .Message
            );
            Assert.Throws<FileNotFoundException>(() => Npz.Load(Path.Combine(dir, "missing.npz")));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
