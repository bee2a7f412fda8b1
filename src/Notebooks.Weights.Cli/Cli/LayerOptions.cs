namespace Notebooks.Weights.Cli;

/// <summary><c>--model M --layer L</c>: one layer of a model (top, featurevis, activations,
/// banding).</summary>
public sealed class LayerOptions : OptionGroup
{
    /// <summary><c>--model</c>.</summary>
    public Option<string> Model { get; } = Opt.Model();

    /// <summary><c>--layer</c>.</summary>
    public Option<string> Layer { get; } = Opt.Layer();

    /// <summary>The parsed values.</summary>
    public (string Model, string Layer) Read(CliArgs args) => (args.Get(Model), args.Get(Layer));
}
