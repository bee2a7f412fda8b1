namespace Notebooks.Weights.Rendering;

/// <summary>
/// The value range mapped to black..white when an image is encoded (Lucid <c>show(...,
/// domain=)</c>): <see cref="Unit"/> is (0, 1), <see cref="MinMax"/> uses the image's own min..max,
/// <see cref="Fixed"/> any range. Values outside a fixed domain are clipped as Lucid does;
/// <see cref="Image.ClippedCount"/> reports how many.
/// </summary>
public sealed record ImageDomain
{
    /// <summary>Lower bound (null for min..max).</summary>
    public double? Min { get; }

    /// <summary>Upper bound (null for min..max).</summary>
    public double? Max { get; }

    ImageDomain(double? min, double? max)
    {
        Min = min;
        Max = max;
    }

    /// <summary>(0, 1): the default of <c>show</c> for images that are already in [0, 1].</summary>
    public static ImageDomain Unit { get; } = new(0, 1);

    /// <summary>The image's own min..max (a constant image maps to black).</summary>
    public static ImageDomain MinMax { get; } = new(null, null);

    /// <summary>A fixed range; <paramref name="min"/> must be below
    /// <paramref name="max"/>.</summary>
    public static ImageDomain Fixed(double min, double max)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max) || !(min < max))
            throw new ArgumentException(
                $"image domain must be finite with min < max, got ({min}, {max})",
                nameof(min)
            );
        return new(min, max);
    }

    /// <summary>True for <see cref="MinMax"/>.</summary>
    public bool IsAuto => Min is null;

    /// <inheritdoc />
    public override string ToString() =>
        IsAuto ? "min..max" : $"({Html.Num(Min!.Value)}, {Html.Num(Max!.Value)})";
}
