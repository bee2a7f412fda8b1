namespace Notebooks.Weights.Interactions;

/// <summary>
/// Where on layer2's map the later unit B is read: its argmax over space for each image (default),
/// or one fixed (row, column) for every image.
/// </summary>
public sealed record InteractionPosition
{
    InteractionPosition(int? y, int? x) => (Y, X) = (y, x);

    /// <summary>B's argmax over space, per image.</summary>
    public static InteractionPosition Argmax { get; } = new(null, null);

    /// <summary>A fixed position: row <paramref name="y"/>, column <paramref name="x"/> of layer2's
    /// map.</summary>
    public static InteractionPosition At(int y, int x)
    {
        if (y < 0 || x < 0)
            throw new ArgumentOutOfRangeException(
                nameof(y),
                $"Position ({y}, {x}) must be non-negative."
            );
        return new(y, x);
    }

    /// <summary>Fixed row, or null for argmax.</summary>
    public int? Y { get; }

    /// <summary>Fixed column, or null for argmax.</summary>
    public int? X { get; }

    /// <summary>True for <see cref="Argmax"/>.</summary>
    public bool IsArgmax => Y is null;

    /// <inheritdoc/>
    public override string ToString() => IsArgmax ? "argmax" : $"({Y}, {X})";
}
