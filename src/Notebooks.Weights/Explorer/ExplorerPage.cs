namespace Notebooks.Weights.Explorer;

/// <summary>One rendered page: its HTML and the pictures it links (in page order, so the first are
/// the ones seen first).</summary>
public sealed record ExplorerPage(string Path, string Html, IReadOnlyList<ExplorerAsset> Assets);
