using System.Text.Json;

namespace Notebooks.Weights.Cli;

/// <summary>The JSON the verbs print and write: indented, one options instance for the process
/// (System.Text.Json caches per instance).</summary>
public static class CliJson
{
    /// <summary>Indented output.</summary>
    public static JsonSerializerOptions Indented { get; } = new() { WriteIndented = true };
}
