using Notebooks.Weights.Training;

namespace Notebooks.Weights.Cli;

/// <summary>
/// <c>[--seed S] [--steps N] [--batch B]</c> of a training run, defaulting to
/// <see cref="TrainOptions"/>' values (the shipped default model's): train default, lab banding.
/// </summary>
public sealed class TrainingOptions : OptionGroup
{
    static readonly TrainOptions Defaults = new();

    /// <summary><c>--seed</c>: weight init and data.</summary>
    public Option<int> Seed { get; } =
        Opt.Seed((int)Defaults.Seed, "seed of the weight initialization and of the generated data");

    /// <summary><c>--steps</c>.</summary>
    public Option<int> Steps { get; } =
        Opt.Steps(Defaults.Steps, "training steps (AdamW, one fresh batch each)");

    /// <summary><c>--batch</c>.</summary>
    public Option<int> Batch { get; } =
        Opt.Int("--batch", "images per training step", Defaults.BatchSize, min: 1);

    /// <summary><see cref="TrainOptions"/>' defaults with the given seed, steps and batch
    /// size.</summary>
    public TrainOptions Read(CliArgs args) =>
        Defaults with
        {
            Seed = args.Get(Seed),
            Steps = args.Get(Steps),
            BatchSize = args.Get(Batch),
        };
}
