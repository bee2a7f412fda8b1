using System.Diagnostics;
using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.FeatureVis;

public class RenderTests
{
    /// <summary>
    /// conv1 (hand-set 5x5 oriented-edge filters on the luminance, bias 0) → relu1 → pool1 → conv2
    /// (seeded) → relu2 → flat → fc. Channel 0 of conv1 responds to vertical edges (dark left,
    /// bright right), channel 1 to horizontal ones.
    /// </summary>
    internal static VisionModel EdgeModel()
    {
        using var g = new Generator(11, device: CPU);
        var conv1 = nn.Conv2d(3, 4, 5, padding: 2);
        using (no_grad())
        {
            var w = zeros(4, 3, 5, 5);
            for (int c = 0; c < 3; c++)
            for (int i = 0; i < 5; i++)
            {
                w[0, c, i, 0] = tensor(-1f);
                w[0, c, i, 1] = tensor(-1f);
                w[0, c, i, 3] = tensor(1f);
                w[0, c, i, 4] = tensor(1f);
                w[1, c, 0, i] = tensor(-1f);
                w[1, c, 1, i] = tensor(-1f);
                w[1, c, 3, i] = tensor(1f);
                w[1, c, 4, i] = tensor(1f);
            }
            w[2] = randn([3, 5, 5], generator: g).mul(0.2);
            w[3] = randn([3, 5, 5], generator: g).mul(0.2);
            conv1.weight!.copy_(w);
            conv1.bias!.zero_();
        }
        var conv2 = SeededInit.Apply(nn.Conv2d(4, 6, 3, padding: 1), 12);
        var fc = SeededInit.Apply(nn.Linear(6 * 16 * 16, 3), 13);
        var seq = nn.Sequential(
            ("conv1", conv1),
            ("relu1", nn.ReLU()),
            ("pool1", nn.MaxPool2d(2)),
            ("conv2", conv2),
            ("relu2", nn.ReLU()),
            ("flat", nn.Flatten()),
            ("fc", fc)
        );
        return new VisionModel("edges", seq, InputSpec.Unit(3, 32));
    }

    internal static RenderResult RenderFor(
        VisionModel m,
        Objective o,
        int size,
        int batch,
        int steps,
        int seed,
        Action<RenderProgress>? progress = null
    ) => Render(m, o, size, batch, steps, seed, progress);

    static RenderResult Render(
        VisionModel m,
        Objective o,
        int size,
        int batch,
        int steps,
        int seed,
        Action<RenderProgress>? progress = null,
        CancellationToken ct = default,
        ImageTransform? tf = null
    )
    {
        using var p = ImageParam.Create(size, batch: batch, seed: seed);
        return Optvis.Render(
            m,
            o,
            p,
            new RenderOptions
            {
                Thresholds = [steps / 2, steps],
                Seed = seed,
                Progress = progress,
                Transforms = tf,
            },
            ct
        );
    }

    [Fact]
    public void SameSeedGivesTheSameImagesBitForBit()
    {
        using var m = EdgeModel();
        var o = Objective.Channel("conv2", 1);
        using var a = Render(m, o, 32, 2, 12, seed: 4);
        using var b = Render(m, o, 32, 2, 12, seed: 4);
        using var c = Render(m, o, 32, 2, 12, seed: 5);
        Assert.Equal(new long[] { 2, 32, 32, 3 }, a.Final.shape);
        Assert.Equal(2, a.Images.Count);
        Assert.True(a.Final.eq(b.Final).all().item<bool>());
        Assert.True(a.Images[0].eq(b.Images[0]).all().item<bool>());
        Assert.False(a.Final.eq(c.Final).all().item<bool>());
        Assert.True(a.Final.min().item<float>() >= 0 && a.Final.max().item<float>() <= 1);
    }

    [Fact]
    public void ProgressIsReportedEveryStepWithImagesAtThresholdsAndCancellationStops()
    {
        using var m = EdgeModel();
        var steps = new List<RenderProgress>();
        using (var r = Render(m, Objective.Neuron("relu1", 0), 24, 1, 6, 0, steps.Add))
        {
            Assert.Equal(Enumerable.Range(1, 6), steps.Select(s => s.Step));
            Assert.All(steps, s => Assert.Equal(6, s.TotalSteps));
            Assert.Equal(
                new[] { 3, 6 },
                steps.Where(s => s.Images is not null).Select(s => s.Step)
            );
            Assert.Equal(6, r.ObjectiveTrace.Count);
        }
        using var cts = new CancellationTokenSource();
        int seen = 0;
        Assert.Throws<OperationCanceledException>(() =>
            Render(
                m,
                Objective.Neuron("relu1", 0),
                24,
                1,
                100,
                0,
                s =>
                {
                    seen = s.Step;
                    if (s.Step == 3)
                        cts.Cancel();
                },
                cts.Token
            )
        );
        Assert.Equal(3, seen);
        // The model's parameters are unfrozen again after a cancelled render.
        Assert.All(m.Module.parameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void OptimizingAUnitRaisesItsActivationFarAboveRandomImages()
    {
        using var m = EdgeModel();
        const int unit = 0,
            size = 64;
        using var r = Render(m, Objective.Channel("relu1", unit), size, 1, 48, 0);
        double optimized = m.Activation(Optvis.ToChw(r.Final), "relu1")[0, unit]
            .mean()
            .item<float>();
        var gen = new Generator(123);
        double randomMax = 0;
        foreach (var kind in new[] { "uniform", "gray-noise" })
        {
            var imgs =
                kind == "uniform"
                    ? rand(16, 3, size, size, generator: gen)
                    : randn(16, 3, size, size, generator: gen).mul(0.1).add(0.5).clamp(0, 1);
            var acts = m.Activation(imgs, "relu1")[.., unit].flatten(1).mean([1]);
            randomMax = Math.Max(randomMax, acts.max().item<float>());
        }
        // Uniform noise is itself full of edges (best random ≈ 1.2); the rendered stripes reach ≈
        // 3.7.
        Assert.True(
            optimized > 2 * randomMax,
            $"optimized {optimized:F3} vs best random {randomMax:F3}"
        );
    }

    [Fact]
    public void OnInceptionV1ArchitectureOptimizingAMixed3aUnitBeatsRandomImages()
    {
        // Random (seeded) weights: not meaningful pictures, but the optimizer must still drive the
        // unit far above noise.
        using var m = Notebooks.Weights.Models.InceptionV1.InceptionV1Model.Create(0);
        const int unit = 10,
            size = 64;
        using var r = Render(m, Objective.Channel("mixed3a", unit), size, 1, 48, 0);
        double optimized = m.Activation(Optvis.ToChw(r.Final), "mixed3a")[0, unit]
            .mean()
            .item<float>();
        var imgs = rand(8, 3, size, size, generator: new Generator(9));
        double randomMax = m.Activation(imgs, "mixed3a")[.., unit]
            .flatten(1)
            .mean([1])
            .max()
            .item<float>();
        Assert.True(
            optimized > 10 * randomMax,
            $"optimized {optimized:F3} vs best random {randomMax:F3}"
        ); // ≈ 11.0 vs 0.17
    }

    [Fact]
    public void InputIsTheUntransformedImageAndLayersSeeTheTransformedOne()
    {
        using var m = EdgeModel();
        var shapes = new List<(long input, long conv1)>();
        var probe = new Objective("probe", ["input", "conv1"], t =>
        {
            shapes.Add((t["input"].shape[2], t["conv1"].shape[2]));
            return t["conv1"].mean([1, 2, 3]);
        });
        using var p = ImageParam.Create(40);
        using var r = Optvis.Render(m, probe, p, new RenderOptions { Thresholds = [3] });
        Assert.All(shapes, s => Assert.Equal(40, s.input)); // Lucid's T("input"): the parameterized image
        Assert.All(shapes, s => Assert.NotEqual(40, s.conv1)); // standard transforms: 40+24-8, scaled, -4
    }

    [Fact]
    public void RenderRejectsBadSettings()
    {
        using var m = EdgeModel();
        var e = Assert.Throws<UnknownLayerException>(() =>
            Optvis.Render(m, Objective.Channel("conv9", 0))
        );
        Assert.Contains("conv9", e.Message);
        Assert.Throws<ArgumentException>(() =>
            Optvis.Render(
                m,
                Objective.Channel("conv1", 0),
                options: new RenderOptions { Thresholds = [0] }
            )
        );
        using var p = ImageParam.Create(24);
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Optvis.Render(
                m,
                Objective.Channel("conv1", 9),
                p,
                new RenderOptions { Thresholds = [2] }
            )
        );
        Assert.Contains("Unit 9 is out of range: layer 'conv1' has 4 channels", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() =>
            Optvis.Render(m, Objective.Neuron("flat", 0), p, new RenderOptions { Thresholds = [2] })
        );
        Assert.Contains("spatial extent", e3.Message);
        // fc needs 32x32 inputs: without the size fit transformed images fail; with it (default)
        // they are cropped/padded to 32 px; a 12 px image is farther from 32 than the fit goes (16
        // px).
        var e4 = Assert.Throws<ArgumentException>(() =>
            Optvis.Render(
                m,
                Objective.Channel("fc", 0),
                p,
                new RenderOptions { Thresholds = [2], FitInputSize = false }
            )
        );
        Assert.Contains("edges failed on a transformed", e4.Message);
        using (
            var fitted = Optvis.Render(
                m,
                Objective.Channel("fc", 0),
                p,
                new RenderOptions { Thresholds = [2] }
            )
        )
            Assert.Equal(new long[] { 1, 24, 24, 3 }, fitted.Final.shape);
        using var small = ImageParam.Create(12);
        var e5 = Assert.Throws<ArgumentException>(() =>
            Optvis.Render(
                m,
                Objective.Channel("fc", 0),
                small,
                new RenderOptions { Thresholds = [2], Transforms = Transforms.Identity }
            )
        );
        Assert.Contains("edges cannot compute fc on a 12x12 input", e5.Message);
        Assert.Contains("no input size within 16 px", e5.Message);
    }
}
