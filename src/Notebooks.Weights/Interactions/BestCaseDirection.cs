namespace Notebooks.Weights.Interactions;

/// <summary>Which best case <see cref="BestCaseInteraction.Optimize"/> searches for.</summary>
public enum BestCaseDirection
{
    /// <summary>
    /// The excitatory best case (largest total gradient); if that is not positive (no image makes A
    /// excite B: the search drives B inactive, where the gradient vanishes), the inhibitory one
    /// instead, so an inhibitory pair gets its strongest achievable inhibition rather than a
    /// degenerate 0.
    /// </summary>
    Auto,

    /// <summary>Maximize the total gradient Σ ∂B/∂A.</summary>
    Excitatory,

    /// <summary>Minimize it (largest magnitude of a negative total), with B's own ReLU smoothed so
    /// an inactive B still gets gradient.</summary>
    Inhibitory,
}
