using Notebooks.Weights.Interactions;

namespace Notebooks.Weights.Cli;

/// <summary>
/// <c>--model M --from L1 --to L2 [--width 5]</c>: two layers of a model and the W×W crop of the
/// expanded weights between them (expand, render, interaction, bench expand, bench interaction).
/// </summary>
public sealed class LayerPairOptions(bool modelRequired = true, bool layersRequired = true)
    : OptionGroup
{
    /// <summary><c>--model</c>.</summary>
    public Option<string> Model { get; } = Opt.Model(required: modelRequired);

    /// <summary><c>--from</c>: the earlier layer.</summary>
    public Option<string> From { get; } = Opt.From(layersRequired);

    /// <summary><c>--to</c>: the later layer.</summary>
    public Option<string> To { get; } = Opt.To(layersRequired);

    /// <summary><c>--width</c>.</summary>
    public Option<int> Width { get; } = Opt.Width(5);

    /// <summary>The parsed values (model, from and to are null when optional and absent).</summary>
    public LayerPair Read(CliArgs args) =>
        new(args.Get(Model), args.Get(From), args.Get(To), args.Get(Width));
}

/// <summary>The values of <see cref="LayerPairOptions"/>.</summary>
public sealed record LayerPair(string Model, string From, string To, int Width)
{
    /// <summary><c>--from L1:a</c> as a unit reference (a verb about one unit of each
    /// layer).</summary>
    public UnitRef FromUnit => UnitRef.Parse(From, "--from");

    /// <summary><c>--to L2:b</c> as a unit reference.</summary>
    public UnitRef ToUnit => UnitRef.Parse(To, "--to");
}
