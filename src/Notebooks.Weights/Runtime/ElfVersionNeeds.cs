// One file, two users: the library compiles it (runtime fallback for notebook kernels) and
// build/Notebooks.Weights.Native.targets compiles it as an inline MSBuild task (build-time patch).
// Keep it to C# 7.3 so MSBuild's RoslynCodeTaskFactory can compile it.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Notebooks.Weights.Runtime
{
    /// <summary>One entry of an ELF file's <c>.gnu.version_r</c> (version needs) section.</summary>
    public sealed class ElfVersionNeed
    {
        /// <summary>Creates an entry.</summary>
        public ElfVersionNeed(string library, string version, ushort flags, long flagsOffset)
        {
            Library = library;
            Version = version;
            Flags = flags;
            FlagsOffset = flagsOffset;
        }

        /// <summary>The needed shared library, e.g. <c>libstdc++.so.6</c>.</summary>
        public string Library { get; private set; }

        /// <summary>The needed symbol version, e.g. <c>GLIBCXX_3.4.32</c>.</summary>
        public string Version { get; private set; }

        /// <summary>vna_flags; bit 0x2 (VER_FLG_WEAK) makes a missing version non-fatal.</summary>
        public ushort Flags { get; private set; }

        /// <summary>File offset of the vna_flags field.</summary>
        public long FlagsOffset { get; private set; }

        /// <summary>True when VER_FLG_WEAK is set.</summary>
        public bool IsWeak
        {
            get { return (Flags & ElfVersionNeeds.VerFlagWeak) != 0; }
        }
    }

    /// <summary>
    /// Reads and edits the version-need entries of a 64-bit little-endian ELF shared object.
    /// Used to mark <c>GLIBCXX_3.4.32</c> weak in a built copy of TorchSharp's
    /// <c>libLibTorchSharp.so</c>: it needs that version for one symbol
    /// (<c>_ZSt21ios_base_library_initv</c>) it never calls, and libstdc++ before GCC 13 (Debian
    /// 12, Ubuntu 22.04) does not define it.
    /// </summary>
    public static class ElfVersionNeeds
    {
        /// <summary>VER_FLG_WEAK from elf.h.</summary>
        public const ushort VerFlagWeak = 0x2;
        const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>Lists every version-need entry; throws <see cref="InvalidDataException"/>
        /// naming file and offset on a malformed file.</summary>
        public static List<ElfVersionNeed> Read(string path)
        {
            return Read(File.ReadAllBytes(path), path);
        }

        /// <summary>Lists every version-need entry of an ELF image held in memory.</summary>
        public static List<ElfVersionNeed> Read(byte[] elf, string path)
        {
            if (
                elf.Length < 64
                || elf[0] != 0x7f
                || elf[1] != (byte)'E'
                || elf[2] != (byte)'L'
                || elf[3] != (byte)'F'
            )
                throw Bad(path, 0, "not an ELF file (missing \\x7fELF magic)");
            if (elf[4] != 2)
                throw Bad(path, 4, "only 64-bit ELF is supported (EI_CLASS=" + elf[4] + ")");
            if (elf[5] != 1)
                throw Bad(path, 5, "only little-endian ELF is supported (EI_DATA=" + elf[5] + ")");
            long shoff = (long)U64(elf, 0x28, path);
            int shentsize = U16(elf, 0x3A, path);
            int shnum = U16(elf, 0x3C, path);
            if (shentsize < 64)
                throw Bad(path, 0x3A, "section header size " + shentsize + " is smaller than 64");
            var result = new List<ElfVersionNeed>();
            for (int s = 0; s < shnum; s++)
            {
                long sh = shoff + (long)s * shentsize;
                if (U32(elf, sh + 4, path) != ShtGnuVerneed)
                    continue;
                long offset = (long)U64(elf, sh + 0x18, path);
                int link = (int)U32(elf, sh + 0x28, path);
                uint count = U32(elf, sh + 0x2C, path); // sh_info = number of Verneed entries
                if (link >= shnum)
                    throw Bad(
                        path,
                        sh + 0x28,
                        "version-need section links to section " + link + " of " + shnum
                    );
                long strtab = (long)U64(elf, shoff + (long)link * shentsize + 0x18, path);
                long need = offset;
                for (uint n = 0; n < count; n++)
                {
                    int auxCount = U16(elf, need + 2, path);
                    string file = Str(elf, strtab + U32(elf, need + 4, path), path);
                    long aux = need + U32(elf, need + 8, path);
                    for (int a = 0; a < auxCount; a++)
                    {
                        ushort flags = (ushort)U16(elf, aux + 4, path);
                        string name = Str(elf, strtab + U32(elf, aux + 8, path), path);
                        result.Add(new ElfVersionNeed(file, name, flags, aux + 4));
                        uint nextAux = U32(elf, aux + 12, path);
                        if (nextAux == 0)
                            break;
                        aux += nextAux;
                    }
                    uint next = U32(elf, need + 12, path);
                    if (next == 0)
                        break;
                    need += next;
                }
            }
            return result;
        }

        /// <summary>
        /// Sets VER_FLG_WEAK on the entry (library, version) of the file in place. Returns true
        /// when the file changed, false when it was already weak or does not need that version at
        /// all.
        /// </summary>
        public static bool MarkWeak(string path, string library, string version)
        {
            byte[] elf = File.ReadAllBytes(path);
            bool changed = false;
            foreach (var e in Read(elf, path))
            {
                if (e.Library != library || e.Version != version || e.IsWeak)
                    continue;
                ushort flags = (ushort)(e.Flags | VerFlagWeak);
                elf[e.FlagsOffset] = (byte)(flags & 0xff);
                elf[e.FlagsOffset + 1] = (byte)(flags >> 8);
                changed = true;
            }
            if (changed)
            {
                string tmp = path + ".weak-tmp";
                File.WriteAllBytes(tmp, elf);
                File.Copy(tmp, path, true);
                File.Delete(tmp);
            }
            return changed;
        }

        /// <summary>True when the shared library at <paramref name="libraryPath"/> defines the
        /// symbol version (its name appears as a NUL-terminated string).</summary>
        public static bool Defines(string libraryPath, string version)
        {
            byte[] bytes = File.ReadAllBytes(libraryPath);
            byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
            for (int i = 0; i + needle.Length <= bytes.Length; i++)
            {
                if (bytes[i] != needle[0] || (i > 0 && bytes[i - 1] != 0))
                    continue;
                int k = 1;
                while (k < needle.Length && bytes[i + k] == needle[k])
                    k++;
                if (k == needle.Length)
                    return true;
            }
            return false;
        }

        /// <summary>The system libstdc++.so.6 the dynamic loader would pick, or null when none is
        /// found.</summary>
#if NOTEBOOKS_WEIGHTS_LIBRARY
        public static string? FindSystemLibStdCxx()
#else
        public static string FindSystemLibStdCxx()
#endif
        {
            string[] dirs =
            {
                "/usr/lib/x86_64-linux-gnu",
                "/lib/x86_64-linux-gnu",
                "/usr/lib/aarch64-linux-gnu",
                "/usr/lib64",
                "/lib64",
                "/usr/lib",
            };
            foreach (var d in dirs)
            {
                string p = Path.Combine(d, "libstdc++.so.6");
                if (File.Exists(p))
                    return p;
            }
            return null;
        }

        static InvalidDataException Bad(string path, long offset, string what)
        {
            return new InvalidDataException(
                path
                    + ": offset 0x"
                    + offset.ToString("x", System.Globalization.CultureInfo.InvariantCulture)
                    + ": "
                    + what
            );
        }

        static int U16(byte[] b, long o, string path)
        {
            if (o < 0 || o + 2 > b.Length)
                throw Bad(path, o, "read past end of file (" + b.Length + " bytes)");
            return b[o] | (b[o + 1] << 8);
        }

        static uint U32(byte[] b, long o, string path)
        {
            if (o < 0 || o + 4 > b.Length)
                throw Bad(path, o, "read past end of file (" + b.Length + " bytes)");
            return (uint)(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24));
        }

        static ulong U64(byte[] b, long o, string path)
        {
            return U32(b, o, path) | ((ulong)U32(b, o + 4, path) << 32);
        }

        static string Str(byte[] b, long o, string path)
        {
            if (o < 0 || o >= b.Length)
                throw Bad(path, o, "string offset outside the file");
            long end = o;
            while (end < b.Length && b[end] != 0)
                end++;
            if (end == b.Length)
                throw Bad(path, o, "unterminated string");
            return Encoding.ASCII.GetString(b, (int)o, (int)(end - o));
        }
    }
}

#if !NOTEBOOKS_WEIGHTS_LIBRARY
namespace Notebooks.Weights.Build
{
    using Microsoft.Build.Framework;
    using Microsoft.Build.Utilities;
    using Notebooks.Weights.Runtime;

    /// <summary>MSBuild task: marks GLIBCXX_3.4.32 weak in built copies of libLibTorchSharp.so when
    /// the system libstdc++ lacks it.</summary>
    public class WeakenGlibcxxVersionNeed : Task
    {
        [Required]
        public ITaskItem[] Files { get; set; }
        public string Version { get; set; }
        public bool Force { get; set; }

        public override bool Execute()
        {
            string version = string.IsNullOrEmpty(Version) ? "GLIBCXX_3.4.32" : Version;
            if (!Force)
            {
                string libstdcxx = ElfVersionNeeds.FindSystemLibStdCxx();
                if (libstdcxx == null)
                {
                    Log.LogMessage(
                        MessageImportance.Low,
                        "No system libstdc++.so.6 found; not patching."
                    );
                    return true;
                }
                if (ElfVersionNeeds.Defines(libstdcxx, version))
                {
                    Log.LogMessage(
                        MessageImportance.Low,
                        libstdcxx + " defines " + version + "; no patch needed."
                    );
                    return true;
                }
            }
            foreach (var item in Files)
            {
                string path = item.ItemSpec;
                if (
                    path.Contains(
                        Path.DirectorySeparatorChar + ".nuget" + Path.DirectorySeparatorChar
                    )
                )
                {
                    Log.LogError(
                        "Refusing to patch "
                            + path
                            + ": it is in the NuGet cache; only built copies are patched."
                    );
                    return false;
                }
                try
                {
                    if (ElfVersionNeeds.MarkWeak(path, "libstdc++.so.6", version))
                        Log.LogMessage(
                            MessageImportance.High,
                            "Notebooks.Weights: marked " + version + " weak in " + path
                        );
                }
                catch (Exception e)
                {
                    Log.LogError("Notebooks.Weights: cannot patch " + path + ": " + e.Message);
                    return false;
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
}
#endif
