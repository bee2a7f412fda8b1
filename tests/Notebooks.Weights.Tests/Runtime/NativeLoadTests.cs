using Notebooks.Weights.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Runtime;

public class NativeLoadTests
{
    public NativeLoadTests() => TorchRuntime.EnsureLoaded();

    static string BuiltCopy =>
        Path.Combine(
            AppContext.BaseDirectory,
            "runtimes",
            "linux-x64",
            "native",
            "libLibTorchSharp.so"
        );

    [Fact]
    public void ConvForwardAndBackwardRun()
    {
        using var scope = NewDisposeScope();
        var x = arange(2 * 3 * 6 * 6, dtype: float32)
            .reshape(2, 3, 6, 6)
            .div(100)
            .requires_grad_(true);
        var conv = nn.Conv2d(3, 1, 3, bias: false);
        using (no_grad())
            conv.weight!.fill_(1f);
        var y = conv.forward(x).sum();
        y.backward();
        // Analytic: each input pixel's gradient is the number of 3x3 windows covering it (one
        // output channel of ones).
        var counts = new float[] { 1, 2, 3, 3, 2, 1 };
        var g = x.grad!;
        var expectedGrad = Enumerable
            .Range(0, 36)
            .Select(k => counts[k / 6] * counts[k % 6])
            .ToArray();
        Assert.Equal(
            string.Join(",", expectedGrad),
            string.Join(",", g[1, 2].clone().data<float>().ToArray())
        );
        // forward: sum over 16 windows of 27 inputs, checked against a direct sum.
        float expected = 0;
        var xs = x.detach().data<float>().ToArray();
        for (int b = 0; b < 2; b++)
        for (int c = 0; c < 3; c++)
        for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
            expected += xs[((b * 3 + c) * 6 + i) * 6 + j] * counts[i] * counts[j];
        Assert.Equal(expected, y.item<float>(), 2);
    }

    [Fact]
    public void BuildMarksTheVersionWeakOnlyWhereNeeded()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var libstdcxx = ElfVersionNeeds.FindSystemLibStdCxx();
        Assert.NotNull(libstdcxx);
        bool needed = !ElfVersionNeeds.Defines(libstdcxx!, "GLIBCXX_3.4.32");
        var entry = ElfVersionNeeds.Read(BuiltCopy).Single(e => e.Version == "GLIBCXX_3.4.32");
        Assert.Equal("libstdc++.so.6", entry.Library);
        Assert.Equal(needed, entry.IsWeak);
        // Every other version need is left as the package shipped it.
        Assert.All(ElfVersionNeeds.Read(BuiltCopy).Where(e => e.Version != "GLIBCXX_3.4.32"), e =>
            Assert.False(e.IsWeak)
        );
    }

    [Fact]
    public void NuGetCacheCopyIsNeverPatched()
    {
        var home = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(
                Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
                ".nuget",
                "packages"
            );
        var cached = Path.Combine(
            home,
            "torchsharp",
            "0.107.0",
            "runtimes",
            "linux-x64",
            "native",
            "libLibTorchSharp.so"
        );
        Assert.True(
            File.Exists(cached),
            $"expected TorchSharp's native library in the NuGet cache at {cached}"
        );
        Assert.False(
            ElfVersionNeeds.Read(cached).Single(e => e.Version == "GLIBCXX_3.4.32").IsWeak
        );
    }

    [Fact]
    public void MarkWeakPatchesOneEntryAndIsIdempotent()
    {
        var tmp = Path.Combine(Path.GetTempPath(), $"nw-elf-{Guid.NewGuid():N}.so");
        var original = ElfVersionNeeds.Read(BuiltCopy);
        File.Copy(BuiltCopy, tmp);
        try
        {
            // Start from an unpatched state regardless of the build machine.
            var bytes = File.ReadAllBytes(tmp);
            var e = original.Single(x => x.Version == "GLIBCXX_3.4.32");
            bytes[e.FlagsOffset] &= unchecked((byte)~ElfVersionNeeds.VerFlagWeak);
            File.WriteAllBytes(tmp, bytes);

            Assert.True(ElfVersionNeeds.MarkWeak(tmp, "libstdc++.so.6", "GLIBCXX_3.4.32"));
            Assert.False(ElfVersionNeeds.MarkWeak(tmp, "libstdc++.so.6", "GLIBCXX_3.4.32"));
            var after = File.ReadAllBytes(tmp);
            var diff = Enumerable.Range(0, bytes.Length).Where(i => bytes[i] != after[i]).ToList();
            Assert.Equal(new[] { (int)e.FlagsOffset }, diff);
            Assert.Equal(
                ElfVersionNeeds.VerFlagWeak,
                (ushort)(after[e.FlagsOffset] ^ bytes[e.FlagsOffset])
            );
        }
        finally
        {
            File.Delete(tmp);
        }
    }

    [Fact]
    public void CorruptElfNamesFileAndOffset()
    {
        var tmp = Path.Combine(Path.GetTempPath(), $"nw-bad-{Guid.NewGuid():N}.so");
        var head = File.ReadAllBytes(BuiltCopy).Take(200).ToArray(); // header claims sections far past the end
        File.WriteAllBytes(tmp, head);
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Read(tmp));
            Assert.Contains(tmp, ex.Message);
            Assert.Contains("offset 0x", ex.Message);
            Assert.Contains("past end of file (200 bytes)", ex.Message);
            File.WriteAllBytes(
                tmp,
                "not an elf file at all, clearly"u8.ToArray().Concat(new byte[64]).ToArray()
            );
            ex = Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Read(tmp));
            Assert.Contains("offset 0x0: not an ELF file", ex.Message);
        }
        finally
        {
            File.Delete(tmp);
        }
    }
}
