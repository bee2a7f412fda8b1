using Notebooks.Weights.Models.Default;

namespace Notebooks.Weights.Training;

/// <summary>
/// How to train a <see cref="DefaultNet"/> on <see cref="SyntheticScenes"/>. The defaults reproduce
/// the shipped default model (<c>weights train default --out PATH</c>).
/// </summary>
public sealed record TrainOptions
{
    /// <summary>Architecture (default: <see cref="DefaultNetConfig.Standard"/>).</summary>
    public DefaultNetConfig Config { get; init; } = DefaultNetConfig.Standard;

    /// <summary>Seed of the weight initialization (a private torch generator) and of the data
    /// stream.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Optimizer steps.</summary>
    public int Steps { get; init; } = 600;

    /// <summary>Images per step (fresh generated images every step).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>AdamW peak learning rate (cosine-annealed to 0 over <see cref="Steps"/>).</summary>
    public double LearningRate { get; init; } = 2e-3;

    /// <summary>AdamW decoupled weight decay.</summary>
    public double WeightDecay { get; init; } = 1e-3;

    /// <summary>Rotate every training and validation image by 90° (the banding "rotated data"
    /// variant).</summary>
    public bool Rotate90 { get; init; }

    /// <summary>Torch intra-op threads during training; fixed so results are bitwise reproducible
    /// (restored afterwards).</summary>
    public int Threads { get; init; } = 2;

    /// <summary>Freshly generated validation images used for the reported accuracy.</summary>
    public int ValidationSize { get; init; } = 1000;

    /// <summary>Throws naming the bad field.</summary>
    public void Validate()
    {
        Config.Validate();
        if (Config.Classes != SyntheticScenes.Classes)
            throw new ArgumentException(
                $"Config.Classes must be {SyntheticScenes.Classes} (the generator's classes); got {Config.Classes}."
            );
        if (Steps < 1)
            throw new ArgumentException($"Steps must be positive; got {Steps}.");
        if (BatchSize < 1)
            throw new ArgumentException($"BatchSize must be positive; got {BatchSize}.");
        if (!(LearningRate > 0))
            throw new ArgumentException($"LearningRate must be positive; got {LearningRate}.");
        if (!(WeightDecay >= 0))
            throw new ArgumentException($"WeightDecay must be non-negative; got {WeightDecay}.");
        if (Threads < 1)
            throw new ArgumentException($"Threads must be positive; got {Threads}.");
        if (ValidationSize < 1)
            throw new ArgumentException($"ValidationSize must be positive; got {ValidationSize}.");
    }
}
