using System.Diagnostics;
using Notebooks.Weights.Runtime;

namespace Notebooks.Weights.Tests.Runtime;

/// <summary>
/// The notebook-kernel case: natives come unpatched (as from the NuGet cache) and the library
/// patches a copy at run time. Simulated by running the built `weights` tool from a copy whose
/// libLibTorchSharp.so is the original, unpatched file.
/// </summary>
public class RuntimeFallbackTests
{
    [Fact]
    public void UnpatchedNativeLibraryLoadsThroughTheRuntimeFallback()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var libstdcxx = ElfVersionNeeds.FindSystemLibStdCxx()!;
        bool needed = !ElfVersionNeeds.Defines(libstdcxx, "GLIBCXX_3.4.32");

        var cliDir = Path.GetDirectoryName(
            typeof(Notebooks.Weights.Cli.CliHost).Assembly.Location
        )!;
        var cache = Directory.CreateTempSubdirectory("nw-cache-").FullName;
        try
        {
            // Two applications one after the other sharing one user cache, the first deleted before
            // the second starts (a file-based app's build folder, a notebook kernel's temp folder):
            // the second must not reuse links into the first one's folder.
            RunDoctorFromUnpatchedCopy(cliDir, cache, needed);
            RunDoctorFromUnpatchedCopy(cliDir, cache, needed);
            if (needed)
                Assert.Equal(
                    2,
                    Directory
                        .GetFiles(
                            Path.Combine(cache, "native"),
                            "libLibTorchSharp.so",
                            SearchOption.AllDirectories
                        )
                        .Length
                );
        }
        finally
        {
            Directory.Delete(cache, true);
        }
    }

    static void RunDoctorFromUnpatchedCopy(string cliDir, string cache, bool needed)
    {
        var tmp = Directory.CreateTempSubdirectory("nw-fallback-").FullName;
        try
        {
            CopyDir(cliDir, tmp);
            var native = Path.Combine(
                tmp,
                "runtimes",
                "linux-x64",
                "native",
                "libLibTorchSharp.so"
            );
            if (!File.Exists(native))
                native = Path.Combine(tmp, "libLibTorchSharp.so");
            // Undo the build patch: this copy now behaves like the NuGet cache's file.
            var bytes = File.ReadAllBytes(native);
            var entry = ElfVersionNeeds
                .Read(bytes, native)
                .Single(e => e.Version == "GLIBCXX_3.4.32");
            bytes[entry.FlagsOffset] &= unchecked((byte)~ElfVersionNeeds.VerFlagWeak);
            var mtime = File.GetLastWriteTimeUtc(native);
            File.WriteAllBytes(native, bytes);
            File.SetLastWriteTimeUtc(native, mtime); // as every copy of the package file has: same size, same time
            Assert.False(
                ElfVersionNeeds.Read(native).Single(e => e.Version == "GLIBCXX_3.4.32").IsWeak
            );

            var psi = new ProcessStartInfo(
                "dotnet",
                [Path.Combine(tmp, "weights.dll"), "doctor", "--isa", "none"]
            )
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            psi.Environment["NOTEBOOKS_WEIGHTS_CACHE"] = cache;
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEnd();
            var stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"doctor failed ({p.ExitCode}):\n{stdout}\n{stderr}");
            Assert.Contains("conv forward+backward: ok", stdout);
            // NNPACK is switched off through libtorch's context, so its "Unsupported hardware"
            // warnings never reach stderr.
            Assert.Contains("NNPACK: disabled", stdout);
            Assert.DoesNotContain("NNPACK", stderr);
            if (needed)
            {
                Assert.Contains("loaded patched copy", stdout);
                foreach (
                    var patched in Directory.GetFiles(
                        Path.Combine(cache, "native"),
                        "libLibTorchSharp.so",
                        SearchOption.AllDirectories
                    )
                )
                    Assert.True(
                        ElfVersionNeeds
                            .Read(patched)
                            .Single(e => e.Version == "GLIBCXX_3.4.32")
                            .IsWeak
                    );
                // The "package" copy is left as it was.
                Assert.False(
                    ElfVersionNeeds.Read(native).Single(e => e.Version == "GLIBCXX_3.4.32").IsWeak
                );
            }
            else
                Assert.Contains("no patch needed", stdout);
        }
        finally
        {
            Directory.Delete(tmp, true);
        }
    }

    [Fact]
    public void PatchedCopyLinksOneFilePerNameAppFolderFirstThenNewestPackage()
    {
        var root = Directory.CreateTempSubdirectory("nw-links-").FullName;
        try
        {
            var pk = Path.Combine(root, "packages");
            var native = Path.Combine(
                pk,
                "torchsharp",
                "0.107.0",
                "runtimes",
                "linux-x64",
                "native"
            );
            Directory.CreateDirectory(native);
            File.WriteAllText(Path.Combine(native, "libshm.so"), "app");
            string Pkg(string v) =>
                Path.Combine(pk, "libtorch-cpu-linux-x64", v, "runtimes", "linux-x64", "native");
            foreach (var v in new[] { "2.5.1", "2.10.0" })
            {
                Directory.CreateDirectory(Pkg(v));
                foreach (var f in new[] { "libc10.so", "libshm.so", "libtorch_cpu.so" })
                    File.WriteAllText(Path.Combine(Pkg(v), f), v);
            }
            var deps = TorchRuntime.LibTorchDependencies(native);
            Assert.Equal(3, deps.Count);
            Assert.Contains(Path.Combine(native, "libshm.so"), deps); // the application's own copy wins
            Assert.Contains(Path.Combine(Pkg("2.10.0"), "libc10.so"), deps); // then the newest version (not ordinal "2.5.1")
            Assert.Contains(Path.Combine(Pkg("2.10.0"), "libtorch_cpu.so"), deps);
            Assert.Equal(deps, TorchRuntime.LibTorchDependencies(native)); // the same choice every start
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    static void CopyDir(string from, string to)
    {
        foreach (var d in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(d.Replace(from, to));
        foreach (var f in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(f, f.Replace(from, to), true);
    }
}
