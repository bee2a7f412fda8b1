using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Notebooks.Weights.Runtime;

/// <summary>
/// Makes TorchSharp's native runtime load and compute correctly before any tensor is made. Runs
/// automatically (module initializer) the first time anything in Notebooks.Weights is touched; call
/// <see cref="EnsureLoaded"/> first in a notebook that uses raw TorchSharp before this library.
/// <list type="bullet">
/// <item><b>oneDNN guard.</b> oneDNN 3.7.1 inside libtorch 2.10 (TorchSharp 0.107) computes wrong
/// convolution input-gradients for batches &gt; 1 with its AVX2/AVX-512 JIT kernels on some CPUs
/// (seen on AMD EPYC: up to 144 of 180 small cases wrong with one thread). Limiting oneDNN to AVX
/// fixes it. Unless the user set <c>DNNL_MAX_CPU_ISA</c>, it is set to <c>AVX</c> in the native
/// environment. The test suite checks conv gradients over many shapes so a regression is
/// caught.</item>
/// <item><b>GLIBCXX fallback.</b> Where the build could not patch libLibTorchSharp.so (a notebook
/// kernel loads it from the NuGet cache), a patched copy is made under the user cache and loaded by
/// path first.</item>
/// </list>
/// </summary>
public static partial class TorchRuntime
{
    /// <summary>The oneDNN ISA limit applied when the user has not chosen one.</summary>
    public const string DefaultOneDnnIsa = "AVX";
    const string NeededVersion = "GLIBCXX_3.4.32";
    static readonly object Gate = new();
    static bool _configured;

    /// <summary>What <see cref="EnsureLoaded"/> did, for <c>weights doctor</c> and bug
    /// reports.</summary>
    public static List<string> Log { get; } = [];

    /// <summary>The <c>DNNL_MAX_CPU_ISA</c> oneDNN sees in this process: the user's, or
    /// <see cref="DefaultOneDnnIsa"/> when this class set it; null when neither (not Linux or
    /// macOS, or setenv failed). oneDNN reads it once per process, so <c>weights doctor</c>
    /// compares ISAs in child processes.</summary>
    public static string? OneDnnIsa { get; private set; }

#pragma warning disable CA2255 // Deliberate: the native environment must be set before TorchSharp creates its first tensor.
    [ModuleInitializer]
    internal static void Init() => ConfigureNativeEnvironment();
#pragma warning restore CA2255

    /// <summary>Sets the native environment (oneDNN ISA) and, on Linux with an old libstdc++,
    /// preloads a patched LibTorchSharp when needed.</summary>
    public static void EnsureLoaded() => ConfigureNativeEnvironment();

    static void ConfigureNativeEnvironment()
    {
        lock (Gate)
        {
            if (_configured)
                return;
            _configured = true;
            if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
                return;
            var isa = Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA");
            if (string.IsNullOrEmpty(isa))
            {
                if (setenv("DNNL_MAX_CPU_ISA", DefaultOneDnnIsa, 0) == 0)
                {
                    OneDnnIsa = DefaultOneDnnIsa;
                    Log.Add(
                        $"oneDNN: DNNL_MAX_CPU_ISA={DefaultOneDnnIsa} (AVX2/AVX-512 conv backward is wrong on some CPUs; set DNNL_MAX_CPU_ISA to override; weights doctor checks whether this CPU may)"
                    );
                }
                else
                    Log.Add(
                        $"oneDNN: setenv(DNNL_MAX_CPU_ISA={DefaultOneDnnIsa}) failed (errno {Marshal.GetLastPInvokeError()}); oneDNN keeps its own ISA choice (set DNNL_MAX_CPU_ISA before starting the process)"
                    );
            }
            else
            {
                OneDnnIsa = isa;
                Log.Add($"oneDNN: DNNL_MAX_CPU_ISA={isa} (set by the user)");
            }
            if (OperatingSystem.IsLinux())
            {
                KeepTensorBuffersInTheHeap();
                PreloadPatchedLibTorchSharpIfNeeded();
                DisableNnpack();
            }
        }
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    delegate IntPtr GlobalContextFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    delegate void SetBoolFn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool value);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    delegate bool GetBoolFn(IntPtr context);

    /// <summary>
    /// Turns off libtorch's NNPACK convolution path
    /// (at::globalContext().setUserEnabledNNPACK(false), what PyTorch's
    /// <c>torch.backends.nnpack.set_flags(False)</c> does). On CPUs NNPACK does not support,
    /// libtorch otherwise prints "Could not initialize NNPACK! Reason: Unsupported hardware." on
    /// every convolution that considers it, then falls back to the same convolution it uses with
    /// NNPACK off; results are unchanged.
    /// </summary>
    static void DisableNnpack()
    {
        try
        {
            TorchSharp.torch.InitializeDeviceType(TorchSharp.DeviceType.CPU);
            if (!NativeLibrary.TryLoad("libtorch_cpu.so", out var lib))
            {
                Log.Add("NNPACK: libtorch_cpu.so not found; left as is");
                return;
            }
            if (
                !NativeLibrary.TryGetExport(lib, "_ZN2at13globalContextEv", out var ctxFn)
                || !NativeLibrary.TryGetExport(
                    lib,
                    "_ZN2at7Context20setUserEnabledNNPACKEb",
                    out var setFn
                )
                || !NativeLibrary.TryGetExport(
                    lib,
                    "_ZNK2at7Context17userEnabledNNPACKEv",
                    out var getFn
                )
            )
            {
                Log.Add("NNPACK: libtorch exports not found; left as is");
                return;
            }
            var ctx = Marshal.GetDelegateForFunctionPointer<GlobalContextFn>(ctxFn)();
            Marshal.GetDelegateForFunctionPointer<SetBoolFn>(setFn)(ctx, false);
            bool enabled = Marshal.GetDelegateForFunctionPointer<GetBoolFn>(getFn)(ctx);
            Log.Add(
                enabled
                    ? "NNPACK: could not be disabled"
                    : "NNPACK: disabled (avoids libtorch's 'Unsupported hardware' warnings; same results)"
            );
        }
        catch (Exception e)
        {
            Log.Add($"NNPACK: not changed ({e.GetType().Name}: {e.Message})");
        }
    }

    /// <summary>The glibc malloc mmap threshold applied when the user has not tuned malloc: its
    /// maximum, 32 MiB.</summary>
    public const int MallocMmapThreshold = 32 * 1024 * 1024;

    /// <summary>
    /// libtorch allocates CPU tensors with malloc. glibc serves blocks above its mmap threshold
    /// (adaptive, at first 128 KiB) with a fresh mmap and unmaps them on free, so a loop whose
    /// activations are a few MiB each (feature visualization of a batch, batched expanded weights)
    /// page-faults on every step. Raising the threshold to its maximum (and not trimming the heap)
    /// keeps such buffers in the heap for reuse: same results, fewer page faults, faster steps
    /// (docs/benchmarks.md). Skipped when GLIBC_TUNABLES or MALLOC_MMAP_THRESHOLD_ is set, or when
    /// libc has no mallopt (musl).
    /// </summary>
    static void KeepTensorBuffersInTheHeap()
    {
        if (
            !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("GLIBC_TUNABLES"))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_"))
        )
        {
            Log.Add("malloc: left as tuned by the environment");
            return;
        }
        try
        {
            const int M_TRIM_THRESHOLD = -1,
                M_MMAP_THRESHOLD = -3;
            bool ok =
                mallopt(M_MMAP_THRESHOLD, MallocMmapThreshold) == 1
                & mallopt(M_TRIM_THRESHOLD, int.MaxValue) == 1;
            Log.Add(
                ok
                    ? $"malloc: mmap threshold {MallocMmapThreshold >> 20} MiB, no trimming (tensor buffers reused, not re-mapped)"
                    : "malloc: mallopt refused the thresholds; left as is"
            );
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            Log.Add($"malloc: no mallopt in libc ({e.GetType().Name}); left as is");
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int mallopt(int param, int value);

    static void PreloadPatchedLibTorchSharpIfNeeded()
    {
        try
        {
            var libstdcxx = LoadedLibStdCxx() ?? ElfVersionNeeds.FindSystemLibStdCxx();
            if (libstdcxx is null || ElfVersionNeeds.Defines(libstdcxx, NeededVersion))
            {
                Log.Add(
                    $"libstdc++: {libstdcxx ?? "not found"} defines {NeededVersion}; no patch needed"
                );
                return;
            }
            var shipped = FindShippedLibTorchSharp();
            if (shipped is null)
            {
                Log.Add("LibTorchSharp: not found beside the application or TorchSharp package");
                return;
            }
            var need = ElfVersionNeeds
                .Read(shipped)
                .FirstOrDefault(e => e.Version == NeededVersion);
            if (need is null || need.IsWeak)
            {
                Log.Add($"LibTorchSharp: {shipped} is already loadable (patched at build)");
                return;
            }

            // A patched copy in the user cache, beside links to its libtorch dependencies ($ORIGIN
            // RUNPATH).
            var nativeDir = Path.GetDirectoryName(shipped)!;
            // One cache entry per native directory: links into another application's folder would
            // dangle once it is deleted.
            var stamp =
                $"{new FileInfo(shipped).Length:x}-{File.GetLastWriteTimeUtc(shipped).Ticks:x}-{PathHash(nativeDir)}";
            var dir = Path.Combine(UserCache.Root, "native", stamp);
            Directory.CreateDirectory(dir);
            var patched = Path.Combine(dir, "libLibTorchSharp.so");
            // Reuse a cached copy only if it is whole and patched (another process may have died
            // half-way through).
            if (!IsPatchedCopyOf(patched, shipped))
            {
                var tmp = $"{patched}.{Guid.NewGuid():N}.tmp";
                File.Copy(shipped, tmp, true);
                ElfVersionNeeds.MarkWeak(tmp, "libstdc++.so.6", NeededVersion);
                File.Move(tmp, patched, true);
            }
            foreach (var dep in LibTorchDependencies(nativeDir))
                LinkTo(Path.Combine(dir, Path.GetFileName(dep)), dep);
            NativeLibrary.Load(patched);
            Log.Add(
                $"LibTorchSharp: loaded patched copy {patched} ({NeededVersion} marked weak; original {shipped} untouched)"
            );
        }
        catch (Exception e)
        {
            Log.Add($"LibTorchSharp: runtime patch failed: {e.Message}");
        }
    }

    /// <summary>Makes <paramref name="link"/> a symbolic link to <paramref name="target"/>,
    /// replacing a dangling or different link.</summary>
    internal static void LinkTo(string link, string target)
    {
        if (new FileInfo(link).LinkTarget == target && File.Exists(target))
            return;
        var tmp = $"{link}.{Guid.NewGuid():N}.tmp"; // unique across processes and containers sharing the cache
        File.CreateSymbolicLink(tmp, target);
        try
        {
            File.Move(tmp, link, overwrite: true);
        } // rename: atomic for processes loading the directory at the same time
        catch (IOException)
        {
            File.Delete(tmp);
            if (new FileInfo(link).LinkTarget != target)
                throw; // another process lost the same race the other way
        }
    }

    static bool IsPatchedCopyOf(string patched, string shipped)
    {
        try
        {
            return File.Exists(patched)
                && new FileInfo(patched).Length == new FileInfo(shipped).Length
                && ElfVersionNeeds.Read(patched).FirstOrDefault(e => e.Version == NeededVersion)
                    is { IsWeak: true };
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException)
        {
            return false;
        }
    }

    static string PathHash(string path) =>
        Convert
            .ToHexString(
                System.Security.Cryptography.SHA256.HashData(
                    System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(path))
                )
            )[..12]
            .ToLowerInvariant();

    /// <summary>
    /// The shared libraries a patched LibTorchSharp copy links to: one file per name, the first
    /// found in the application's native folder, then in the libtorch-cpu packages beside
    /// TorchSharp's, newest version first (linking each name to whichever version came last would
    /// flip the links on every start).
    /// </summary>
    public static IReadOnlyList<string> LibTorchDependencies(string nativeDir) =>
        LibTorchDirectories(nativeDir)
            .SelectMany(Directory.EnumerateFiles)
            .Where(d =>
                Path.GetFileName(d) is var n && n != "libLibTorchSharp.so" && n.Contains(".so")
            )
            .DistinctBy(Path.GetFileName)
            .ToList();

    static IEnumerable<string> LibTorchDirectories(string nativeDir)
    {
        yield return nativeDir;
        // NuGet layout: ~/.nuget/packages/torchsharp/0.107.0/runtimes/linux-x64/native ->
        // libtorch-cpu-linux-x64/*/runtimes/linux-x64/native
        var packages = Path.GetFullPath(Path.Combine(nativeDir, "..", "..", "..", "..", ".."));
        if (!Directory.Exists(packages))
            yield break;
        foreach (
            var pkg in Directory
                .EnumerateDirectories(packages, "libtorch-cpu-linux-x64*")
                .Order(StringComparer.Ordinal)
        )
        foreach (
            var ver in Directory
                .EnumerateDirectories(pkg)
                .OrderByDescending(v =>
                    Version.TryParse(Path.GetFileName(v), out var x) ? x : new Version()
                )
        )
        {
            var d = Path.Combine(ver, "runtimes", "linux-x64", "native");
            if (Directory.Exists(d))
                yield return d;
        }
    }

    static string? FindShippedLibTorchSharp()
    {
        var candidates = new List<string>
        {
            Path.Combine(
                AppContext.BaseDirectory,
                "runtimes",
                "linux-x64",
                "native",
                "libLibTorchSharp.so"
            ),
            Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so"),
        };
        var torchDir = Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location);
        if (!string.IsNullOrEmpty(torchDir))
        {
            candidates.Add(
                Path.Combine(torchDir, "runtimes", "linux-x64", "native", "libLibTorchSharp.so")
            );
            candidates.Add(
                Path.GetFullPath(
                    Path.Combine(
                        torchDir,
                        "..",
                        "..",
                        "runtimes",
                        "linux-x64",
                        "native",
                        "libLibTorchSharp.so"
                    )
                )
            );
        }
        return candidates.FirstOrDefault(File.Exists);
    }

    static string? LoadedLibStdCxx()
    {
        try
        {
            return File.ReadLines("/proc/self/maps")
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(p =>
                    p.Length >= 6
                    && Path.GetFileName(p[5]).StartsWith("libstdc++.so", StringComparison.Ordinal)
                )
                .Select(p => p[5])
                .FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
    }

    [LibraryImport(
        "libc",
        EntryPoint = "setenv",
        StringMarshalling = StringMarshalling.Utf8,
        SetLastError = true
    )]
    private static partial int setenv(string name, string value, int overwrite);
}
