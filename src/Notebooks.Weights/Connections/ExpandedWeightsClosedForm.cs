using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Notebooks.Weights.Models;
using Notebooks.Weights.Runtime;
using static TorchSharp.torch;

namespace Notebooks.Weights.Connections;

/// <summary>
/// The cheaper exact route of <see cref="ExpandedWeights"/>: when layer2's module knows its
/// linearized center Jacobian (<see cref="ICenterJacobian"/>) and receives layer1's output
/// unchanged as its input, the expanded weights are that Jacobian: products of the block's kernels
/// instead of one backward pass per output channel. Every use is checked against backpropagation on
/// eight channels spread over the output and both ends of each of its branches.
/// </summary>
static class ExpandedWeightsClosedForm
{
    /// <summary>Relative tolerance of the check against backpropagation (float32 sums in a
    /// different order).</summary>
    internal const double CheckTolerance = 1e-4;

    /// <summary>Channels spread evenly over layer2 in every check (the ends of
    /// <see cref="ICenterJacobian.ChannelGroups"/> come on top).</summary>
    internal const int SpreadCount = 8;

    /// <summary>[C2, C1, W, W] for all of layer2's channels, or null with the reason it does not
    /// apply.</summary>
    public static Tensor? TryCompute(
        VisionModel model,
        string layer1,
        string layer2,
        int width,
        Tensor crop,
        int prefixSize,
        out string reason,
        IPhaseObserver? observer,
        ExpandedWeightsProbes probes,
        string weightsHash
    )
    {
        if (model.LayerModule(layer2) is not ICenterJacobian module)
        {
            // An imported graph: its kernels composed node by node
            // (ExpandedWeightsGraphClosedForm), checked the same way.
            var composed = ExpandedWeightsGraphClosedForm.TryCompute(
                model,
                layer1,
                layer2,
                width,
                crop,
                out reason,
                out _
            );
            observer?.PhaseEnded(ExpandedWeights.Phases.ClosedForm);
            // Exact by construction where it returns (every window at the center stays inside the
            // maps): no backpropagated check.
            return composed;
        }
        bool direct = TakesLayerDirectly(
            model,
            layer1,
            layer2,
            crop,
            prefixSize,
            probes,
            weightsHash
        );
        observer?.PhaseEnded(ExpandedWeights.Phases.DirectInputProbe);
        if (!direct)
        {
            reason = $"layer2 '{layer2}' does not take layer1 '{layer1}' directly as its input";
            return null;
        }
        long c1 = crop.shape[1],
            c2 = model.LayerInfo(layer2).Channels;
        Tensor j;
        try
        {
            j = module.CenterJacobian(width);
        }
        catch (Exception e)
            when (e is ArgumentException or InvalidOperationException or ExternalException)
        {
            reason = $"{module.GetType().Name}.CenterJacobian({width}) failed: {e.Message}";
            return null;
        }
        observer?.PhaseEnded(ExpandedWeights.Phases.ClosedForm);
        if (!j.shape.SequenceEqual(new[] { c2, c1, (long)width, width }))
        {
            reason =
                $"{module.GetType().Name}.CenterJacobian({width}) returned shape [{string.Join(", ", j.shape)}]; expected [{c2}, {c1}, {width}, {width}]";
            return null;
        }

        return Checked(
            j,
            model,
            layer1,
            layer2,
            crop,
            prefixSize,
            module.ChannelGroups,
            $"the closed form of {module.GetType().Name}",
            out reason,
            observer
        );
    }

    /// <summary><paramref name="j"/> when it agrees with backpropagation on
    /// <see cref="CheckUnits"/>; otherwise null with the difference as reason.</summary>
    static Tensor? Checked(
        Tensor j,
        VisionModel model,
        string layer1,
        string layer2,
        Tensor crop,
        int prefixSize,
        IReadOnlyList<long>? groups,
        string what,
        out string reason,
        IPhaseObserver? observer
    )
    {
        var check = CheckUnits(j.shape[0], groups);
        var reference = ExpandedWeights.GradientChunk(
            model,
            layer1,
            layer2,
            crop,
            check,
            prefixSize,
            null
        );
        var mine = j.index_select(0, tensor(check.Select(u => (long)u).ToArray(), int64))
            .to_type(reference.dtype);
        double scale = reference.abs().max().to_type(ScalarType.Float64).item<double>();
        double worst = (mine - reference).abs().max().to_type(ScalarType.Float64).item<double>();
        observer?.PhaseEnded(ExpandedWeights.Phases.ClosedFormCheck);
        if (!(worst <= CheckTolerance * Math.Max(scale, 1e-30))) // NaN anywhere fails the check too
        {
            reason =
                $"{what} differ{(what.StartsWith("the closed form", StringComparison.Ordinal) ? "s" : "")} from backpropagation by {worst:G3} (largest |value| {scale:G3}) "
                + $"on channels {string.Join(", ", check)}";
            return null;
        }
        reason = "";
        return j;
    }

    /// <summary>
    /// Eight channels evenly spread over [0, c2), both ends included, plus the first and last
    /// channel of every group in
    /// <paramref name="groups"/> (a block's concatenated branches), so every branch is
    /// backpropagated whatever its width.
    /// </summary>
    internal static int[] CheckUnits(long c2, IReadOnlyList<long>? groups = null)
    {
        var units = new SortedSet<int>(
            Enumerable.Range(0, SpreadCount).Select(i => (int)(i * (c2 - 1) / (SpreadCount - 1)))
        );
        long start = 0;
        foreach (var g in groups ?? [])
        {
            if (g < 1 || start + g > c2)
                break; // a module reporting groups that do not tile its output: the spread still applies
            units.Add((int)start);
            units.Add((int)(start + g - 1));
            start += g;
        }
        return units.ToArray();
    }

    /// <summary>Whether layer2's module receives layer1's (substituted) output itself, not a tensor
    /// computed from it.</summary>
    static bool TakesLayerDirectly(
        VisionModel model,
        string layer1,
        string layer2,
        Tensor crop,
        int prefixSize,
        ExpandedWeightsProbes probes,
        string weightsHash
    )
    {
        string key = $"{weightsHash}|{layer1}|{layer2}";
        if (probes.DirectInput.TryGetValue(key, out bool cached))
            return cached;
        var target = model.LayerModule(layer2)!;
        bool same = false,
            seen = false;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var hook = target.register_forward_pre_hook(
            (_, input) =>
            {
                if (!seen)
                    same = SameView(input, crop);
                seen = true;
                return null!;
            }
        );
        try
        {
            var x =
                layer1 == VisionModel.InputLayer
                    ? crop
                    : model.Preprocess(zeros(1, model.Input.Channels, prefixSize, prefixSize));
            model.Run(
                x,
                new RunOptions
                {
                    Capture = [layer2],
                    Replace = new Dictionary<string, Tensor> { [layer1] = crop },
                }
            );
        }
        finally
        {
            hook.remove();
        }
        probes.DirectInput[key] = same;
        return same;
    }

    static bool SameView(Tensor a, Tensor b) =>
        a.is_contiguous()
        && b.is_contiguous()
        && a.dtype == b.dtype
        && a.shape.SequenceEqual(b.shape)
        && Unsafe.AreSame(
            ref MemoryMarshal.GetReference(a.bytes),
            ref MemoryMarshal.GetReference(b.bytes)
        );
}
