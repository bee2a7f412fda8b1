using static TorchSharp.torch;

namespace Notebooks.Weights.Decomposition;

/// <summary>One NMF fit X ≈ W · H. Owns its tensors (float64); dispose it or let a dispose scope
/// take them.</summary>
public sealed class NmfResult : IDisposable
{
    /// <summary>The transformed data (sklearn's <c>fit_transform</c> output), [n_samples, K],
    /// non-negative.</summary>
    public required Tensor W { get; init; }

    /// <summary>The factors (sklearn's <c>components_</c>), [K, n_features],
    /// non-negative.</summary>
    public required Tensor H { get; init; }

    /// <summary>Same as <see cref="H"/>, named like Lucid's
    /// <c>ChannelReducer.components</c>.</summary>
    public Tensor Components => H;

    /// <summary>‖X − W H‖ (Frobenius), sklearn's <c>reconstruction_err_</c>.</summary>
    public required double ReconstructionError { get; init; }

    /// <summary>‖X − W H‖ / ‖X‖.</summary>
    public required double RelativeError { get; init; }

    /// <summary>Coordinate-descent iterations run (sklearn's <c>n_iter_</c>).</summary>
    public required int Iterations { get; init; }

    /// <summary>True when the tolerance was met before (or at)
    /// <see cref="NmfOptions.MaxIter"/>.</summary>
    public required bool Converged { get; init; }

    /// <inheritdoc/>
    public void Dispose()
    {
        W.Dispose();
        H.Dispose();
    }
}

/// <summary>Many independent NMF fits computed together: entry b is the fit of X[b].</summary>
public sealed class BatchedNmfResult : IDisposable
{
    /// <summary>[B, n_samples, K].</summary>
    public required Tensor W { get; init; }

    /// <summary>[B, K, n_features].</summary>
    public required Tensor H { get; init; }

    /// <summary>‖X[b] − W[b] H[b]‖ per entry.</summary>
    public required double[] ReconstructionError { get; init; }

    /// <summary>‖X[b] − W[b] H[b]‖ / ‖X[b]‖ per entry (0 when X[b] is all zero).</summary>
    public required double[] RelativeError { get; init; }

    /// <summary>Iterations per entry; each entry stops on its own criterion, exactly as if fitted
    /// alone.</summary>
    public required int[] Iterations { get; init; }

    /// <summary>Whether each entry met the tolerance.</summary>
    public required bool[] Converged { get; init; }

    /// <summary>Number of fits B.</summary>
    public int Count => Iterations.Length;

    /// <inheritdoc/>
    public void Dispose()
    {
        W.Dispose();
        H.Dispose();
    }
}
