namespace Notebooks.Weights.Decomposition;

/// <summary>The decomposition a <see cref="ChannelReducer"/> runs (Lucid passes a
/// sklearn.decomposition class name).</summary>
public enum ReductionAlgorithm
{
    /// <summary>Non-negative matrix factorization (Lucid's default, <c>"NMF"</c>).</summary>
    Nmf,

    /// <summary>Principal component analysis: centered SVD, optional whitening
    /// (<c>"PCA"</c>).</summary>
    Pca,

    /// <summary>Truncated SVD: uncentered, like sklearn's <c>TruncatedSVD</c>
    /// (<c>"TruncatedSVD"</c>).</summary>
    TruncatedSvd,
}
