using Notebooks.Weights.Walkthrough;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights preset</c>: the walkthrough's choices (layers, widths, units) for a
/// model.</summary>
public sealed class PresetVerb()
    : Verb(
        "preset",
        "the walkthrough's layers, widths and units for a model (its preset, or derived from its graph)"
    )
{
    readonly Option<string> _model = Opt.Model("default");
    readonly Option<bool> _derive = Opt.Flag(
        "--derive",
        "derive everything from the model's graph even when it has a preset"
    );
    readonly Option<bool> _deriveUnits = Opt.Flag(
        "--derive-units",
        "keep the preset's layers, derive its units by the rule (to check or refresh a preset)"
    );
    public override string Notes =>
        """
              weights preset [--model default|inceptionv1|resnet18|PATH] [--derive]
                --derive         derive everything from the model's graph even when it has a preset (WalkthroughPreset.Derive)
                --derive-units   keep the preset's layers, derive its units by the rule (to check or refresh a preset)
            """;

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        bool derive = args.Get(_derive),
            deriveUnits = args.Get(_deriveUnits);
        using var model = ModelRegistry.Load(args.Get(_model));
        if (derive && deriveUnits)
            throw new CliUsageException("--derive and --derive-units exclude each other");
        var known = WalkthroughPreset.Known(model.Name);
        if (deriveUnits && known is null)
            throw new CliUsageException(
                $"{model.Name} has no preset whose units could be derived; use --derive"
            );
        var preset =
            derive ? WalkthroughPreset.Derive(model)
            : deriveUnits ? WalkthroughPreset.Derive(model, known)
            : WalkthroughPreset.For(model);
        if (derive || deriveUnits)
            preset.Validate(model);
        stdout.WriteLine(preset);
        return 0;
    }
}
