using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Notebooks.Weights.Models;
using static TorchSharp.torch;

namespace Notebooks.Weights.Interactions;

/// <summary>
/// How a position of layer2 lines up with layer1, in <see cref="Connections.ExpandedWeights"/>'
/// crop convention: a [W, W] crop of layer1 fed to layer2 gives a map whose centre is
/// (<see cref="CenterY"/>, <see cref="CenterX"/>) = ((H2' − 1) / 2, (W2' − 1) / 2); layer2 moves
/// <see cref="StrideY"/> × <see cref="StrideX"/> layer1 positions per step. So the crop that the
/// expanded weight "sees" around layer2 position (y, x) starts at layer1 row (y − CenterY)·StrideY,
/// column (x − CenterX)·StrideX. Both are measured by running layer2 on zero crops of width W and W
/// + 32 (exact for convolutions and pools with constant padding; TF "SAME" padding, which depends
/// on the map's parity, can shift a strided layer's windows by one position).
/// </summary>
public sealed record InteractionGeometry(
    int Width,
    int CenterY,
    int CenterX,
    int StrideY,
    int StrideX
)
{
    const int Probe = 32;
    static readonly ConditionalWeakTable<
        VisionModel,
        ConcurrentDictionary<string, InteractionGeometry>
    > Known = new();

    /// <summary>The geometry from <paramref name="layer1"/> to <paramref name="layer2"/> for crops
    /// of <paramref name="width"/> (measured once per model).</summary>
    public static InteractionGeometry Of(VisionModel model, string layer1, string layer2, int width)
    {
        var table = Known.GetOrCreateValue(model);
        string key = $"{layer1}|{layer2}|{width}"; // map sizes depend on the modules and shapes only, not on weight values
        if (table.TryGetValue(key, out var g))
            return g;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        long c1 = model.LayerInfo(layer1).Channels;
        int size = model.Input.DefaultSize;
        (long h, long w) MapSize(int crop)
        {
            var x = model.Preprocess(zeros(1, model.Input.Channels, size, size));
            var y = model.Run(
                x,
                new RunOptions
                {
                    Capture = [layer2],
                    Replace = new Dictionary<string, Tensor>
                    {
                        [layer1] = zeros(1, c1, crop, crop),
                    },
                }
            )[layer2];
            if (y.dim() != 4)
                throw new ArgumentException(
                    $"layer2 '{layer2}' has shape [{string.Join(", ", y.shape)}]; interactions need a spatial [N, C, H, W] layer."
                );
            return (y.shape[2], y.shape[3]);
        }
        Connections.CropWidths.EnsureRuns(model, layer1, layer2, width); // a width the graph cannot run: named, with the widths that run
        var (h0, w0) = MapSize(width);
        if (h0 < 1 || w0 < 1)
            throw new ArgumentException(
                $"A {width}x{width} crop of '{layer1}' gives an empty '{layer2}' map; use a larger width."
            );
        var (h1, w1) = MapSize(width + Probe);
        int Stride(long d, string axis) =>
            d > 0 && Probe % d == 0
                ? (int)(Probe / d)
                : throw new NotSupportedException(
                    $"Cannot line up '{layer2}' with '{layer1}' along {axis}: {Probe} more layer1 positions give {d} more layer2 positions (strides dividing {Probe} are supported)."
                );
        g = new InteractionGeometry(
            width,
            (int)((h0 - 1) / 2),
            (int)((w0 - 1) / 2),
            Stride(h1 - h0, "rows"),
            Stride(w1 - w0, "columns")
        );
        table[key] = g;
        return g;
    }

    /// <summary>First layer1 row of the crop around layer2 row <paramref name="y"/>.</summary>
    public int CropRow(int y) => (y - CenterY) * StrideY;

    /// <summary>First layer1 column of the crop around layer2 column
    /// <paramref name="x"/>.</summary>
    public int CropColumn(int x) => (x - CenterX) * StrideX;
}
