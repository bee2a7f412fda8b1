using System.IO.Compression;
using System.Security.Cryptography;
using Notebooks.Weights.Models;
using Notebooks.Weights.Models.InceptionV1;
using Notebooks.Weights.Models.Zoo;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.InceptionV1;

/// <summary>Model zoo downloads against a local HTTP server on 127.0.0.1 (no internet needed). One
/// class: tests touching the env variable run sequentially.</summary>
public class ZooTests
{
    static byte[] Zip(string member, byte[] content)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var s = zip.CreateEntry("inception5h/" + member).Open();
            s.Write(content);
        }
        return ms.ToArray();
    }

    static string Sha(byte[] b) => Convert.ToHexString(SHA256.HashData(b)).ToLowerInvariant();

    [Fact]
    public void DownloadsOnceThroughAZipVerifiesTheChecksumAndLeavesNoTempFiles()
    {
        var dir = WeightFiles.TempDir();
        try
        {
            var payload = RandomNumberGenerator.GetBytes(5000);
            var zip = Zip("graph.pb", payload);
            using var server = new LocalHttpServer(new() { ["/mirror/model.zip"] = zip });
            var entry = new ZooEntry(
                "test",
                "test.pb",
                "a test file",
                [new ZooSource("https://example.invalid/x/model.zip", Sha(zip), "graph.pb")]
            );
            var path = ModelZoo.Fetch(entry, server.BaseUrl, dir);
            Assert.Equal(Path.Combine(dir, "test.pb"), path);
            Assert.Equal(payload, File.ReadAllBytes(path));
            Assert.Equal(path, ModelZoo.Fetch(entry, server.BaseUrl, dir)); // cached: no second request
            Assert.Equal(["/mirror/model.zip"], server.Requests);
            Assert.Equal(["test.pb"], Directory.GetFiles(dir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void TheInception5hEntryRejectsAZipWithTheWrongChecksumAndDeletesIt()
    {
        var dir = WeightFiles.TempDir();
        try
        {
            var zip = Zip("tensorflow_inception_graph.pb", [1, 2, 3]);
            using var server = new LocalHttpServer(new() { ["/mirror/inception5h.zip"] = zip });
            var e = Assert.Throws<InvalidDataException>(() =>
                ModelZoo.Fetch("inception5h", server.BaseUrl, dir)
            );
            Assert.Contains(
                $"Checksum mismatch for inception5h downloaded from {server.BaseUrl}/inception5h.zip",
                e.Message
            );
            Assert.Contains(
                "expected SHA-256 d13569f6a98159de37e92e9c8ec4dae8f674fbf475f69fe6199b514f756d4364",
                e.Message
            );
            Assert.Contains($"got {Sha(zip)}", e.Message);
            Assert.Empty(Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void RegistryNameFallsBackToLucidsPbWhenTheZipIsAbsentAndLoadsEveryTensor()
    {
        var dir = WeightFiles.TempDir();
        try
        {
            using var scope = NewDisposeScope();
            var tf = WeightFiles.RandomTf(21);
            using var server = new LocalHttpServer(
                new() { ["/mirror/InceptionV1.pb"] = WeightFiles.Pb(tf) }
            );
            using var m = new InceptionV1Provider(server.BaseUrl, dir).Load("InceptionV1");
            Assert.Equal(["/mirror/inception5h.zip", "/mirror/InceptionV1.pb"], server.Requests);
            Assert.True(File.Exists(Path.Combine(dir, "inception5h.pb")));
            Assert.True(
                m.Parameters["mixed4d_5x5_w"]
                    .equal(tf["mixed4d_5x5_w"].permute(3, 2, 0, 1))
                    .all()
                    .item<bool>()
            );
            Assert.True(m.Parameters["nn1_w"].equal(tf["nn1_w"].t()).all().item<bool>());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ADownloadMissingTensorsIsRejectedWithTheValidationMessageAndDeleted()
    {
        var dir = WeightFiles.TempDir();
        try
        {
            using var scope = NewDisposeScope();
            var pb = TfGraphWriter.Graph([
                TfGraphWriter.FloatConst("conv2d0_w", zeros(7, 7, 3, 64)),
            ]);
            using var server = new LocalHttpServer(new() { ["/mirror/InceptionV1.pb"] = pb });
            var e = Assert.Throws<InvalidDataException>(() =>
                ModelZoo.Fetch("inception5h", server.BaseUrl, dir)
            );
            Assert.Contains(
                $"The file downloaded from {server.BaseUrl}/InceptionV1.pb for inception5h is not valid and was deleted",
                e.Message
            );
            Assert.Contains("missing tensor 'conv2d0_b' [64]", e.Message);
            Assert.Empty(Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void OfflineDownloadNamesTheUrlsTheCachePathAndHowToPlaceTheFileByHand()
    {
        var dir = WeightFiles.TempDir();
        try
        {
            var baseUrl = $"http://127.0.0.1:{LocalHttpServer.FreePort()}/m"; // nothing listens: connection refused
            var e = Assert.Throws<ModelDownloadException>(() => ModelRegistryLoad(baseUrl, dir));
            var target = Path.Combine(dir, "inception5h.pb");
            Assert.Contains(
                $"tried {baseUrl}/inception5h.zip (connection refused); {baseUrl}/InceptionV1.pb (connection refused)",
                e.Message
            );
            Assert.Contains($"It is cached at {target} once downloaded", e.Message);
            Assert.Contains(
                "download https://storage.googleapis.com/download.tensorflow.org/models/inception5h.zip elsewhere, extract tensorflow_inception_graph.pb from it and place it at "
                    + target,
                e.Message
            );
            Assert.Contains("NOTEBOOKS_WEIGHTS_ZOO_URL", e.Message);
            Assert.Empty(Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    static VisionModel ModelRegistryLoad(string baseUrl, string dir) =>
        new InceptionV1Provider(baseUrl, dir).Load("inception5h");

    [Fact]
    public void TheMirrorEnvironmentVariableRedirectsDownloads()
    {
        var dir = WeightFiles.TempDir();
        var old = Environment.GetEnvironmentVariable(ModelZoo.BaseUrlVariable);
        try
        {
            var payload = new byte[] { 9, 8, 7 };
            using var server = new LocalHttpServer(new() { ["/mirror/f.bin"] = payload });
            Environment.SetEnvironmentVariable(ModelZoo.BaseUrlVariable, server.BaseUrl);
            var entry = new ZooEntry(
                "f",
                "f.bin",
                "a file",
                [new ZooSource("https://example.invalid/f.bin", Sha(payload))]
            );
            Assert.Equal(payload, File.ReadAllBytes(ModelZoo.Fetch(entry, cacheDirectory: dir)));
            Assert.Equal(["/mirror/f.bin"], server.Requests);
        }
        finally
        {
            Environment.SetEnvironmentVariable(ModelZoo.BaseUrlVariable, old);
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void UnknownZooEntryListsTheNearestNames()
    {
        var e = Assert.Throws<KeyNotFoundException>(() => ModelZoo.Entry("inception6h"));
        Assert.Contains(
            "Unknown model zoo entry 'inception6h' in the model zoo. Nearest valid names: inception5h",
            e.Message
        );
    }
}
