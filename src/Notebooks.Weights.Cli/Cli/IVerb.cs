using System.CommandLine;

namespace Notebooks.Weights.Cli;

/// <summary>
/// One command of the <c>weights</c> tool. Implementations are discovered by reflection, so adding
/// a verb is adding one file under <c>Verbs/</c>. <see cref="Name"/> may have several words ("bench
/// expand": subcommand <c>expand</c> of <c>bench</c>). The verb's options and arguments are its
/// <see cref="Option"/> / <see cref="Argument"/> fields, declared once (shared ones come from
/// <see cref="Opt"/>, shared sets such as <see cref="LayerPairOptions"/> are
/// <see cref="OptionGroup"/> fields); System.CommandLine parses, validates and documents them.
/// Verbs derive from <see cref="Verb"/>, which takes the name and summary.
/// </summary>
public interface IVerb
{
    /// <summary>The words that select this verb, e.g. "layers" or "bench expand".</summary>
    string Name { get; }

    /// <summary>One line for the help listing.</summary>
    string Summary { get; }

    /// <summary>Notes shown under the summary in <c>weights VERB --help</c> (what the options do
    /// together), or empty.</summary>
    string Notes => "";

    /// <summary>
    /// Names the verb had before a rename (one word each): still accepted as the first word, with a
    /// one-line deprecation note on stderr, and not listed in help.
    /// </summary>
    IReadOnlyList<string> FormerNames => [];

    /// <summary>Runs the verb on a parsed, validated command line; returns the process exit
    /// code.</summary>
    int Run(CliArgs args, TextWriter stdout, TextWriter stderr);
}
