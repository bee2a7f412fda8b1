namespace Notebooks.Weights.Decomposition;

/// <summary>How NMF starts. sklearn ≥ 1.1 (and Lucid's ChannelReducer on it) uses
/// <see cref="Nndsvda"/> by default.</summary>
public enum NmfInit
{
    /// <summary>NNDSVD with zeros replaced by the mean of the data (sklearn's default for K ≤
    /// min(n_samples, n_features)).</summary>
    Nndsvda,

    /// <summary>Plain NNDSVD (Boutsidis &amp; Gallopoulos 2008); zeros stay zero (sklearn &lt; 1.1
    /// default).</summary>
    Nndsvd,

    /// <summary>|N(0,1)| · sqrt(mean(X)/K) from <see cref="NmfOptions.Seed"/>; the only init that
    /// allows K &gt; min(n_samples, n_features).</summary>
    Random,
}

/// <summary>
/// NMF settings, defaulting to sklearn 1.2's <c>NMF(n_components)</c>: Frobenius loss,
/// coordinate-descent (HALS) solver, tol 1e-4 on violation / first-iteration violation, max_iter
/// 200, no regularization, NNDSVDa init. Difference: NNDSVD takes the top singular vectors from an
/// eigendecomposition of the Gram matrix where sklearn uses a randomized SVD (the same vectors up
/// to rounding for these sizes).
/// </summary>
public sealed record NmfOptions
{
    /// <summary>Number of factors K.</summary>
    public required int Components { get; init; }

    /// <summary>Initialization; default NNDSVDa.</summary>
    public NmfInit Init { get; init; } = NmfInit.Nndsvda;

    /// <summary>Stop when the summed projected-gradient violation of an iteration is ≤ Tol × that
    /// of the first iteration.</summary>
    public double Tol { get; init; } = 1e-4;

    /// <summary>Maximum number of coordinate-descent iterations (each updates W, then H).</summary>
    public int MaxIter { get; init; } = 200;

    /// <summary>Seed for <see cref="NmfInit.Random"/> (NNDSVD inits are deterministic).</summary>
    public int Seed { get; init; }
}
