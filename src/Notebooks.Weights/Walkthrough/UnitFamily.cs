namespace Notebooks.Weights.Walkthrough;

/// <summary>
/// A group of units studied together with shared NMF factors (the notebook's high-low frequency and
/// black-and-white families). <see cref="Name"/> says what the units are, and
/// <see cref="Description"/> how they were chosen — for a derived preset a rule, never a claim
/// about what the units detect.
/// </summary>
public sealed record UnitFamily(string Name, IReadOnlyList<int> Units, string Description)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {string.Join(", ", Units)}";
}
