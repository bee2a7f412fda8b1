using static TorchSharp.torch;

namespace Notebooks.Weights.Decomposition;

/// <summary>
/// Lucid's <c>collapse_channels</c>: maps K non-negative factors [..., K] to RGB [..., 3]. Factor i
/// of K gets hue 360·i/K; rgb = Σ_i X_i·hue_i + (ΣX − max X)·[1,1,1], then rescaled to length |X|
/// (rgb /= 1e-4 + |rgb|; rgb *= |X|). If any input is negative the channels are first split posneg
/// (K → 2K), so a factor's negative part sits at the opposite hue. Values are not clipped: callers
/// normalize (the notebook divides by the max first).
/// </summary>
public static class CollapseChannels
{
    static readonly double[][] Anchors =
    [
        [1, 0, 0],
        [1, 1, 0],
        [0, 1, 0],
        [0, 1, 1],
        [0, 0, 1],
        [1, 0, 1],
    ];

    /// <summary>Lucid <c>hue_to_rgb</c> with warping: a unit-length RGB color for a hue in
    /// degrees.</summary>
    public static double[] HueToRgb(double degrees)
    {
        double ang = degrees - 360 * Math.Floor(degrees / 360);
        const double r = 60;
        int n = (int)Math.Floor(ang / r);
        double d = (ang - n * r) / r;
        d = n % 2 == 0 ? Math.Sin(d * Math.PI / 2) : 1 - Math.Sin((1 - d) * Math.PI / 2);
        var a = Normalize(Anchors[n % 6]);
        var b = Normalize(Anchors[(n + 1) % 6]);
        return Normalize([
            (1 - d) * a[0] + d * b[0],
            (1 - d) * a[1] + d * b[1],
            (1 - d) * a[2] + d * b[2],
        ]);
    }

    /// <summary>Colors of K factors: hue 360·i/K for i = 0..K−1, as a [K, 3] float64
    /// tensor.</summary>
    public static Tensor Palette(int k)
    {
        if (k < 1)
            throw new ArgumentOutOfRangeException(nameof(k), $"palette size must be ≥ 1; got {k}.");
        var data = Enumerable.Range(0, k).SelectMany(i => HueToRgb(360.0 * i / k)).ToArray();
        return tensor(data, [k, 3], ScalarType.Float64);
    }

    /// <summary>[..., K] factors → [..., 3] RGB (float64 compute; output keeps a floating input's
    /// dtype).</summary>
    public static Tensor Collapse(Tensor x)
    {
        if (x.dim() < 1 || x.shape[^1] < 1)
            throw new ArgumentException(
                $"collapse_channels needs a tensor [..., K] with K ≥ 1 channels last; got shape [{string.Join(", ", x.shape)}].",
                nameof(x)
            );
        InputChecks.NonEmptyFinite(x, "collapse_channels input");
        using var scope = NewDisposeScope();
        var X = x.to_type(ScalarType.Float64);
        if (X.lt(0).any().item<bool>())
            X = PosNeg.Split(X, -1);
        int k = (int)X.shape[^1];
        var rgb = X.matmul(Palette(k));
        rgb = rgb + (X.sum(-1, keepdim: true) - X.amax([-1], keepdim: true));
        rgb = rgb / (1e-4 + linalg.vector_norm(rgb, dims: [-1], keepdim: true));
        rgb = rgb * linalg.vector_norm(X, dims: [-1], keepdim: true);
        var dtype = x.is_floating_point() ? x.dtype : ScalarType.Float64;
        return rgb.to_type(dtype).MoveToOuterDisposeScope();
    }

    static double[] Normalize(double[] v)
    {
        double n = Math.Sqrt(v.Sum(e => e * e));
        return v.Select(e => e / n).ToArray();
    }
}
