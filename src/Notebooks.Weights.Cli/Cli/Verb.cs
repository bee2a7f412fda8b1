namespace Notebooks.Weights.Cli;

/// <summary>
/// The base of the verbs in <c>Verbs/</c>: the name and summary are given once, to the constructor
/// (<c>sealed class LayersVerb() : Verb("layers", "list a model's layers ...")</c>), so a verb's
/// body holds only its options (<see cref="Option"/>, <see cref="Argument"/> and
/// <see cref="OptionGroup"/> fields), its notes and <see cref="Run"/>.
/// </summary>
public abstract class Verb(string name, string summary) : IVerb
{
    /// <inheritdoc/>
    public string Name => name;

    /// <inheritdoc/>
    public string Summary => summary;

    /// <inheritdoc/>
    public virtual string Notes => "";

    /// <inheritdoc/>
    public virtual IReadOnlyList<string> FormerNames => [];

    /// <inheritdoc/>
    public abstract int Run(CliArgs args, TextWriter stdout, TextWriter stderr);
}
