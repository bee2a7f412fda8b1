using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;

namespace Notebooks.Weights.Interactive.Tests;

public class PackTests
{
    /// <summary>Release or Debug: the configuration this test assembly was built in (packing reuses
    /// those outputs).</summary>
    static string Configuration =>
        typeof(PackTests)
            .Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!
            .Configuration;

    static void Pack(string project, string outDir, params string[] extra)
    {
        var psi = new ProcessStartInfo(
            "dotnet",
            ["pack", project, "-c", Configuration, "--no-build", "--nologo", "-o", outDir, .. extra]
        )
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Util.RepoRoot(),
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), "dotnet pack timed out");
        Assert.True(
            p.ExitCode == 0,
            $"dotnet pack {project} failed ({p.ExitCode}):\n{stdout.Result}\n{stderr.Result}"
        );
    }

    static (HashSet<string> Entries, XDocument Nuspec, ZipArchive Zip) Open(string dir, string id)
    {
        var file = Directory
            .GetFiles(dir, id + ".*.nupkg")
            .Single(f =>
                !f.EndsWith(".symbols.nupkg")
                && Path.GetFileName(f)[id.Length + 1] is >= '0' and <= '9'
            );
        var zip = ZipFile.OpenRead(file);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
        using var s = zip.Entries.Single(e => e.FullName == id + ".nuspec").Open();
        return (entries, XDocument.Load(s), zip);
    }

    static IEnumerable<string> DependencyIds(XDocument nuspec) =>
        nuspec
            .Descendants()
            .Where(e => e.Name.LocalName == "dependency")
            .Select(e => (string)e.Attribute("id")!);

    [Fact]
    public void Packages_hold_extension_dib_assemblies_xml_docs_and_native_targets_at_their_paths()
    {
        var dir = Directory.CreateTempSubdirectory("nw-pack-");
        try
        {
            Pack("src/Notebooks.Weights/Notebooks.Weights.csproj", dir.FullName);
            Pack(
                "kernel-extension/Notebooks.Weights.Interactive/Notebooks.Weights.Interactive.csproj",
                dir.FullName
            );

            var (ext, extSpec, extZip) = Open(dir.FullName, "Notebooks.Weights.Interactive");
            using (extZip)
            {
                Assert.Contains("interactive-extensions/dotnet/extension.dib", ext);
                Assert.Contains("lib/net10.0/Notebooks.Weights.Interactive.dll", ext);
                var deps = DependencyIds(extSpec).ToList();
                Assert.Contains("Notebooks.Weights", deps);
                Assert.DoesNotContain("Microsoft.DotNet.Interactive.Formatting", deps); // the kernel provides it
                using var r = new StreamReader(
                    extZip.GetEntry("interactive-extensions/dotnet/extension.dib")!.Open()
                );
                var dib = r.ReadToEnd();
                Assert.Contains("#!csharp", dib);
                Assert.Contains("Notebooks.Weights.Runtime.TorchRuntime.EnsureLoaded();", dib);
                Assert.Contains("Notebooks.Weights.Interactive.Formatters.Register();", dib);
                Assert.True(
                    dib.IndexOf("EnsureLoaded", StringComparison.Ordinal)
                        < dib.IndexOf("Formatters.Register", StringComparison.Ordinal)
                );
                // the calls in extension.dib exist as public static methods
                Assert.NotNull(
                    typeof(Formatters).GetMethod(
                        "Register",
                        BindingFlags.Public | BindingFlags.Static,
                        Type.EmptyTypes
                    )
                );
                Assert.NotNull(
                    typeof(Notebooks.Weights.Runtime.TorchRuntime).GetMethod(
                        "EnsureLoaded",
                        BindingFlags.Public | BindingFlags.Static,
                        Type.EmptyTypes
                    )
                );
            }

            var (core, coreSpec, coreZip) = Open(dir.FullName, "Notebooks.Weights");
            using (coreZip)
            {
                Assert.Contains("lib/net10.0/Notebooks.Weights.dll", core);
                Assert.Contains("buildTransitive/Notebooks.Weights.targets", core);
                Assert.Contains("buildTransitive/ElfVersionNeeds.cs", core);
                // The library carries its own kernel extension: native runtime first, then the
                // formatters of KernelFormatters.
                Assert.Contains("interactive-extensions/dotnet/extension.dib", core);
                using (
                    var dibReader = new StreamReader(
                        coreZip.GetEntry("interactive-extensions/dotnet/extension.dib")!.Open()
                    )
                )
                {
                    var coreDib = dibReader.ReadToEnd();
                    Assert.Contains("#!csharp", coreDib);
                    var ensure = coreDib.IndexOf(
                        "Notebooks.Weights.Runtime.TorchRuntime.EnsureLoaded();",
                        StringComparison.Ordinal
                    );
                    var register = coreDib.IndexOf(
                        "Notebooks.Weights.Interactive.KernelFormatters.All",
                        StringComparison.Ordinal
                    );
                    Assert.True(
                        ensure >= 0 && register > ensure,
                        "the library's extension.dib loads the native runtime, then registers the formatters"
                    );
                }
                // The XML docs ride along (hover help in notebooks): a real member summary, and
                // every public type.
                Assert.Contains("lib/net10.0/Notebooks.Weights.xml", core);
                XDocument docs;
                using (var xml = coreZip.GetEntry("lib/net10.0/Notebooks.Weights.xml")!.Open())
                    docs = XDocument.Load(xml);
                var members = docs.Descendants("member")
                    .ToDictionary(m => (string)m.Attribute("name")!, m => m);
                var get = members
                    .Single(m =>
                        m.Key.StartsWith(
                            "M:Notebooks.Weights.Connections.ExpandedWeights.Get(",
                            StringComparison.Ordinal
                        )
                    )
                    .Value;
                var summary = get.Element("summary")!;
                Assert.Contains(
                    "expanded weights",
                    string.Concat(summary.Nodes()),
                    StringComparison.Ordinal
                );
                Assert.Contains(summary.Descendants("paramref"), p =>
                    (string?)p.Attribute("name") == "layer1"
                );
                var undocumented = typeof(Notebooks.Weights.Connections.ExpandedWeights)
                    .Assembly.GetExportedTypes()
                    .Select(t => "T:" + t.FullName!.Replace('+', '.'))
                    .Where(id => !members.ContainsKey(id))
                    .ToList();
                Assert.True(
                    undocumented.Count == 0,
                    "public types without docs in the packed XML: "
                        + string.Join(", ", undocumented)
                );
                var deps = DependencyIds(coreSpec).ToList();
                Assert.Contains("TorchSharp-cpu", deps);
                Assert.Contains("SkiaSharp", deps);
                using var r = new StreamReader(
                    coreZip.GetEntry("buildTransitive/Notebooks.Weights.targets")!.Open()
                );
                Assert.Contains("$(MSBuildThisFileDirectory)ElfVersionNeeds.cs", r.ReadToEnd());
            }
        }
        finally
        {
            dir.Delete(true);
        }
    }

    static (int Code, string Out, string Err) Exec(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Util.RepoRoot(),
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(
            p.WaitForExit(TimeSpan.FromMinutes(3)),
            $"{file} {string.Join(' ', args)} timed out"
        );
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The CLI packs as a .NET tool: <c>dotnet tool install</c> into a tool path gives a
    /// working <c>weights</c> command.</summary>
    [Fact]
    public void Cli_packs_as_a_dotnet_tool_that_installs_and_runs()
    {
        var dir = Directory.CreateTempSubdirectory("nw-tool-");
        try
        {
            var packages = Path.Combine(dir.FullName, "packages");
            var version = "1.0.0-tooltest." + DateTime.UtcNow.ToString("yyyyMMddHHmmss");
            Pack(
                "src/Notebooks.Weights.Cli/Notebooks.Weights.Cli.csproj",
                packages,
                $"-p:Version={version}"
            );
            var tools = Path.Combine(dir.FullName, "tools");
            var install = Exec(
                "dotnet",
                "tool",
                "install",
                "Notebooks.Weights.Cli",
                "--tool-path",
                tools,
                "--add-source",
                packages,
                "--version",
                version
            );
            Assert.True(
                install.Code == 0,
                $"dotnet tool install failed ({install.Code}):\n{install.Out}\n{install.Err}"
            );

            var weights = Path.Combine(tools, "weights");
            var v = Exec(weights, "--version");
            Assert.True(v.Code == 0, v.Err);
            // --no-build packs the built assembly: the tool reports its informational version (not
            // the package's).
            var built = FileVersionInfo
                .GetVersionInfo(
                    Path.Combine(
                        Util.RepoRoot(),
                        "src/Notebooks.Weights.Cli/bin",
                        Configuration,
                        "net10.0/weights.dll"
                    )
                )
                .ProductVersion;
            Assert.False(string.IsNullOrEmpty(built));
            Assert.Equal(built, v.Out.Trim());
            var layers = Exec(weights, "layers", "--model", "default");
            Assert.True(layers.Code == 0, layers.Err);
            Assert.Contains("conv2d0_pre_relu", layers.Out);
            Assert.Contains("at 64 px", layers.Out);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
