namespace Notebooks.Weights.Models.Default;

/// <summary>
/// Shape of a <see cref="DefaultNet"/>: square input size (a multiple of 8), number of classes,
/// conv widths of conv2d0..conv2d3, conv2d0's kernel size, the pooling head, and the factor applied
/// to conv2d0's default initial weights (small, so the trained first-layer filters show what
/// training put there rather than the random init). <see cref="Standard"/> is the shipped model.
/// </summary>
public sealed record DefaultNetConfig(
    int InputSize = 64,
    int Classes = 10,
    PoolingHead Head = PoolingHead.GlobalAverage,
    int Width0 = 32,
    int Width1 = 64,
    int Width2 = 96,
    int Width3 = 128,
    int Kernel0 = 5,
    double FirstLayerInitScale = 0.1
)
{
    /// <summary>The shipped default model: 64 px, 10 classes, widths 32/64/96/128, 5x5 first layer,
    /// global average pooling.</summary>
    public static DefaultNetConfig Standard { get; } = new();

    /// <summary>Conv widths in order.</summary>
    public int[] Widths => [Width0, Width1, Width2, Width3];

    /// <summary>Spatial size of conv2d3 (input / 8).</summary>
    public int LastConvSize => InputSize / 8;

    /// <summary>Throws with the offending field when the configuration cannot be built.</summary>
    public void Validate()
    {
        if (InputSize < 8 || InputSize % 8 != 0)
            throw new ArgumentException(
                $"InputSize must be a positive multiple of 8 (three 2x2 poolings); got {InputSize}."
            );
        if (Classes < 2)
            throw new ArgumentException($"Classes must be at least 2; got {Classes}.");
        foreach (var (w, i) in Widths.Select((w, i) => (w, i)))
            if (w < 1)
                throw new ArgumentException($"Width of conv2d{i} must be positive; got {w}.");
        if (!(FirstLayerInitScale > 0))
            throw new ArgumentException(
                $"FirstLayerInitScale must be positive; got {FirstLayerInitScale}."
            );
        if (Kernel0 < 1 || Kernel0 % 2 == 0)
            throw new ArgumentException(
                $"Kernel0 must be odd and positive (symmetric padding); got {Kernel0}."
            );
    }
}
