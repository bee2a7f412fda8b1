using Notebooks.Weights.Models;
using Notebooks.Weights.Walkthrough;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights preset</c>: the walkthrough's choices (layers, widths, units) for a model.</summary>
[Flags("derive", "derive-units")]
public sealed class PresetVerb : IVerb
{
    public string Name => "preset";
    public string Summary => "the walkthrough's layers, widths and units for a model (its preset, or derived from its graph)";
    public string Usage => """
          weights preset [--model default|inceptionv1|resnet18|PATH] [--derive]
            --derive         derive everything from the model's graph even when it has a preset (WalkthroughPreset.Derive)
            --derive-units   keep the preset's layers, derive its units by the rule (to check or refresh a preset)
        """;

    public int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var modelName = args.Get("model", "default")!;
        bool derive = args.Flag("derive"), deriveUnits = args.Flag("derive-units");
        args.EnsureAllUsed();
        if (args.Positional.Count > 0) throw new CliUsageException($"unexpected argument '{args.Positional[0]}' (use --model NAME)");
        using var model = ModelRegistry.Load(modelName);
        if (derive && deriveUnits) throw new CliUsageException("--derive and --derive-units exclude each other");
        var known = WalkthroughPreset.Known(model.Name);
        if (deriveUnits && known is null) throw new CliUsageException($"{model.Name} has no preset whose units could be derived; use --derive");
        var preset = derive ? WalkthroughPreset.Derive(model) : deriveUnits ? WalkthroughPreset.Derive(model, known) : WalkthroughPreset.For(model);
        if (derive || deriveUnits) preset.Validate(model);
        stdout.WriteLine(preset);
        return 0;
    }
}
