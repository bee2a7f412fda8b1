namespace Notebooks.Weights.Models.Zoo;

/// <summary>A zoo file could not be downloaded (offline, server error); the message says where to
/// put the file by hand.</summary>
public sealed class ModelDownloadException(string message, Exception? inner = null)
    : IOException(message, inner);
