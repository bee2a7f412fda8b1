using Notebooks.Weights.Connections;
using Notebooks.Weights.Models;
using Notebooks.Weights.Runtime;
using static TorchSharp.torch;

namespace Notebooks.Weights.Interactions;

/// <summary>
/// Interactions between a unit A of layer1 and a unit B of layer2 beyond the expanded weight (the
/// "future article" of the Visualizing Weights section on indirect interactions): the gradient of B
/// with respect to A's activations at a particular image (<see cref="PerExample"/>), its factors
/// over many images (<see cref="InteractionFactors"/>) and the best case over all images
/// (<see cref="BestCaseInteraction"/>). The expanded weight (<see cref="ExpandedWeight"/>) is the
/// same gradient at the all-zero image with Lucid's linearization.
/// </summary>
/// <example><code>
/// var from = UnitRef.Parse("conv2d1:12"); var to = UnitRef.Parse("conv2d2:7");
/// using var maps = Interaction.PerExample(model, from, to, images, width: 5);   // [N, 5, 5]
/// var expanded = Interaction.ExpandedWeight(model, from, to, width: 5);        // [5, 5]
/// </code></example>
public static class Interaction
{
    /// <summary>Default images per forward/backward.</summary>
    public const int DefaultBatchSize = 32;

    /// <summary>The [W, W] expanded weight from A to B: <c>ExpandedWeights.Get(model, A.layer,
    /// B.layer, W)[:, :, A.unit, B.unit]</c>.</summary>
    public static Tensor ExpandedWeight(VisionModel model, UnitRef from, UnitRef to, int width = 5)
    {
        CheckPair(model, from, to, width);
        using var scope = NewDisposeScope();
        var w = ExpandedWeights.Get(model, from.Layer, to.Layer, width, [to.Unit]);
        return w[.., .., from.Unit, 0].contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Per-example interactions: for every image, the gradient of B (at
    /// <paramref name="position"/>: its argmax over space by default) with respect to A's
    /// activation map at that image, cropped to [W, W] around B's position like the expanded
    /// weight. Real (non-linear) gradients by default; <paramref name="linearize"/> uses Lucid's
    /// linearized ones (ReLU → identity, max pool → average pool), the expanded weight's. Images
    /// are [N, C, H, W] in [0, 1] (before the model's preprocessing), processed
    /// <paramref name="batchSize"/> at a time with one forward to layer2 (A made a gradient leaf
    /// where layer1 produces it; with <paramref name="linearize"/>, a forward to layer1 and one
    /// from layer1 with A substituted) and one backward from B to A per batch, parameters frozen: B
    /// at image n depends on image n only, so the gradient of the batch's sum of B values is every
    /// image's own gradient.
    /// </summary>
    public static PerExampleInteractions PerExample(
        VisionModel model,
        UnitRef from,
        UnitRef to,
        Tensor images01,
        int width = 5,
        InteractionPosition? position = null,
        bool linearize = false,
        int batchSize = DefaultBatchSize
    )
    {
        CheckPair(model, from, to, width);
        CheckImages(model, images01);
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(
                nameof(batchSize),
                $"batchSize must be at least 1; got {batchSize}."
            );
        position ??= InteractionPosition.Argmax;
        var geometry = InteractionGeometry.Of(model, from.Layer, to.Layer, width);
        int n = (int)images01.shape[0];
        var positions = new (int, int)[n];
        var values = new double[n];
        using var gate = FinalizerGate.Hold();
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        (int, int) mapSize = default;
        for (int s = 0; s < n; s += batchSize)
        {
            int e = Math.Min(n, s + batchSize);
            parts.Add(
                Batch(
                    model,
                    from,
                    to,
                    images01[s..e],
                    geometry,
                    position,
                    linearize,
                    positions.AsSpan(s, e - s),
                    values.AsSpan(s, e - s),
                    out mapSize
                )
            );
        }
        var maps = (parts.Count == 1 ? parts[0] : cat(parts, 0)).MoveToOuterDisposeScope();
        return new PerExampleInteractions(
            from,
            to,
            maps,
            positions,
            values,
            linearize,
            geometry,
            Enumerable.Range(0, n).ToArray()
        )
        {
            Layer2Size = mapSize,
        };
    }

    /// <summary>
    /// B's top-activating images: indices (into <paramref name="images01"/>) of the
    /// <paramref name="count"/> images with the largest maximum of B over space, best first, with
    /// those maxima. Ties keep the lower index first.
    /// </summary>
    public static (int[] Indices, double[] Values) TopActivating(
        VisionModel model,
        UnitRef to,
        Tensor images01,
        int count,
        int batchSize = DefaultBatchSize
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        to.Check(model, "B");
        CheckImages(model, images01);
        if (count < 1)
            throw new ArgumentOutOfRangeException(
                nameof(count),
                $"count must be at least 1; got {count}."
            );
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(
                nameof(batchSize),
                $"batchSize must be at least 1; got {batchSize}."
            );
        int n = (int)images01.shape[0];
        var maxima = new double[n];
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        for (int s = 0; s < n; s += batchSize)
        {
            int e = Math.Min(n, s + batchSize);
            var y = model.Run(
                model.Preprocess(images01[s..e]),
                new RunOptions { Capture = [to.Layer] }
            )[to.Layer];
            var m = y[.., to.Unit]
                .flatten(1)
                .amax(1)
                .to(ScalarType.Float64)
                .cpu()
                .data<double>()
                .ToArray();
            m.CopyTo(maxima, s);
        }
        var order = Enumerable
            .Range(0, n)
            .OrderByDescending(i => maxima[i])
            .ThenBy(i => i)
            .Take(Math.Min(count, n))
            .ToArray();
        return (order, order.Select(i => maxima[i]).ToArray());
    }

    /// <summary>One batch: [b, W, W] maps; fills positions and B values.</summary>
    static Tensor Batch(
        VisionModel model,
        UnitRef from,
        UnitRef to,
        Tensor x,
        InteractionGeometry geometry,
        InteractionPosition position,
        bool linearize,
        Span<(int, int)> positions,
        Span<double> values,
        out (int, int) mapSize
    )
    {
        using var scope = NewDisposeScope();
        var input = model.Preprocess(x);
        Tensor? leaf = null;
        Tensor y;
        using (enable_grad())
        {
            var frozen = model.Module.parameters().Where(p => p.requires_grad).ToList();
            foreach (var p in frozen)
                p.requires_grad_(false);
            try
            {
                var layer1Module = linearize ? null : model.LayerModule(from.Layer);
                if (layer1Module is null)
                {
                    // The linearization hooks layer1's own module too (and a layer may have no
                    // module of its own), so A is computed first and substituted.
                    Tensor a;
                    using (no_grad())
                        a = model
                            .Run(input, new RunOptions { Capture = [from.Layer] })[from.Layer]
                            .detach();
                    leaf = a.clone().requires_grad_(true);
                    y = model.Run(
                        input,
                        new RunOptions
                        {
                            Capture = [to.Layer],
                            Replace = new Dictionary<string, Tensor> { [from.Layer] = leaf },
                            Linearize = linearize,
                        }
                    )[to.Layer];
                }
                else
                {
                    // One forward: A becomes a leaf where layer1 produces it (nothing before it
                    // needs grad: parameters are frozen), so the prefix up to layer1 is computed
                    // once and the backward stops at A.
                    var hook = layer1Module.register_forward_hook(
                        (_, _, o) =>
                        {
                            leaf = o.detach().requires_grad_(true);
                            return leaf.alias();
                        }
                    );
                    try
                    {
                        y = model.Run(input, new RunOptions { Capture = [to.Layer] })[to.Layer];
                    }
                    finally
                    {
                        hook.remove();
                    }
                    if (leaf is null)
                        throw new InvalidOperationException(
                            $"Layer '{from.Layer}' of {model.Name} was not computed on the way to '{to.Layer}'."
                        );
                }
            }
            finally
            {
                foreach (var p in frozen)
                    p.requires_grad_(true);
            }
        }
        long b = x.shape[0],
            h2 = y.shape[2],
            w2 = y.shape[3];
        mapSize = ((int)h2, (int)w2);
        var bmap = y[.., to.Unit].flatten(1); // [b, H2·W2]
        long[] flat;
        if (position.IsArgmax)
            flat = bmap.detach().argmax(1).cpu().data<long>().ToArray();
        else
        {
            if (position.Y >= h2 || position.X >= w2)
                throw new ArgumentOutOfRangeException(
                    nameof(position),
                    $"Position {position} is outside layer2 '{to.Layer}''s {h2}x{w2} map at {x.shape[2]}x{x.shape[3]} images."
                );
            flat = Enumerable.Repeat(position.Y!.Value * w2 + position.X!.Value, (int)b).ToArray();
        }
        var idx = tensor(flat, int64).unsqueeze(1);
        var picked = bmap.gather(1, idx).squeeze(1); // [b]
        var grad = autograd.grad([picked.sum()], [leaf!])[0][.., from.Unit]; // [b, H1, W1]
        var vals = picked.detach().to(ScalarType.Float64).cpu().data<double>().ToArray();
        int wd = geometry.Width;
        var padded = nn.functional.pad(grad.detach(), [wd, wd, wd, wd]);
        var crops = new Tensor[b];
        for (int i = 0; i < b; i++)
        {
            int py = (int)(flat[i] / w2),
                px = (int)(flat[i] % w2);
            positions[i] = (py, px);
            values[i] = vals[i];
            int r0 = geometry.CropRow(py) + wd,
                c0 = geometry.CropColumn(px) + wd;
            if (r0 < 0 || c0 < 0 || r0 + wd > padded.shape[1] || c0 + wd > padded.shape[2])
                throw new InvalidOperationException(
                    $"Crop at layer2 ({py}, {px}) falls outside '{from.Layer}' by more than the width {wd}: geometry {geometry} does not fit this model."
                );
            crops[i] = padded[i, r0..(r0 + wd), c0..(c0 + wd)];
        }
        return stack(crops).to(ScalarType.Float32).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Checks both units, their order and the width (as expanded weights do).</summary>
    public static void CheckPair(VisionModel model, UnitRef from, UnitRef to, int width)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        from.Check(model, "A (from)");
        to.Check(model, "B (to)");
        ExpandedWeights.Validate(model, from.Layer, to.Layer, width, [to.Unit]);
    }

    /// <summary>Images must be [N, C, H, W] with the model's channel count, N ≥ 1.</summary>
    internal static void CheckImages(VisionModel model, Tensor images01)
    {
        ArgumentNullException.ThrowIfNull(images01);
        if (images01.dim() != 4 || images01.shape[1] != model.Input.Channels)
            throw new ArgumentException(
                $"Expected images shaped [N, {model.Input.Channels}, H, W] in [0,1] for {model.Name}; got [{string.Join(", ", images01.shape)}].",
                nameof(images01)
            );
        if (images01.shape[0] < 1)
            throw new ArgumentException("No images given (N = 0).", nameof(images01));
    }
}
