using System.Diagnostics;
using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Models;
using Notebooks.Weights.Models.Onnx;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.FeatureVis;

/// <summary>
/// Issue 17 item 1: feature visualization on every model that imports, including graphs with fixed
/// explicit padding (the real ImageNet ResNet18 of Microsoft.ML.DnnImageFeaturizer.ResNet18, a CNTK
/// export at opset 8, restored by the test project's PackageDownload) and the torchvision exports
/// of Fixtures/Onnx.
/// </summary>
public class InputSizeFitTests(ITestOutputHelper output)
{
    /// <summary>The real ResNet18 file in the NuGet global packages folder.</summary>
    internal static string RealResNet18Path
    {
        get
        {
            var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(
                    Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
                    ".nuget",
                    "packages"
                );
            var path = Path.Combine(
                root,
                "microsoft.ml.dnnimagefeaturizer.resnet18",
                "0.24.0",
                "tools",
                "DnnImageModels",
                "ResNet18Onnx",
                "ResNet18.onnx"
            );
            Assert.True(
                File.Exists(path),
                $"{path} is missing: restore tests/Notebooks.Weights.Tests (PackageDownload Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0)."
            );
            return path;
        }
    }

    /// <summary>
    /// The real ResNet18 by path. Its preprocessing (x255, RGB→BGR, minus the mean image of
    /// ResNetPreprocess.onnx) comes with the registry entry; here [0,1] images are mapped to 255·x
    /// − 117, close to the mean-subtracted range.
    /// </summary>
    internal static VisionModel RealResNet18() =>
        OnnxModel.Load(RealResNet18Path).ToVisionModel(new InputSpec(3, 224, -117, 255 - 117));

    static string? RunError(VisionModel m, int size, string layer)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        try
        {
            m.Activations(full(1, 3, size, size, 0.5f), layer);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// The fit picks, for every size from 60 to 92, an accepted size at the least distance: the
    /// model computes layer3 (ReLU347) there, and every size strictly closer fails when run
    /// directly. The graph really has refused sizes in this range (the issue's 'Plus299' failure),
    /// so the check is not vacuous.
    /// </summary>
    [Fact]
    public void RealResNet18FitPicksTheNearestSizeTheGraphComputes()
    {
        using var m = RealResNet18();
        const string layer = "ReLU347";
        var direct = Enumerable.Range(52, 48).ToDictionary(s => s, s => RunError(m, s, layer));
        var refused = direct.Where(d => d.Value is not null).Select(d => d.Key).ToList();
        output.WriteLine($"refused: {string.Join(" ", refused)}");
        Assert.Contains(direct.Values, v => v is not null && v.Contains("Plus299"));
        Assert.True(refused.Count > 16, $"only {refused.Count} refused sizes");
        var fit = new InputSizeFit(m, [layer]);
        for (int s = 60; s <= 92; s++)
        {
            var (h, w) = fit.Nearest(s, s, 1);
            Assert.Equal(h, w);
            Assert.Null(direct[(int)h]);
            for (long c = s - Math.Abs(h - s) + 1; c < s + Math.Abs(h - s); c++)
                Assert.True(
                    direct[(int)c] is not null,
                    $"size {s}: fit chose {h} but {c} is closer and computes"
                );
            if (direct[s] is null)
                Assert.Equal(s, h);
        }
        // Crop and pad are centered; padding is gray.
        using var scope = NewDisposeScope();
        var img = arange(36f).reshape(1, 1, 6, 6);
        Assert.Equal(
            new float[] { 13, 14, 15, 16, 19, 20, 21, 22 },
            InputSizeFit.Resize(img, 2, 4).flatten().data<float>().ToArray()
        );
        var padded = InputSizeFit.Resize(img, 9, 6);
        Assert.Equal(0.5f, padded[0, 0, 0, 0].item<float>());
        Assert.Equal(0f, padded[0, 0, 1, 0].item<float>());
        Assert.Equal(0.5f, padded[0, 0, 7, 0].item<float>());
        Assert.Equal(0.5f, padded[0, 0, 8, 0].item<float>());
    }

    /// <summary>
    /// Prefitting the standard transforms' declared sizes (what a render does before its first
    /// step) leaves nothing to probe afterwards: 100 seeded transform draws at 64 px then run no
    /// probe, and the fitted sizes are the graph's accepted sizes. The real ResNet18 refuses some
    /// of these sizes, so the prefit also covers the nearest-size search.
    /// </summary>
    [Fact]
    public void PrefitOfTheDeclaredSizesLeavesNoProbeForTheSteps()
    {
        using var m = RealResNet18();
        const string layer = "ReLU347";
        var fit = new InputSizeFit(m, [layer]);
        var sizes = Transforms.Standard.OutputSizes(64, 64)!;
        int probes = fit.Prefit(sizes, 1);
        output.WriteLine($"{sizes.Count} sizes, {probes} probes");
        Assert.Equal(probes, fit.Probes);
        Assert.True(probes > sizes.Count, "no declared size was refused: the check is weaker");
        var r = new Random(4);
        using var scope = NewDisposeScope();
        var x = rand(1, 3, 64, 64);
        for (int i = 0; i < 100; i++)
        {
            var y = fit.Apply(Transforms.Standard.Apply(x, r));
            Assert.Null(RunError(m, (int)y.shape[2], layer));
        }
        Assert.Equal(probes, fit.Probes);
    }

    /// <summary>
    /// The issue's failing command, as a library call: layer3 units of the real ResNet18 with
    /// standard transforms at 64 px. Without the fit the first steps fail like the issue reports;
    /// with it the render runs and the objective rises.
    /// </summary>
    [Fact]
    public void RealResNet18RendersLayer3WithStandardTransforms()
    {
        using var m = RealResNet18();
        var objective = Objective.Sum(
            Enumerable.Range(0, 2).Select(u => Objective.Channel("ReLU347", u, batch: u))
        );
        using (var p0 = ImageParam.Create(64, batch: 2))
        {
            var e = Assert.Throws<ArgumentException>(() =>
                Optvis.Render(
                    m,
                    objective,
                    p0,
                    new RenderOptions { Thresholds = [8], FitInputSize = false }
                )
            );
            Assert.Contains("(Add) failed on inputs shaped", e.Message);
        }
        using var p = ImageParam.Create(64, batch: 2);
        using var r = Optvis.Render(
            m,
            objective,
            p,
            new RenderOptions { Thresholds = [12], Seed = 1 }
        );
        output.WriteLine(string.Join(" ", r.ObjectiveTrace.Select(v => v.Sum().ToString("F2"))));
        Assert.True(r.ObjectiveTrace[^1].Sum() > 2 * Math.Max(r.ObjectiveTrace[0].Sum(), 1e-3));
    }

    /// <summary>
    /// Issue 17 target: a rendered layer-4 channel of the real ResNet18 beats the best of 64 random
    /// images on its objective (the channel mean of ReLU393, layer4's output, on the untransformed
    /// image) by at least 3x. Units by rule: the first two channels that respond (mean &gt; 0) to
    /// at least one random image. Measured (64 steps, 2026-12-02): 253x and 262x. 64 px, 16 steps,
    /// Lucid's defaults otherwise (standard transforms, FFT + decorrelated, Adam 0.05, redirected
    /// ReLU gradients).
    /// </summary>
    [Fact]
    public void RealResNet18Layer4ChannelBeatsTheBestRandomImageByThreeTimes()
    {
        const int Size = 64,
            Steps = 16,
            Margin = 3;
        const string layer = "ReLU393";
        using var m = RealResNet18();
        using var scope = NewDisposeScope();
        var uniform = rand([32, 3, Size, Size], generator: new Generator(2024));
        Tensor fftInit;
        using (var init = ImageParam.Create(Size, Enumerable.Range(500, 32).ToArray()))
        using (no_grad())
            fftInit = init.Image().detach().clone();
        Tensor randomMeans;
        using (no_grad())
            randomMeans = m.Activation(cat([uniform, fftInit], 0), layer).mean([2, 3]); // [64, 512]
        var units = randomMeans
            .amax([0])
            .gt(0)
            .nonzero()
            .flatten()
            .data<long>()
            .Take(2)
            .Select(u => (int)u)
            .ToArray();
        Assert.Equal(2, units.Length);

        var sw = Stopwatch.StartNew();
        var objective = Objective.Sum(
            units.Select((u, b) => Objective.Channel(layer, u, batch: b))
        );
        using var param = ImageParam.Create(Size, units.Select((_, b) => 100 + b).ToArray());
        using var result = Optvis.Render(
            m,
            objective,
            param,
            new RenderOptions { Thresholds = [Steps], Seed = 7 }
        );
        output.WriteLine(
            $"render of {units.Length} units, {Steps} steps: {sw.Elapsed.TotalSeconds:F1} s"
        );
        Tensor optimized;
        using (no_grad())
            optimized = m.Activation(Optvis.ToChw(result.Final), layer).mean([2, 3]);
        var failures = new List<string>();
        for (int b = 0; b < units.Length; b++)
        {
            double opt = optimized[b, units[b]].item<float>(),
                best = randomMeans[.., units[b]].max().item<float>();
            var line =
                $"{layer}:{units[b]} optimized {opt:F3} | best of 64 random {best:F3} ({opt / best:F1}x)";
            output.WriteLine(line);
            if (!(opt >= Margin * best))
                failures.Add(line);
        }
        Assert.True(
            failures.Count == 0,
            $"below {Margin}x the best random image:\n{string.Join("\n", failures)}"
        );
    }

    /// <summary>
    /// Every torchvision export of Fixtures/Onnx renders, with standard transforms, both a channel
    /// of its last spatial layer and a unit of its output (a fixed-size classifier on some, whose
    /// input size the fit keeps). Random weights make the objectives nearly flat over a few steps,
    /// so what is checked is that every render runs with finite values.
    /// </summary>
    [Fact]
    public void EveryTorchvisionFixtureRendersItsLastSpatialLayerAndItsOutput()
    {
        var files = Directory
            .GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Onnx"), "*.onnx")
            .Order()
            .ToArray();
        Assert.True(files.Length >= 10);
        var failures = new List<string>();
        foreach (var file in files)
        {
            using var m = OnnxModel.Load(file).ToVisionModel();
            var table = m.Layers();
            var spatial = table
                .Last(l => l.IsSpatial && l.Height > 1 && l.Name != VisionModel.InputLayer)
                .Name;
            var last = table[^1].Name;
            foreach (var layer in new[] { spatial, last })
            {
                using var p = ImageParam.Create(m.Input.DefaultSize, seed: 1);
                try
                {
                    using var r = Optvis.Render(
                        m,
                        Objective.Channel(layer, 0),
                        p,
                        new RenderOptions { Thresholds = [3], Seed = 2 }
                    );
                    output.WriteLine(
                        $"{Path.GetFileName(file)} {layer}: {r.ObjectiveTrace[0][0]:F4} -> {r.ObjectiveTrace[^1][0]:F4}"
                    );
                    if (r.ObjectiveTrace.Any(v => !double.IsFinite(v[0])))
                        failures.Add($"{Path.GetFileName(file)} {layer}: non-finite objective");
                }
                catch (Exception e)
                {
                    failures.Add($"{Path.GetFileName(file)} {layer}: {e.Message}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
