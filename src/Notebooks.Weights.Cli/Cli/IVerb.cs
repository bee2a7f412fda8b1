namespace Notebooks.Weights.Cli;

/// <summary>
/// One command of the <c>weights</c> tool. Implementations are discovered by reflection, so adding a verb
/// is adding one file under <c>Verbs/</c>. <see cref="Name"/> may have several words ("bench expand").
/// </summary>
public interface IVerb
{
    /// <summary>The words that select this verb, e.g. "layers" or "bench expand".</summary>
    string Name { get; }
    /// <summary>One line for the help listing.</summary>
    string Summary { get; }
    /// <summary>Usage line(s) shown by <c>weights help VERB</c> and on argument errors.</summary>
    string Usage { get; }
    /// <summary>Runs the verb; returns the process exit code.</summary>
    int Run(CliArgs args, TextWriter stdout, TextWriter stderr);
}
