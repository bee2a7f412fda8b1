using Notebooks.Weights.Explorer;
using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Models.InceptionV1;
using Notebooks.Weights.Tests.Models.InceptionV1;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Explorer;

/// <summary>
/// <c>weights explore --lucid-hosted</c>: InceptionV1's feature visualizations are Lucid's hosted
/// images, fetched from Lucid's URL layout (<c>images/neuron/LAYER_UNIT.jpg</c>) — here a local
/// server on 127.0.0.1 serving fake JPEGs, one gray level per unit — downloaded once and shown as
/// the units' pictures; no internet.
/// </summary>
[Collection("explorer")]
public sealed class LucidHostedExplorerTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("explorer-lucid-").FullName;

    static float Gray(int unit) => 0.1f + 0.1f * (unit % 8);

    [Fact]
    public void StaticSite_TakesEveryFeatureVisualizationFromLucidsUrlLayoutOnce()
    {
        var files = new Dictionary<string, byte[]>();
        foreach (var layer in new[] { "conv2d0", "conv2d1" })
            for (int u = 0; u < 64; u++)
            {
                using var scope = NewDisposeScope();
                files[$"/mirror/images/neuron/{layer}_{u}.jpg"] = ImageFiles.EncodeJpeg(
                    full(16, 16, 3, Gray(u))
                );
            }
        using var server = new LocalHttpServer(files);
        using var model = InceptionV1Model.Create();
        var options = new ExplorerOptions
        {
            Layers = ["conv2d0"],
            UnitsPerLayer = 2,
            TopK = 2,
            FeatureVisSize = 32,
            FeatureVisSteps = 2,
            FeatureVisCacheRoot = Path.Combine(_root, "cache"),
            LucidHosted = true,
            LucidBaseUrl = server.BaseUrl + "/images/neuron/",
        };
        using (var site = ExplorerSite.Create(model, options))
        {
            // conv2d1 reads conv2d0 through maxpool0 and localresponsenorm0 (both keep the units):
            // its inputs are conv2d0's units.
            Assert.Equal(
                ("conv2d0", "localresponsenorm0"),
                (site.Plan.Find("conv2d1")!.Previous, site.Plan.Find("conv2d1")!.Source)
            );
            // The auxiliary heads' bottleneck convs are off the main path: they are not explorer
            // layers; the conv layers come first, then the mixed blocks (InceptionV1ExplorerTests).
            Assert.Equal(
                ["conv2d0", "conv2d1", "conv2d2", "mixed3a"],
                site.Plan.Candidates.Take(4).Select(l => l.Name)
            );
            Assert.DoesNotContain(site.Plan.Candidates, l => l.Name.StartsWith("head"));
            var summary = ExplorerSiteWriter.Write(site, Path.Combine(_root, "site"));
            Assert.True(summary.FeatureVisRendered >= 2, $"{summary.FeatureVisRendered} downloads");
            // conv2d0's two units and the conv2d1 units among their top outputs, each fetched once
            // by Lucid's file name.
            var fetched = server.Requests.ToList();
            Assert.Equal(fetched.Distinct().Count(), fetched.Count);
            Assert.Contains("/mirror/images/neuron/conv2d0_0.jpg", fetched);
            Assert.Contains("/mirror/images/neuron/conv2d0_1.jpg", fetched);
            Assert.Contains(fetched, p =>
                p.StartsWith("/mirror/images/neuron/conv2d1_", StringComparison.Ordinal)
            );
            Assert.All(fetched, p =>
                Assert.Matches(@"^/mirror/images/neuron/conv2d[01]_\d+\.jpg$", p)
            );
            foreach (var u in new[] { 0, 1 })
            {
                using var scope = NewDisposeScope();
                var png = ImageFiles.Load(
                    Path.Combine(_root, "site", "img", "fv", $"conv2d0_{u}.png")
                );
                Assert.Equal(Gray(u), png.mean().item<float>(), 1);
                Assert.True(
                    File.Exists(Path.Combine(_root, "cache", "lucid-hosted", $"conv2d0_{u}.jpg"))
                );
            }
            Assert.Contains(
                "hosted image (InceptionV1 weight explorer)",
                File.ReadAllText(Path.Combine(_root, "site", "conv2d0_0.html"))
            );
        }
        // A second site from the same cache downloads nothing.
        int before = server.Requests.Count;
        using (var again = ExplorerSite.Create(model, options))
            Assert.Equal(
                0,
                ExplorerSiteWriter.Write(again, Path.Combine(_root, "site2")).FeatureVisRendered
            );
        Assert.Equal(before, server.Requests.Count);
    }

    [Fact]
    public void LucidHosted_OnAnotherModel_IsAClearError()
    {
        using var model = Notebooks.Weights.Models.Default.DefaultModel.Load();
        var e = Assert.Throws<ArgumentException>(() =>
            ExplorerSite.Create(model, new ExplorerOptions { LucidHosted = true })
        );
        Assert.Contains("only for InceptionV1", e.Message);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException) { }
    }
}
