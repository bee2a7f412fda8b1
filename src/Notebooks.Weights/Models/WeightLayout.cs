using static TorchSharp.torch;

namespace Notebooks.Weights.Models;

/// <summary>
/// Conversions between TorchSharp's conv weight layout OIHW [out, in, kH, kW] and
/// TensorFlow/Lucid's HWIO [kH, kW, in, out] (the layout the Lucid notebook indexes, e.g.
/// <c>params["conv2d1_w"][0, 0]</c> is [in, out]).
/// </summary>
public static class WeightLayout
{
    /// <summary>OIHW → HWIO.</summary>
    public static Tensor ToHwio(Tensor oihw) =>
        Check(oihw, "OIHW").permute(2, 3, 1, 0).contiguous();

    /// <summary>HWIO → OIHW.</summary>
    public static Tensor FromHwio(Tensor hwio) =>
        Check(hwio, "HWIO").permute(3, 2, 0, 1).contiguous();

    static Tensor Check(Tensor t, string layout) =>
        t.dim() == 4
            ? t
            : throw new ArgumentException(
                $"Expected a 4-D {layout} conv weight; got shape [{string.Join(", ", t.shape)}]."
            );
}
