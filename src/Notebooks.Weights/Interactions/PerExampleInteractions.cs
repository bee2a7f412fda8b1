using static TorchSharp.torch;

namespace Notebooks.Weights.Interactions;

/// <summary>
/// Per-example interactions from unit A to unit B (<see cref="Interaction.PerExample"/>): for image
/// n, <c>Maps[n, i, j]</c> = ∂B(image n, at <c>Positions[n]</c>) / ∂A(image n, row r0 + i, column
/// c0 + j), the [W, W] crop of layer1 around B's position in the expanded-weight convention
/// (<see cref="InteractionGeometry"/>). Crop positions outside layer1's map are 0 (there is no
/// activation there). Holds a native tensor: dispose it.
/// </summary>
public sealed class PerExampleInteractions : IDisposable
{
    internal PerExampleInteractions(
        UnitRef from,
        UnitRef to,
        Tensor maps,
        (int Y, int X)[] positions,
        double[] values,
        bool linearized,
        InteractionGeometry geometry,
        int[] imageIndices
    )
    {
        From = from;
        To = to;
        Maps = maps;
        Positions = positions;
        BValues = values;
        Linearized = linearized;
        Geometry = geometry;
        ImageIndices = imageIndices;
    }

    /// <summary>The earlier unit A.</summary>
    public UnitRef From { get; }

    /// <summary>The later unit B.</summary>
    public UnitRef To { get; }

    /// <summary>[N, W, W] float32 gradient maps (row, column).</summary>
    public Tensor Maps { get; }

    /// <summary>B's position (row, column on layer2's map) per image.</summary>
    public IReadOnlyList<(int Y, int X)> Positions { get; }

    /// <summary>B's (forward) value at its position, per image.</summary>
    public IReadOnlyList<double> BValues { get; }

    /// <summary>True when Lucid's linearized gradients were used (ReLU → identity, max pool →
    /// average pool).</summary>
    public bool Linearized { get; }

    /// <summary>How layer2 positions line up with layer1 crops.</summary>
    public InteractionGeometry Geometry { get; }

    /// <summary>Index of each row's image in the batch that was passed in.</summary>
    public IReadOnlyList<int> ImageIndices { get; }

    /// <summary>Size (rows, columns) of layer2's map at these images.</summary>
    public (int H, int W) Layer2Size { get; init; }

    /// <summary>Number of images N.</summary>
    public int Count => Positions.Count;

    /// <summary>Crop width W.</summary>
    public int Width => Geometry.Width;

    /// <summary>The [W, W] map of image <paramref name="n"/>.</summary>
    public Tensor Map(int n) => Maps[n];

    /// <inheritdoc/>
    public void Dispose() => Maps.Dispose();

    /// <inheritdoc/>
    public override string ToString() =>
        $"PerExampleInteractions {From} -> {To}: {Count} images, [{Width}x{Width}] maps, {(Linearized ? "linearized" : "real")} gradients";
}
