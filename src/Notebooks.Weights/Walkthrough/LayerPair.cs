namespace Notebooks.Weights.Walkthrough;

/// <summary>
/// Two layers whose expanded weights the walkthrough studies (<c>get_expanded_weights(From, To, W:
/// Width)</c>): everything <see cref="To"/> depends on flows through <see cref="From"/>, and
/// <see cref="Width"/> fits <see cref="From"/>'s map.
/// </summary>
public sealed record LayerPair(string From, string To, int Width)
{
    /// <inheritdoc/>
    public override string ToString() => $"{From} → {To} (W = {Width})";
}
