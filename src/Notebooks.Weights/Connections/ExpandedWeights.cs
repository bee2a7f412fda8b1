using System.Runtime.InteropServices;
using Notebooks.Weights.Models;
using Notebooks.Weights.Runtime;
using static TorchSharp.torch;

namespace Notebooks.Weights.Connections;

/// <summary>
/// "Expanded weights" between two layers: the companion notebook's <c>get_expanded_weights(model,
/// layer1, layer2, W)</c>.
/// <para>
/// Semantics (matching Lucid): the model input is an all-zero [0,1] image at the model's default
/// size. Lucid's <c>render.import_model(model, t_input, t_input)</c> passes the
/// <c>tf.zeros([1,224,224,3])</c> placeholder through <c>Model.create_input</c>, which applies
/// <c>image_value_range</c>, so the network actually sees <c>lo + 0·(hi-lo)</c> (−117 for
/// InceptionV1); here that is <see cref="VisionModel.Preprocess"/> of zeros. layer1's activations
/// are cropped to the first W×W positions (rows 0..W-1, columns 0..W-1), fed back as layer1, and
/// the gradient of layer2's center position with respect to that crop is taken with ReLU's gradient
/// replaced by identity and max pooling's by average pooling's
/// (<see cref="RunOptions.Linearize"/>); all other operations keep their real gradients, clamps
/// included (ONNX exports ReLU6 as <c>Clip</c>; <c>linearizeClip</c> gives them ReLU's identity
/// gradient instead). Weights of ONNX exports are the file's: BatchNormalization folded into
/// convolutions by the exporter is part of them (<see cref="Models.Onnx.OnnxBatchNormFolding"/>).
/// </para>
/// <para>
/// Center convention (Lucid's): row <c>(H2 - 1) / 2</c>, column <c>(W2 - 1) / 2</c> (integer
/// division) of the layer2 map computed from the cropped input.
/// </para>
/// <para>
/// Layout: the result is <c>[W, W, C1, C2]</c>, indexed like the notebook's <c>W[x, y, in, out]</c>
/// where x is the row (height) index and y the column index, as numpy indexes the TF NHWC gradient.
/// <see cref="ToOutInHw"/> gives the TorchSharp-style <c>[C2, C1, W, W]</c> view. With <c>units</c>
/// the last axis holds just those layer2 channels, in the given order.
/// </para>
/// <para>
/// How it is computed (<see cref="ExpandedWeightsMethod"/>): when layer2's module knows its
/// linearized center Jacobian (<see cref="ICenterJacobian"/>: InceptionV1's mixed blocks and convs)
/// and takes layer1's output as its input, the result is that closed form — products of the block's
/// kernels — after eight channels spread over layer2 and both ends of each of its branches are
/// backpropagated and compared with it. On an imported ONNX graph the kernels are composed along
/// the graph (<c>ExpandedWeightsGraphClosedForm</c>) where every operator composes and no window at
/// the center reaches padding. Otherwise all output channels are computed in a few batched backward
/// passes (the crop is repeated along the batch and each batch entry's gradient is seeded at its
/// own channel), in chunks of <c>chunk</c> channels (by default about 4 million crop elements per
/// chunk, e.g. 625 channels for a 256-channel W=5 crop, 244 at W=8: bounds memory on wide layers;
/// see docs/benchmarks.md). layer1 must be a cut of the graph (everything layer2 depends on flows
/// through layer1), as in the notebook's feeds.
/// </para>
/// <para>
/// A width whose crop the graph cannot run through to layer2 (on ResNet18 from NuGet, an odd crop
/// into a stride-2 block, whose asymmetrically padded branches then disagree in size) is refused
/// with an <see cref="ArgumentException"/> naming the width, the layers and the widths that run
/// (<see cref="CropWidths"/>); it is never rounded to another width.
/// </para>
/// </summary>
public static class ExpandedWeights
{
    /// <summary>
    /// The <c>[W, W, C1, C2]</c> expanded weights from <paramref name="layer1"/> to
    /// <paramref name="layer2"/> (see the class docs), computed from the model's current weights;
    /// nothing is remembered between calls (hold an <see cref="ExpandedWeightsCache"/> to reuse
    /// results). <paramref name="units"/> restricts the output channels.
    /// <paramref name="method"/> picks the closed form or backpropagation
    /// (<see cref="ExpandedWeightsMethod"/>; same values).
    /// <paramref name="observer"/> (optional) is told where the time goes (<see cref="Phases"/>;
    /// see <see cref="Profile"/>).
    /// </summary>
    public static Tensor Get(
        VisionModel model,
        string layer1,
        string layer2,
        int width = 5,
        IReadOnlyList<int>? units = null,
        int? chunk = null,
        ExpandedWeightsMethod method = ExpandedWeightsMethod.Auto,
        bool linearizeClip = false,
        IPhaseObserver? observer = null
    ) =>
        GetWith(
            model,
            layer1,
            layer2,
            width,
            units,
            chunk,
            method,
            linearizeClip,
            observer,
            new ExpandedWeightsProbes(),
            ""
        );

    internal static Tensor GetWith(
        VisionModel model,
        string layer1,
        string layer2,
        int width,
        IReadOnlyList<int>? units,
        int? chunk,
        ExpandedWeightsMethod method,
        bool linearizeClip,
        IPhaseObserver? observer,
        ExpandedWeightsProbes probes,
        string weightsHash
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        if (chunk is < 1)
            throw new ArgumentOutOfRangeException(
                nameof(chunk),
                $"chunk must be at least 1; got {chunk}."
            );
        var (_, unitList) = Validate(model, layer1, layer2, width, units);
        try
        {
            return Compute(
                model,
                layer1,
                layer2,
                width,
                unitList,
                chunk ?? AutoChunk(model, layer1, width),
                observer,
                method,
                linearizeClip,
                probes,
                weightsHash
            );
        }
        catch (Exception e)
            when (e is ArgumentException or ExternalException or InvalidOperationException)
        {
            CropWidths.EnsureRuns(model, layer1, layer2, width, e); // a width the graph cannot run: say so, with the widths that run
            throw;
        }
    }

    /// <summary>Names of the phases and notes <see cref="Get"/> reports to an
    /// <see cref="IPhaseObserver"/>.</summary>
    public static class Phases
    {
        /// <summary>Zero-image forward up to layer1 and the W×W crop.</summary>
        public const string Crop = "crop";

        /// <summary>Finding the smallest prefix input size.</summary>
        public const string PrefixProbe = "prefix probe";

        /// <summary>Checking that layer2's module takes layer1 directly.</summary>
        public const string DirectInputProbe = "direct-input probe";

        /// <summary>Evaluating the closed form.</summary>
        public const string ClosedForm = "closed form";

        /// <summary>Backpropagating a few channels to check the closed form.</summary>
        public const string ClosedFormCheck = "closed-form check";

        /// <summary>The batched forward up to layer1 (the prefix; reported inside the
        /// forward).</summary>
        public const string Prefix = "prefix";

        /// <summary>The rest of the batched forward to layer2.</summary>
        public const string Forward = "forward";

        /// <summary>Building the one-hot seeds.</summary>
        public const string Seed = "seed";

        /// <summary>The batched backward.</summary>
        public const string Backward = "backward";

        /// <summary>Concatenating chunks and permuting to [W, W, C1, C2] (the last
        /// phase).</summary>
        public const string Assemble = "assemble";

        /// <summary>Note: "closed form" or "autograd (why)".</summary>
        public const string MethodNote = "method";

        /// <summary>Note: the prefix input size (int).</summary>
        public const string PrefixSizeNote = "prefix size";
    }

    /// <summary>The <c>[C2, C1, W, W]</c> (out, in, row, column) view of a <c>[W, W, C1, C2]</c>
    /// expanded-weights tensor.</summary>
    public static Tensor ToOutInHw(Tensor expanded)
    {
        if (expanded.dim() != 4)
            throw new ArgumentException(
                $"Expected [W, W, C1, C2] expanded weights; got shape [{string.Join(", ", expanded.shape)}].",
                nameof(expanded)
            );
        return expanded.permute(3, 2, 0, 1);
    }

    /// <summary>The layer2 channels backpropagated to check a closed form with
    /// <paramref name="c2"/> channels (see <see cref="ExpandedWeightsMethod.Auto"/>).</summary>
    public static IReadOnlyList<int> ClosedFormCheckUnits(long c2) =>
        ExpandedWeightsClosedForm.CheckUnits(c2);

    /// <summary>The channels checked for a module that reports its
    /// <see cref="ICenterJacobian.ChannelGroups"/>.</summary>
    public static IReadOnlyList<int> ClosedFormCheckUnits(ICenterJacobian module, long c2) =>
        ExpandedWeightsClosedForm.CheckUnits(c2, module.ChannelGroups);

    /// <summary>
    /// Runs one <see cref="Get"/> of all output channels (chunked like Get) with an
    /// <see cref="ExpandedWeightsProfile"/> observing it and returns the wall-clock time of each
    /// phase (for <c>weights bench expand</c>): where the time goes.
    /// </summary>
    public static ExpandedWeightsProfile Profile(
        VisionModel model,
        string layer1,
        string layer2,
        int width = 5,
        int? chunk = null,
        ExpandedWeightsMethod method = ExpandedWeightsMethod.Auto
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        var (_, unitList) = Validate(model, layer1, layer2, width, null);
        var profile = new ExpandedWeightsProfile();
        using var scope = NewDisposeScope();
        try
        {
            Compute(
                model,
                layer1,
                layer2,
                width,
                unitList,
                chunk ?? AutoChunk(model, layer1, width),
                profile,
                method,
                false,
                new ExpandedWeightsProbes(),
                ""
            );
        }
        catch (Exception e)
            when (e is ArgumentException or ExternalException or InvalidOperationException)
        {
            CropWidths.EnsureRuns(model, layer1, layer2, width, e);
            throw;
        }
        return profile;
    }

    /// <summary>Default chunk: about 4 million crop elements per batch (C1·W·W each), between 16
    /// and 1024 channels.</summary>
    public static int AutoChunk(VisionModel model, string layer1, int width)
    {
        long perEntry = Math.Max(1, model.LayerInfo(layer1).Channels * (long)width * width);
        return (int)Math.Clamp(4_000_000 / perEntry, 16, 1024);
    }

    static Tensor Compute(
        VisionModel model,
        string layer1,
        string layer2,
        int width,
        int[] unitList,
        int chunk,
        IPhaseObserver? observer,
        ExpandedWeightsMethod method,
        bool linearizeClip,
        ExpandedWeightsProbes probes,
        string weightsHash
    )
    {
        using var gate = FinalizerGate.Hold();
        using var scope = NewDisposeScope();
        var crop = ZeroImageCrop(model, layer1, width);
        observer?.PhaseEnded(Phases.Crop);
        // The graph-level closed form (ONNX graphs) needs no prefix: it is probed only if
        // backpropagation is used.
        bool graphRoute =
            !linearizeClip
            && method != ExpandedWeightsMethod.Autograd
            && model.Module is Models.Onnx.OnnxGraphModule
            && model.LayerModule(layer2) is not ICenterJacobian;
        int prefixSize = 0;
        void Probe()
        {
            prefixSize = PrefixSize(model, layer1, layer2, crop, probes, weightsHash);
            observer?.PhaseEnded(Phases.PrefixProbe);
            observer?.Note(Phases.PrefixSizeNote, prefixSize);
        }
        if (!graphRoute)
            Probe();
        if (linearizeClip && method == ExpandedWeightsMethod.ClosedForm)
            throw new InvalidOperationException(
                $"No closed form for expanded weights from '{layer1}' to '{layer2}' with clamps linearized; use ExpandedWeightsMethod.Auto or Autograd."
            );
        var outIn = linearizeClip
            ? null
            : ClosedFormOrNull(
                model,
                layer1,
                layer2,
                width,
                unitList,
                crop,
                prefixSize,
                observer,
                method,
                probes,
                weightsHash
            );
        if (linearizeClip)
            observer?.Note(Phases.MethodNote, "autograd (Clip linearized as identity)");
        if (outIn is null)
        {
            if (graphRoute)
                Probe();
            var parts = new List<Tensor>();
            for (int s = 0; s < unitList.Length; s += chunk)
                parts.Add(
                    GradientChunk(
                        model,
                        layer1,
                        layer2,
                        crop,
                        unitList[s..Math.Min(unitList.Length, s + chunk)],
                        prefixSize,
                        observer,
                        linearizeClip
                    )
                );
            outIn = parts.Count == 1 ? parts[0] : cat(parts, 0);
        }
        var result = outIn.permute(2, 3, 1, 0).contiguous().MoveToOuterDisposeScope(); // [n, C1, W, W] → [W, W, C1, n]
        observer?.PhaseEnded(Phases.Assemble);
        return result;
    }

    /// <summary>
    /// The closed form's [n, C1, W, W] for <paramref name="unitList"/>, or null when
    /// backpropagation is to be used (requested, cheaper for a few units, or no checked closed
    /// form); notes which to the observer.
    /// </summary>
    static Tensor? ClosedFormOrNull(
        VisionModel model,
        string layer1,
        string layer2,
        int width,
        int[] unitList,
        Tensor crop,
        int prefixSize,
        IPhaseObserver? observer,
        ExpandedWeightsMethod method,
        ExpandedWeightsProbes probes,
        string weightsHash
    )
    {
        string? why =
            method == ExpandedWeightsMethod.Autograd ? "requested"
            // A few requested channels of a wider layer: backpropagating them costs less than the
            // closed form plus its check.
            : method == ExpandedWeightsMethod.Auto
            && unitList.Length <= ExpandedWeightsClosedForm.SpreadCount
            && unitList.Length < model.LayerInfo(layer2).Channels
                ? $"{unitList.Length} units: cheaper than the closed form and its check"
            : null;
        if (why is null)
        {
            var closed = ExpandedWeightsClosedForm.TryCompute(
                model,
                layer1,
                layer2,
                width,
                crop,
                prefixSize,
                out var reason,
                observer,
                probes,
                weightsHash
            );
            if (closed is not null)
            {
                observer?.Note(Phases.MethodNote, "closed form");
                bool all =
                    unitList.Length == closed.shape[0]
                    && unitList.Select((u, i) => u == i).All(x => x);
                return all
                    ? closed
                    : closed.index_select(
                        0,
                        tensor(unitList.Select(u => (long)u).ToArray(), int64)
                    );
            }
            if (method == ExpandedWeightsMethod.ClosedForm)
                throw new InvalidOperationException(
                    $"No closed form for expanded weights from '{layer1}' to '{layer2}': {reason}. Use ExpandedWeightsMethod.Auto or Autograd."
                );
            why = reason;
        }
        observer?.Note(Phases.MethodNote, $"autograd ({why})");
        return null;
    }

    /// <summary>layer1's activations for the all-zero [0,1] image, cropped to [1, C1, W, W]
    /// (detached): the point at which expanded weights are evaluated.</summary>
    public static Tensor ZeroImageCrop(VisionModel model, string layer1, int width)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        int size = model.Input.DefaultSize;
        var x = model.Preprocess(zeros(1, model.Input.Channels, size, size));
        var acts = model.Run(x, new RunOptions { Capture = [layer1] })[layer1];
        return acts[.., .., ..width, ..width].detach().contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The model-input size used to reach layer1 in the batched pass, whose layer1 output is then
    /// replaced by the crop. The prefix's values are discarded, so the smallest input size that
    /// runs up to layer1 is enough; it is used only after checking (at each call, or once per
    /// weights, layers and width in an <see cref="ExpandedWeightsCache"/>) that layer2 computed
    /// from the crop is bit-identical with the tiny prefix and with the default-size one (a model
    /// whose later layers depend on the input size keeps the default size).
    /// </summary>
    static int PrefixSize(
        VisionModel model,
        string layer1,
        string layer2,
        Tensor crop,
        ExpandedWeightsProbes probes,
        string weightsHash
    )
    {
        int full = model.Input.DefaultSize;
        if (layer1 == VisionModel.InputLayer)
            return full; // the input itself is replaced: no prefix runs
        string key = $"{weightsHash}|{layer1}|{layer2}|{crop.shape[2]}";
        if (probes.PrefixSizes.TryGetValue(key, out int known))
            return known;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor? Layer2At(int size)
        {
            try
            {
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
            catch (Exception e)
                when (e is ExternalException or ArgumentException or InvalidOperationException)
            {
                return null;
            }
        }
        var reference = Layer2At(full)
            ?? throw new InvalidOperationException(
                $"{model.Name} failed to run from '{layer1}' to '{layer2}' at its default input size."
            );
        int chosen = full;
        foreach (int size in new[] { 1, 2, 4, 8, 16, 32, 64, 128 })
        {
            if (size >= full)
                break;
            var y = Layer2At(size);
            if (y is null)
                continue;
            if (y.shape.SequenceEqual(reference.shape) && y.eq(reference).all().item<bool>())
                chosen = size;
            break;
        }
        probes.PrefixSizes[key] = chosen;
        return chosen;
    }

    /// <summary>One batched backward: d layer2[b, units[b], center] / d crop → [n, C1, W,
    /// W].</summary>
    internal static Tensor GradientChunk(
        VisionModel model,
        string layer1,
        string layer2,
        Tensor crop,
        int[] units,
        int prefixSize,
        IPhaseObserver? observer,
        bool linearizeClip = false
    )
    {
        using var scope = NewDisposeScope();
        using var g = enable_grad();
        int n = units.Length;
        var x = crop.expand(n, -1, -1, -1).clone().requires_grad_(true);
        var modelInput =
            layer1 == VisionModel.InputLayer
                ? x
                : model.Preprocess(zeros(1, model.Input.Channels, prefixSize, prefixSize));
        // Only input gradients are needed: switch parameter gradients off so no weight gradients
        // are computed.
        var frozen = model.Module.parameters().Where(p => p.requires_grad).ToList();
        foreach (var p in frozen)
            p.requires_grad_(false);
        Action? removeLap = null;
        if (observer is not null && model.LayerModule(layer1) is { } m1)
        {
            var h = m1.register_forward_hook(
                (_, _, _) =>
                {
                    observer.PhaseEnded(Phases.Prefix);
                    return null!;
                }
            );
            removeLap = h.remove;
        }
        Tensor y;
        try
        {
            y = model.Run(
                modelInput,
                new RunOptions
                {
                    Capture = [layer2],
                    Replace = new Dictionary<string, Tensor> { [layer1] = x },
                    Linearize = true,
                    LinearizeClip = linearizeClip,
                }
            )[layer2];
        }
        finally
        {
            foreach (var p in frozen)
                p.requires_grad_(true);
            removeLap?.Invoke();
        }
        observer?.PhaseEnded(Phases.Forward);
        if (y.dim() != 4)
            throw new ArgumentException(
                $"layer2 '{layer2}' has shape [{string.Join(", ", y.shape)}]; expanded weights need a spatial [N, C, H, W] layer."
            );
        long ch = (y.shape[2] - 1) / 2,
            cw = (y.shape[3] - 1) / 2;
        // Seed: batch entry b gets a one-hot at (units[b], center row, center column).
        var seed = zeros_like(y);
        seed.index_put_(
            ones(n, dtype: y.dtype),
            arange(n, dtype: int64),
            tensor(units.Select(u => (long)u).ToArray(), int64),
            full(n, ch, dtype: int64),
            full(n, cw, dtype: int64)
        );
        observer?.PhaseEnded(Phases.Seed);
        var grad = autograd.grad([y], [x], [seed])[0];
        observer?.PhaseEnded(Phases.Backward);
        return grad.detach().MoveToOuterDisposeScope();
    }

    /// <summary>Checks layer order, width and units; returns layer2's channel count and the unit
    /// list.</summary>
    internal static (long c2, int[] units) Validate(
        VisionModel model,
        string layer1,
        string layer2,
        int width,
        IReadOnlyList<int>? units
    )
    {
        model.Layer(layer1);
        model.Layer(layer2);
        var table = model.Layers();
        int i1 = IndexOf(table, layer1, model),
            i2 = IndexOf(table, layer2, model);
        if (i2 <= i1)
            throw new ArgumentException(
                i1 == i2
                    ? $"layer1 and layer2 are both '{layer1}'; expanded weights need layer2 to come after layer1."
                    : $"layer2 '{layer2}' (position {i2} in {model.Name}'s execution order) comes before layer1 '{layer1}' (position {i1}); swap them."
            );
        var l1 = table[i1];
        var l2 = table[i2];
        if (!l1.IsSpatial)
            throw new ArgumentException(
                $"layer1 '{layer1}' has shape [{string.Join(", ", l1.Shape)}]; expanded weights need a spatial [N, C, H, W] layer."
            );
        if (!l2.IsSpatial)
            throw new ArgumentException(
                $"layer2 '{layer2}' has shape [{string.Join(", ", l2.Shape)}]; expanded weights need a spatial [N, C, H, W] layer."
            );
        long maxW = Math.Min(l1.Height, l1.Width);
        if (width < 1 || width > maxW)
            throw new ArgumentOutOfRangeException(
                nameof(width),
                $"width must be between 1 and {maxW} (layer1 '{layer1}' is {l1.Height}x{l1.Width} at {model.Name}'s default input size {model.Input.DefaultSize}); got {width}."
            );
        int[] list;
        if (units is null)
            list = Enumerable.Range(0, checked((int)l2.Channels)).ToArray();
        else
        {
            if (units.Count == 0)
                throw new ArgumentException(
                    "units is empty; pass null for all output channels.",
                    nameof(units)
                );
            foreach (var u in units)
                if (u < 0 || u >= l2.Channels)
                    throw new ArgumentOutOfRangeException(
                        nameof(units),
                        $"unit {u} is out of range for layer2 '{layer2}' with {l2.Channels} channels (valid 0..{l2.Channels - 1})."
                    );
            list = units.ToArray();
        }
        LayerCuts.EnsureCut(model, layer1, layer2);
        // ONNX graphs: the crop is run through the slice layer1 → layer2 first (cheap, remembered
        // per model), so that a width whose branches would be broadcast against each other is
        // refused rather than computed.
        if (model.Module is Models.Onnx.OnnxGraphModule)
            CropWidths.EnsureRuns(model, layer1, layer2, width);
        return (l2.Channels, list);
    }

    static int IndexOf(IReadOnlyList<LayerInfo> table, string layer, VisionModel model)
    {
        for (int i = 0; i < table.Count; i++)
            if (table[i].Name == layer)
                return i;
        throw new ArgumentException(
            $"Layer '{layer}' of {model.Name} is never computed by the forward pass."
        );
    }
}
