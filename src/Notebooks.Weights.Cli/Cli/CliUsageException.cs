namespace Notebooks.Weights.Cli;

/// <summary>Thrown for a bad command line; the message names the option and what was expected (exit
/// code 2).</summary>
public sealed class CliUsageException(string message) : Exception(message);
