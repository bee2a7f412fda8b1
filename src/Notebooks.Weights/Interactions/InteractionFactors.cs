using Notebooks.Weights.Decomposition;
using static TorchSharp.torch;

namespace Notebooks.Weights.Interactions;

/// <summary>
/// "Factor the gradient over many examples to determine major possible cases": the [N, W·W]
/// per-example interaction maps reduced with <see cref="ChannelReducer"/> to K cases. NMF (default)
/// runs on the posneg split of each map (positive and negative parts as separate non-negative
/// channels, Lucid's trick), so a case is a signed map and each image loads on it with a
/// non-negative weight; PCA gives signed components of the centered maps and signed scores.
/// Scaling: each case map is multiplied by its largest loading and the loadings divided by it, so a
/// case is shown in gradient units as it appears at the image that loads most on it (NMF loadings
/// then lie in [0, 1]).
/// </summary>
public sealed class InteractionFactors : IDisposable
{
    InteractionFactors(
        Tensor cases,
        Tensor loadings,
        int[][] top,
        ReductionAlgorithm algorithm,
        double relativeError,
        Tensor? mean
    ) =>
        (Cases, Loadings, TopImages, Algorithm, RelativeError, Mean) = (
            cases,
            loadings,
            top,
            algorithm,
            relativeError,
            mean
        );

    /// <summary>[K, W, W] signed case maps (float32).</summary>
    public Tensor Cases { get; }

    /// <summary>[N, K] loading of every image on every case (float64).</summary>
    public Tensor Loadings { get; }

    /// <summary>Per case, the rows of the interaction maps (images) that load most on it, best
    /// first.</summary>
    public IReadOnlyList<int[]> TopImages { get; }

    /// <summary>The reduction used.</summary>
    public ReductionAlgorithm Algorithm { get; }

    /// <summary>‖X − reconstruction‖ / ‖X‖ of the fit (PCA: of the centered maps).</summary>
    public double RelativeError { get; }

    /// <summary>PCA only: the mean map [W, W] the cases vary around; null for NMF.</summary>
    public Tensor? Mean { get; }

    /// <summary>Number of cases K.</summary>
    public int Count => (int)Cases.shape[0];

    /// <summary>
    /// Reduces <paramref name="interactions"/> to <paramref name="k"/> cases with
    /// <paramref name="algorithm"/> (NMF on posneg or PCA; <paramref name="seed"/> for NMF's random
    /// choices) and lists the <paramref name="topImages"/> images loading most on each.
    /// </summary>
    public static InteractionFactors Compute(
        PerExampleInteractions interactions,
        int k,
        ReductionAlgorithm algorithm = ReductionAlgorithm.Nmf,
        int seed = 0,
        int topImages = 4
    )
    {
        ArgumentNullException.ThrowIfNull(interactions);
        if (algorithm == ReductionAlgorithm.TruncatedSvd)
            throw new ArgumentException(
                "Interaction factors use NMF (on posneg) or PCA; TruncatedSvd is not offered.",
                nameof(algorithm)
            );
        int n = interactions.Count,
            w = interactions.Width;
        if (k < 1)
            throw new ArgumentOutOfRangeException(
                nameof(k),
                $"Number of factors must be at least 1; got {k}."
            );
        if (topImages < 1)
            throw new ArgumentOutOfRangeException(
                nameof(topImages),
                $"topImages must be at least 1; got {topImages}."
            );
        int maxK =
            algorithm == ReductionAlgorithm.Pca ? Math.Min(n, w * w) : Math.Min(n, 2 * w * w);
        if (k > maxK)
            throw new ArgumentOutOfRangeException(
                nameof(k),
                $"{k} factors from {n} images of {w}x{w} maps: {algorithm} allows at most {maxK}."
            );
        using var scope = NewDisposeScope();
        var x = interactions.Maps.reshape(n, w * w).to(ScalarType.Float64);
        if (x.abs().max().item<double>() == 0)
            throw new InvalidOperationException(
                $"All {n} per-example interactions from {interactions.From} to {interactions.To} are zero: B does not depend on A at these images (is B inactive, or A cut off by ReLUs?). Nothing to factor."
            );
        using var reducer = new ChannelReducer(k, algorithm, seed);
        Tensor load,
            comps;
        Tensor? mean = null;
        if (algorithm == ReductionAlgorithm.Nmf)
        {
            load = reducer.FitTransformPosNeg(x, -1).to(ScalarType.Float64);
            comps = reducer.SignedComponents.to(ScalarType.Float64);
        }
        else
        {
            load = reducer.FitTransform(x).to(ScalarType.Float64);
            comps = reducer.Components.to(ScalarType.Float64);
            mean = reducer.Mean!.reshape(w, w).to(ScalarType.Float32).MoveToOuterDisposeScope();
        }
        // Scale: case k × its largest loading (by magnitude), loadings ÷ it.
        var scale = load.abs().amax(0).clamp_min(1e-30); // [K]
        var cases = (comps * scale.unsqueeze(1)).reshape(k, w, w).to(ScalarType.Float32);
        var loadings = load / scale;
        var arr = loadings.contiguous().data<double>().ToArray();
        var top = new int[k][];
        for (int f = 0; f < k; f++)
            top[f] = Enumerable
                .Range(0, n)
                .OrderByDescending(i => arr[i * k + f])
                .ThenBy(i => i)
                .Take(Math.Min(topImages, n))
                .ToArray();
        return new InteractionFactors(
            cases.contiguous().MoveToOuterDisposeScope(),
            loadings.contiguous().MoveToOuterDisposeScope(),
            top,
            algorithm,
            reducer.RelativeError,
            mean
        );
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Cases.Dispose();
        Loadings.Dispose();
        Mean?.Dispose();
    }
}
