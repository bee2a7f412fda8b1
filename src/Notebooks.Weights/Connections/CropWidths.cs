using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Notebooks.Weights.Models;
using Notebooks.Weights.Models.Onnx;
using static TorchSharp.torch;

namespace Notebooks.Weights.Connections;

/// <summary>
/// Which W×W crops of layer1 a model can run through to layer2. Expanded weights (and interactions,
/// which line up with them) feed a W×W crop as layer1; on graphs with fixed padding the branches of
/// a strided block can disagree on the crop's size (ResNet18 of
/// <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>, whose stride-2 3×3 convolutions pad
/// asymmetrically: from an odd crop of <c>layer3.1</c> the conv branch of <c>layer4.0</c> is 2×2
/// and its downsample 3×3). Such a width is refused with an <see cref="ArgumentException"/> naming
/// the width, the layers and the widths that run — never rounded silently to another width, which
/// would change what was asked for (no W×W window of such a graph is centered on layer2's center:
/// its branches are aligned differently). Whether a width runs depends on shapes only (not on
/// weight values) and is remembered per model.
/// </summary>
public static class CropWidths
{
    static readonly ConditionalWeakTable<VisionModel, ConcurrentDictionary<string, string>> Known =
        new();

    /// <summary>
    /// Null when a <paramref name="width"/>×<paramref name="width"/> zero crop of
    /// <paramref name="layer1"/> runs through to
    /// <paramref name="layer2"/>; otherwise the first line of the failure (e.g. the ONNX node and
    /// the shapes it got).
    /// </summary>
    public static string? Failure(VisionModel model, string layer1, string layer2, int width)
    {
        ArgumentNullException.ThrowIfNull(model);
        var table = Known.GetOrCreateValue(model);
        string key = $"{layer1}|{layer2}|{width}";
        if (table.TryGetValue(key, out var known))
            return known.Length == 0 ? null : known;
        string result;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            try
            {
                var y = RunCrop(model, layer1, layer2, width);
                result =
                    y.dim() == 4 && (y.shape[2] < 1 || y.shape[3] < 1)
                        ? $"'{layer2}' is empty ({y.shape[2]}x{y.shape[3]})"
                        : "";
            }
            catch (Exception e)
                when (e is ArgumentException or ExternalException or InvalidOperationException)
            {
                result = e.Message.Split('\n')[0];
                if (result.Length == 0)
                    result = e.GetType().Name;
            }
        }
        table[key] = result;
        return result.Length == 0 ? null : result;
    }

    /// <summary>The widths from 1 to <paramref name="maxWidth"/> whose crops of layer1 run through
    /// to layer2.</summary>
    public static IReadOnlyList<int> Working(
        VisionModel model,
        string layer1,
        string layer2,
        int maxWidth
    ) =>
        Enumerable
            .Range(1, Math.Max(0, maxWidth))
            .Where(w => Failure(model, layer1, layer2, w) is null)
            .ToList();

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming the width, the layers, why the crop fails
    /// and the widths that run when a W×W crop of layer1 does not run through to layer2; does
    /// nothing when it runs.
    /// <paramref name="cause"/> (optional) becomes the inner exception.
    /// </summary>
    public static void EnsureRuns(
        VisionModel model,
        string layer1,
        string layer2,
        int width,
        Exception? cause = null
    )
    {
        if (Failure(model, layer1, layer2, width) is not { } why)
            return;
        var info = model.LayerInfo(layer1);
        int maxW = (int)Math.Min(info.Height, info.Width);
        var ok = Working(model, layer1, layer2, maxW);
        throw new ArgumentException(
            $"width {width} does not run from '{layer1}' to '{layer2}' of {model.Name}: a {width}x{width} crop of '{layer1}' fails on the way to '{layer2}' ({why}). "
                + "Branches that are added or concatenated must agree in size, and with this graph's fixed padding they do only at some crop widths "
                + "(the width is not rounded to another one silently). "
                + (
                    ok.Count == 0
                        ? $"No width from 1 to {maxW} runs."
                        : $"Widths that run (of 1..{maxW}): {Describe(ok, maxW)}."
                ),
            cause
        );
    }

    /// <summary>"2, 4, 6" or, for long regular lists, "every even width from 2 to 56".</summary>
    static string Describe(IReadOnlyList<int> ok, int maxW)
    {
        if (ok.Count > 8)
        {
            if (ok.All(w => w % 2 == 0) && ok.Count == (maxW - ok[0]) / 2 + 1)
                return $"every even width from {ok[0]} to {ok[^1]}";
            if (ok.All(w => w % 2 == 1) && ok.Count == (maxW - ok[0]) / 2 + 1)
                return $"every odd width from {ok[0]} to {ok[^1]}";
        }
        return string.Join(", ", ok);
    }

    /// <summary>layer2 computed from a zero crop as layer1: the graph slice alone on ONNX graphs
    /// when it needs nothing else, else the model from a zero image.</summary>
    static Tensor RunCrop(VisionModel model, string layer1, string layer2, int width)
    {
        int size = model.Input.DefaultSize;
        if (layer1 == VisionModel.InputLayer) // the crop of the preprocessed zero image, as ExpandedWeights.ZeroImageCrop takes it
        {
            var input = model
                .Preprocess(zeros(1, model.Input.Channels, size, size))[.., .., ..width, ..width]
                .contiguous();
            return model.Run(input, new RunOptions { Capture = [layer2] })[layer2];
        }
        var crop = zeros(1, model.LayerInfo(layer1).Channels, width, width);
        if (
            model.Module is OnnxGraphModule graph
            && Slice(model, graph, layer1, layer2, crop) is { } y
        )
            return y;
        var x = model.Preprocess(zeros(1, model.Input.Channels, size, size));
        return model.Run(
            x,
            new RunOptions
            {
                Capture = [layer2],
                Replace = new Dictionary<string, Tensor> { [layer1] = crop },
            }
        )[layer2];
    }

    static Tensor? Slice(
        VisionModel model,
        OnnxGraphModule graph,
        string layer1,
        string layer2,
        Tensor crop
    )
    {
        var steps = graph.Steps;
        int StepOf(string layer) =>
            model.LayerModule(layer) is { } m
                ? steps.ToList().FindIndex(s => ReferenceEquals(s.Module, m))
                : -1;
        int i1 = StepOf(layer1),
            i2 = StepOf(layer2);
        if (i1 < 0 || i2 <= i1)
            return null;
        var needed = new HashSet<string>(StringComparer.Ordinal) { steps[i2].Output };
        for (int i = i2; i > i1; i--)
            if (needed.Contains(steps[i].Output))
                foreach (var n in steps[i].Inputs)
                    if (n.Length > 0)
                        needed.Add(n);
        var values = graph.RunSlice(steps[i1].Output, crop, i1, i2, needed, graph.Initializers());
        if (values is null || !values.TryGetValue(steps[i2].Output, out var y))
            return null;
        // ONNX broadcasts: a 1×1 branch added to a 2×2 one runs, but computes something else than
        // the network does. Inputs whose sizes differ from the crop but agree at the model's
        // default input size are such a case (a squeeze-and- excitation product, 1×1 against H×W at
        // every size, is the network's own broadcast and is not).
        var atDefault = new Lazy<Dictionary<string, (long, long)>>(() =>
        {
            var d = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
            foreach (var l in model.Layers())
                if (l.IsSpatial)
                    d.TryAdd(model.Layer(l.Name).ModulePath, (l.Height, l.Width));
            return d;
        });
        var producer = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = i1; i <= i2; i++)
            producer[steps[i].Output] = steps[i].ModuleName;
        (long, long)? Default(string value) =>
            producer.TryGetValue(value, out var mp) && atDefault.Value.TryGetValue(mp, out var hw)
                ? hw
                : null;
        var fromCrop = new HashSet<string>(StringComparer.Ordinal) { steps[i1].Output };
        for (int i = i1 + 1; i <= i2; i++)
        {
            var st = steps[i];
            if (!needed.Contains(st.Output) || !st.Inputs.Any(fromCrop.Contains))
                continue;
            fromCrop.Add(st.Output);
            var names = st
                .Inputs.Where(n => fromCrop.Contains(n) && values[n].dim() == 4)
                .Distinct()
                .ToList();
            var maps = names.Select(n => values[n]).ToList();
            if (maps.Select(t => (t.shape[2], t.shape[3])).Distinct().Count() < 2)
                continue;
            var sizes = names.Select(Default).ToList();
            if (sizes.All(z => z is not null) && sizes.Distinct().Count() == 1)
                throw new InvalidOperationException(
                    $"ONNX node '{st.NodeName}' ({st.Node.OpType}) gets inputs shaped {string.Join(", ", maps.Select(t => $"[{string.Join(", ", t.shape)}]"))}, "
                        + "which it would broadcast instead of adding positions that line up"
                );
        }
        return y;
    }
}
