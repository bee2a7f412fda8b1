using Notebooks.Weights.Models.Default;

namespace Notebooks.Weights.Training;

/// <summary>
/// One training variant of the weight-banding experiments (Petrov et al. 2021, "Weight Banding"):
/// the default model's architecture and training with exactly one change. Same seed, same generated
/// data (up to the rotation).
/// </summary>
/// <param name="Name">Short name: baseline, flatten, xpool, rotated.</param>
/// <param name="Head">Pooling before the linear head.</param>
/// <param name="Rotate90">Train (and validate) on images rotated by 90°.</param>
/// <param name="Description">What changes relative to the baseline.</param>
public sealed record BandingVariant(
    string Name,
    PoolingHead Head,
    bool Rotate90,
    string Description
)
{
    /// <summary>The article's four runs: global average pooling; no pooling (flatten + linear);
    /// pooling along x only; baseline on rotated images.</summary>
    public static IReadOnlyList<BandingVariant> All { get; } =
    [
        new(
            "baseline",
            PoolingHead.GlobalAverage,
            false,
            "global average pooling (the default model)"
        ),
        new(
            "flatten",
            PoolingHead.Flatten,
            false,
            "no pooling: flatten conv2d3 (128x8x8) into the linear head"
        ),
        new(
            "xpool",
            PoolingHead.AverageX,
            false,
            "average pooling along x only (128x8x1 into the linear head)"
        ),
        new("rotated", PoolingHead.GlobalAverage, true, "baseline trained on images rotated 90°"),
    ];

    /// <summary>The variant called <paramref name="name"/>; unknown names list the valid
    /// ones.</summary>
    public static BandingVariant Get(string name) =>
        All.FirstOrDefault(v => v.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException(
            Text.Nearest.Message(
                "banding variant",
                name,
                "the banding lab",
                All.Select(v => v.Name)
            ) + $" Variants: {string.Join(", ", All.Select(v => v.Name))}."
        );

    /// <summary><paramref name="baseOptions"/> with this variant's one change applied.</summary>
    public TrainOptions Apply(TrainOptions baseOptions) =>
        baseOptions with
        {
            Rotate90 = Rotate90,
            Config = baseOptions.Config with { Head = Head },
        };
}
