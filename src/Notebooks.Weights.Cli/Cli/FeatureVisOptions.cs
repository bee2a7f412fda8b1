using Notebooks.Weights.FeatureVis;

namespace Notebooks.Weights.Cli;

/// <summary>
/// How a feature visualization is rendered: <c>[--steps 512] [--size 128] [--seed 0] [--objective
/// channel|neuron] [--no-pre-relu] [--no-relu-override]</c>, read as one
/// <see cref="FeatureVisSettings"/> (Lucid's defaults).
/// </summary>
public sealed class FeatureVisOptions : OptionGroup
{
    /// <summary><c>--steps</c>.</summary>
    public Option<int> Steps { get; } = Opt.Steps(512, "optimization steps per image");

    /// <summary><c>--size</c>.</summary>
    public Option<int> Size { get; } = Opt.Int("--size", "image size in pixels", 128, min: 8);

    /// <summary><c>--seed</c>.</summary>
    public Option<int> Seed { get; } = Opt.Seed(0);

    /// <summary><c>--objective</c>.</summary>
    public Option<string> Objective { get; } =
        Opt.Choice(
            "--objective",
            "channel: mean of the unit's channel; neuron: its center position",
            "channel",
            "channel",
            "neuron"
        );

    /// <summary><c>--no-pre-relu</c>.</summary>
    public Option<bool> NoPreRelu { get; } =
        Opt.Flag(
            "--no-pre-relu",
            "optimize the layer itself, not its pre-ReLU tensor (Lucid's convention)"
        );

    /// <summary><c>--no-relu-override</c>.</summary>
    public Option<bool> NoReluOverride { get; } =
        Opt.Flag(
            "--no-relu-override",
            "ordinary ReLU gradients from the first step (Lucid redirects them for the first 17 steps)"
        );

    /// <summary>The settings the options describe.</summary>
    public FeatureVisSettings Read(CliArgs args) =>
        new(
            args.Get(Size),
            args.Get(Steps),
            args.Get(Seed),
            args.Get(Objective) == "neuron" ? UnitObjective.Neuron : UnitObjective.Channel
        )
        {
            PreRelu = !args.Get(NoPreRelu),
            ReluGradientOverride = !args.Get(NoReluOverride),
        };
}
