using System.Diagnostics;
using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Models;
using Notebooks.Weights.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.FeatureVis;

/// <summary>Issue 6 target: on the bundled default model, optimizing a unit drives it far above
/// what random images reach.</summary>
public class DefaultModelMarginTests(ITestOutputHelper output)
{
    const int Size = 64,
        Steps = 48,
        Margin = 3;

    /// <summary>
    /// Units are chosen by a rule, before rendering: per layer, the first, middle and last of the
    /// live units (those that respond, post-ReLU, at the center to at least one of 64 validation
    /// images; the default model has dead units). Each is rendered as Lucid does (standard
    /// transforms, FFT + decorrelated colors, Adam 0.05) for 48 steps, and its center neuron on the
    /// untransformed result must exceed 3x the best of 64 seeded random images (32 uniform noise,
    /// 32 from the FFT parameterization's own random init). Measured (2026-11-23, 48 steps; units
    /// conv2d2 0/46/95, conv2d3 0/68/127): 6.9x, 4.1x, 8.0x, 64x, 7.4x, 5.0x; the ratios grow with
    /// more steps. Against the best of 64 training-generator images the optimized neurons are only
    /// on par (0.33x-3.2x): printed, not asserted.
    /// </summary>
    [Fact]
    public void OptimizedNeuronsBeatTheBestRandomImagesByThreeTimes()
    {
        using var model = ModelRegistry.Load("default");
        string[] layers = ["conv2d2", "conv2d3"];
        using var scope = NewDisposeScope();
        var (scenes, _) = SyntheticScenes.Batch(
            seed: 1,
            SyntheticScenes.ValidationStream,
            start: 0,
            count: 64,
            size: Size
        );
        var uniform = rand([32, 3, Size, Size], generator: new Generator(2024));
        Tensor fftInit;
        using (var init = ImageParam.Create(Size, Enumerable.Range(500, 32).ToArray()))
        using (no_grad())
            fftInit = init.Image().detach().clone();
        var random = cat([uniform, fftInit], 0);

        Dictionary<string, Tensor> sceneActs,
            randomActs;
        using (no_grad())
        {
            sceneActs = model.Activations(scenes, layers);
            randomActs = model.Activations(random, layers);
        }
        static Tensor Center(Tensor a) => a[.., .., a.shape[2] / 2, a.shape[3] / 2]; // [N, C], the neuron objective's position
        var targets = new List<(string Layer, int Unit)>();
        foreach (var l in layers)
        {
            var live = Center(sceneActs[l])
                .amax([0])
                .gt(0)
                .nonzero()
                .flatten()
                .data<long>()
                .Select(u => (int)u)
                .ToArray();
            Assert.True(live.Length >= 3, $"{l} has only {live.Length} live units");
            foreach (var u in new[] { live[0], live[live.Length / 2], live[^1] })
                targets.Add((l, u));
        }

        // One batched render; image b maximizes target b's center neuron. As Lucid does for
        // InceptionV1, the objective reads the pre-ReLU output: the near-gray initial image leaves
        // many post-ReLU neurons at 0, without gradient.
        var sw = Stopwatch.StartNew();
        var objective = Objective.Sum(
            targets.Select((t, b) => Objective.Neuron(t.Layer + "_pre_relu", t.Unit, batch: b))
        );
        using var param = ImageParam.Create(Size, targets.Select((_, b) => 100 + b).ToArray());
        using var result = Optvis.Render(
            model,
            objective,
            param,
            new RenderOptions { Thresholds = [Steps], Seed = 7 }
        );
        output.WriteLine(
            $"render of {targets.Count} units, {Steps} steps: {sw.Elapsed.TotalSeconds:F1} s"
        );

        Dictionary<string, Tensor> optActs;
        using (no_grad())
            optActs = model.Activations(Optvis.ToChw(result.Final), layers);
        var failures = new List<string>();
        for (int b = 0; b < targets.Count; b++)
        {
            var (layer, unit) = targets[b];
            double optimized = Center(optActs[layer])[b, unit].item<float>();
            double bestRandom = Center(randomActs[layer])[.., unit].max().item<float>();
            double bestScene = Center(sceneActs[layer])[.., unit].max().item<float>();
            string line =
                $"{layer}:{unit} optimized {optimized:F3} | best random {bestRandom:F3} ({optimized / bestRandom:F1}x) | best training image {bestScene:F3} ({optimized / bestScene:F2}x)";
            output.WriteLine(line);
            if (!(optimized >= Margin * bestRandom && optimized > 0))
                failures.Add(line);
        }
        Assert.True(
            failures.Count == 0,
            $"below {Margin}x the best random image:\n{string.Join("\n", failures)}"
        );
    }
}
