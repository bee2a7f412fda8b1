using Notebooks.Weights.Connections;
using Notebooks.Weights.Models;
using static TorchSharp.torch;

namespace Notebooks.Weights.Walkthrough;

/// <summary>
/// The structure the walkthrough needs from any model, read from the main path it reports
/// (<see cref="TrunkCuts"/>) or its graph (<see cref="LayerCuts"/>), or found by running it: the
/// <b>cuts</b> — spatial layers that everything after them depends on only through them, so
/// expanded weights from a cut to a later layer are exact (a ResNet block's output is a cut, a conv
/// inside the block is not, because of the skip connection).
/// </summary>
public static class WalkthroughGraph
{
    /// <summary>
    /// The cuts of <paramref name="model"/>, in execution order. A model that reports its main path
    /// (<see cref="IModuleTrunk"/>: InceptionV1) has them read from it (<see cref="TrunkCuts"/>,
    /// no forward pass per layer; <paramref name="seed"/> is not used). Graphs that expose their
    /// module inputs (ONNX) are read (<see cref="LayerCuts"/>); for the others the test for a
    /// spatial layer L (at the default input size) is to run random image B with L's output
    /// replaced by its value on random image A: L is a cut when the last spatial layer then equals
    /// its value on A (max difference ≤ 1e-4 × the A–B difference). Consecutive cuts of the same
    /// shape with no kernel between them (<c>conv2d0_pre_relu</c>, <c>conv2d0</c>;
    /// <c>layer1.0.add</c>, <c>layer1.0</c>) are one cut: the last of them, named by the shortest
    /// name that computes the same tensor. Seeded (<paramref name="seed"/>).
    /// </summary>
    public static IReadOnlyList<GraphCut> Cuts(VisionModel model, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (TrunkCuts.Cuts(model) is { } trunk)
            return trunk.Count > 0
                ? trunk
                : throw new ArgumentException(
                    $"{model.Name} has no spatial layer on its main path; the walkthrough needs convolutions."
                );
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var table = model.Layers();
        var spatial = table
            .Select((l, i) => (l, i))
            .Where(t => t.l.IsSpatial && t.l.Name != VisionModel.InputLayer)
            .ToList();
        if (spatial.Count == 0)
            throw new ArgumentException(
                $"{model.Name} has no spatial layer; the walkthrough needs convolutions."
            );
        var last = spatial[^1].l.Name;
        int s = model.Input.DefaultSize;
        var gen = new Generator((ulong)seed);
        var a = model.Preprocess(
            rand(new long[] { 1, model.Input.Channels, s, s }, generator: gen)
        );
        var b = model.Preprocess(
            rand(new long[] { 1, model.Input.Channels, s, s }, generator: gen)
        );
        var actsA = model.Run(
            a,
            new RunOptions { Capture = spatial.Select(t => t.l.Name).ToArray(), StopEarly = true }
        );
        var lastB = model.Run(b, new RunOptions { Capture = [last] })[last];
        double scale = (actsA[last] - lastB).abs().max().item<float>();
        if (scale == 0)
            throw new InvalidOperationException(
                $"{model.Name}'s last spatial layer '{last}' gives the same output for two random images; cannot find its graph's cuts."
            );

        var isCut = new bool[spatial.Count];
        isCut[^1] = true;
        // Graphs that expose their module inputs (ONNX) answer from the graph (LayerCuts); the
        // others by running.
        var graphCuts = LayerCuts
            .Cuts(model, model.Layer(last).ModulePath)
            ?.ToHashSet(StringComparer.Ordinal);
        for (int k = 0; k < spatial.Count - 1; k++)
        {
            if (graphCuts is not null)
            {
                isCut[k] = graphCuts.Contains(model.Layer(spatial[k].l.Name).ModulePath);
                continue;
            }
            using var step = NewDisposeScope();
            var name = spatial[k].l.Name;
            var replaced = model.Run(
                b,
                new RunOptions
                {
                    Capture = [last],
                    Replace = new Dictionary<string, Tensor> { [name] = actsA[name] },
                }
            )[last];
            isCut[k] = (replaced - actsA[last]).abs().max().item<float>() <= 1e-4 * scale;
        }

        var weightPositions = model
            .WeightLayers.Select(w => table.ToList().FindIndex(l => l.Name == w))
            .Where(i => i >= 0)
            .ToList();
        bool KernelBetween(int after, int upTo) => weightPositions.Any(p => p > after && p <= upTo);
        var cuts = new List<GraphCut>();
        var run = new List<(LayerInfo l, int i)>();
        int previousEnd = table.ToList().FindIndex(l => l.Name == VisionModel.InputLayer);
        void Flush()
        {
            if (run.Count == 0)
                return;
            var end = run[^1];
            var value = actsA[end.l.Name];
            var name = run.Where(t =>
                    actsA[t.l.Name].shape.SequenceEqual(value.shape)
                    && actsA[t.l.Name].eq(value).all().item<bool>()
                )
                .Select(t => t.l.Name)
                .OrderBy(n => n.Length)
                .ThenBy(n => run.FindIndex(t => t.l.Name == n))
                .First();
            cuts.Add(new GraphCut(name, end.i, end.l, KernelBetween(previousEnd, end.i)));
            previousEnd = end.i;
            run.Clear();
        }
        for (int k = 0; k < spatial.Count; k++)
        {
            if (!isCut[k])
                continue;
            var (l, i) = spatial[k];
            if (
                run.Count > 0
                && (!run[^1].l.Shape.SequenceEqual(l.Shape) || KernelBetween(run[^1].i, i))
            )
                Flush();
            run.Add((l, i));
        }
        Flush();
        return cuts;
    }

    /// <summary>
    /// The hidden layers: the <see cref="GraphCut.Weighted"/> cuts after the first one (whose
    /// kernel is the first convolution, reading the input). InceptionV1: conv2d1, conv2d2, mixed3a
    /// … mixed5b; ResNet18: layer1.0 … layer4.2.
    /// </summary>
    public static IReadOnlyList<GraphCut> HiddenLayers(IReadOnlyList<GraphCut> cuts) =>
        cuts.Where(c => c.Weighted).Skip(1).ToList();
}
