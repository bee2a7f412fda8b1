using static TorchSharp.torch;

namespace Notebooks.Weights.Decomposition;

/// <summary>
/// The weight-banding picture of a conv layer: every neuron's weights [C_in, kH, kW] reduced by
/// one-sided NMF to K spatial factor maps, colored consistently across neurons
/// (<see cref="FactorColorAssignment"/>) and collapsed to an RGB image [kH, kW, 3] with
/// <see cref="CollapseChannels"/>, plus a neuron order that puts alike neurons together.
/// </summary>
/// <remarks>
/// Ordering heuristic (ours; the article does not specify one): neurons are grouped by their
/// dominant color slot (the slot with the largest factor strength), groups in slot order; inside a
/// group a nearest-neighbour chain starts at the neuron closest to the group mean and repeatedly
/// appends the most similar remaining neuron, similarity being the cosine between the neurons'
/// color-aligned spatial factor maps (flattened [kH·kW·K]). Each image is normalized like the
/// notebook (factor maps divided by their max before collapsing).
/// </remarks>
public sealed class LayerFactorGrid : IDisposable
{
    /// <summary>RGB image per neuron [C_out, kH, kW, 3] (float64, in neuron index order, values in
    /// [0, ~1]).</summary>
    public required Tensor Images { get; init; }

    /// <summary>Color-aligned spatial factor maps [C_out, kH, kW, K]: channel j is the factor in
    /// color slot j.</summary>
    public required Tensor AlignedFactors { get; init; }

    /// <summary>Grid order: Order[i] is the neuron shown at position i.</summary>
    public required int[] Order { get; init; }

    /// <summary>The dominant color slot of each neuron (index order).</summary>
    public required int[] DominantSlot { get; init; }

    /// <summary>The color of each slot [K, 3] (hue 360·j/K).</summary>
    public required Tensor Palette { get; init; }

    /// <summary>The factor → slot matching.</summary>
    public required FactorColorAssignment Colors { get; init; }

    /// <summary>Per-neuron NMF fits (W [C_out, kH·kW, K], H [C_out, K, 2·C_in]).</summary>
    public required BatchedNmfResult Nmf { get; init; }

    /// <summary>Images in grid order [C_out, kH, kW, 3].</summary>
    public Tensor OrderedImages()
    {
        using var scope = NewDisposeScope();
        return Images
            .index_select(0, tensor(Order.Select(i => (long)i).ToArray()))
            .MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One picture of the whole grid in <see cref="Order"/>: [rows·(kH+pad)−pad,
    /// columns·(kW+pad)−pad, 3], with
    /// <paramref name="padValue"/> between cells (white by default, like the article).
    /// </summary>
    public Tensor Mosaic(int columns = 32, int pad = 1, double padValue = 1.0)
    {
        if (columns < 1)
            throw new ArgumentOutOfRangeException(
                nameof(columns),
                $"mosaic columns must be ≥ 1; got {columns}."
            );
        if (pad < 0)
            throw new ArgumentOutOfRangeException(
                nameof(pad),
                $"mosaic padding must be ≥ 0; got {pad}."
            );
        using var scope = NewDisposeScope();
        var imgs = OrderedImages();
        int n = (int)imgs.shape[0],
            kh = (int)imgs.shape[1],
            kw = (int)imgs.shape[2];
        int cols = Math.Min(columns, n),
            rows = (n + cols - 1) / cols;
        var canvas = full(
            rows * (kh + pad) - pad,
            cols * (kw + pad) - pad,
            3,
            padValue,
            dtype: ScalarType.Float64
        );
        for (int i = 0; i < n; i++)
        {
            int r = i / cols,
                c = i % cols;
            canvas.narrow(0, r * (kh + pad), kh).narrow(1, c * (kw + pad), kw).copy_(imgs[i]);
        }
        return canvas.MoveToOuterDisposeScope();
    }

    /// <summary>Runs batched one-sided NMF on a conv weight [C_out, C_in, kH, kW] and builds the
    /// grid.</summary>
    public static LayerFactorGrid Compute(
        Tensor weight,
        int nComponents = 3,
        NmfOptions? options = null
    )
    {
        LayerNmf.CheckWeight(weight);
        var o = (options ?? new NmfOptions { Components = nComponents }) with
        {
            Components = nComponents,
        };
        var fit = LayerNmf.Fit(weight, o);
        try
        {
            return FromFactors(fit, (int)weight.shape[2], (int)weight.shape[3]);
        }
        catch
        {
            fit.Dispose();
            throw;
        }
    }

    /// <summary>Builds the grid from per-neuron NMF factors (takes ownership of
    /// <paramref name="fit"/>).</summary>
    public static LayerFactorGrid FromFactors(BatchedNmfResult fit, int kernelH, int kernelW)
    {
        long N = fit.W.shape[0],
            S = fit.W.shape[1],
            K = fit.W.shape[2];
        if (S != (long)kernelH * kernelW)
            throw new ArgumentException(
                $"factor maps have {S} spatial positions but the kernel is {kernelH}x{kernelW} = {kernelH * kernelW}.",
                nameof(fit)
            );
        using var scope = NewDisposeScope();
        var W = fit.W.to_type(ScalarType.Float64); // [N, S, K]
        var H = fit.H.to_type(ScalarType.Float64); // [N, K, D]
        var strength = linalg.vector_norm(W, dims: [1]) * linalg.vector_norm(H, dims: [2]); // [N, K]
        var colors = FactorColorAssignment.Fit(H, strength);
        colors.References.MoveToOuterDisposeScope();

        // Aligned[n, :, slot] = W[n, :, f] for the factor f in that slot.
        var inverse = new long[N * K];
        for (int n = 0; n < N; n++)
        for (int f = 0; f < K; f++)
            inverse[n * K + colors.Slots[n][f]] = f;
        var gatherIdx = tensor(inverse, [N, 1, K]).expand(N, S, K);
        var aligned = W.gather(2, gatherIdx); // [N, S, K]
        var alignedStrength = strength.gather(1, tensor(inverse, [N, K]));

        var maxPer = aligned.flatten(1).amax([1]).clamp_min(1e-300).reshape(N, 1, 1);
        var normalized = (aligned / maxPer).reshape(N, kernelH, kernelW, K);
        var images = CollapseChannels.Collapse(normalized);
        var dominant = alignedStrength.argmax(1).data<long>().Select(v => (int)v).ToArray();

        var order = OrderNeurons(aligned.flatten(1), dominant, (int)K);
        return new LayerFactorGrid
        {
            Images = images.MoveToOuterDisposeScope(),
            AlignedFactors = normalized.MoveToOuterDisposeScope(),
            Order = order,
            DominantSlot = dominant,
            Palette = CollapseChannels.Palette((int)K).MoveToOuterDisposeScope(),
            Colors = colors,
            Nmf = fit,
        };
    }

    static int[] OrderNeurons(Tensor features, int[] dominant, int k)
    {
        using var scope = NewDisposeScope();
        var unit = nn.functional.normalize(features, p: 2, dim: 1);
        var order = new List<int>(dominant.Length);
        for (int slot = 0; slot < k; slot++)
        {
            var members = Enumerable
                .Range(0, dominant.Length)
                .Where(i => dominant[i] == slot)
                .ToArray();
            if (members.Length == 0)
                continue;
            var u = unit.index_select(0, tensor(members.Select(i => (long)i).ToArray()));
            var sim = u.matmul(u.t()).contiguous().data<double>().ToArray();
            var toMean = u.matmul(u.mean([0])).contiguous().data<double>().ToArray();
            int g = members.Length;
            var used = new bool[g];
            int cur = Enumerable
                .Range(0, g)
                .OrderByDescending(i => toMean[i])
                .ThenBy(i => i)
                .First();
            for (int step = 0; step < g; step++)
            {
                used[cur] = true;
                order.Add(members[cur]);
                int next = -1;
                double best = double.NegativeInfinity;
                for (int j = 0; j < g; j++)
                    if (!used[j] && sim[cur * g + j] > best)
                    {
                        best = sim[cur * g + j];
                        next = j;
                    }
                if (next < 0)
                    break;
                cur = next;
            }
        }
        return order.ToArray();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Images.Dispose();
        AlignedFactors.Dispose();
        Palette.Dispose();
        Colors.Dispose();
        Nmf.Dispose();
    }
}
