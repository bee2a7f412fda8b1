using System.CommandLine;
using Notebooks.Weights.Models;

namespace Notebooks.Weights.Cli;

/// <summary>A verb's parsed command line: typed values of its declared options, and where it loads
/// models from.</summary>
public sealed class CliArgs(ParseResult result, ModelRegistry models)
{
    /// <summary>The System.CommandLine parse result.</summary>
    public ParseResult Result { get; } = result;

    /// <summary>Where the verb loads models by name or path (the host's registry;
    /// <see cref="ModelRegistry.Default"/> unless given).</summary>
    public ModelRegistry Models { get; } = models;

    /// <summary>The value of an option: its default when absent, or <c>default(T)</c> (null) when
    /// it has none — System.CommandLine would give an absent list option an empty array, which
    /// means "no units" where absent means "all".</summary>
    public T Get<T>(Option<T> option) =>
        Result.GetResult(option) is null && !option.HasDefaultValue
            ? default!
            : Result.GetValue(option)!;

    /// <summary>The value of an argument.</summary>
    public T Get<T>(Argument<T> argument) => Result.GetValue(argument)!;

    /// <summary>True when the option was given on the command line (not defaulted).</summary>
    public bool Given(Option option) => Result.GetResult(option) is { Implicit: false };
}
