namespace Notebooks.Weights.Explorer;

/// <summary>One rendered page: its HTML and the pictures it links (in page order, so the first are
/// the ones seen first).</summary>
public sealed record ExplorerPage(string Path, string Html, IReadOnlyList<ExplorerAsset> Assets)
{
    /// <summary>The layers whose data the page waits for (served, not computed yet): it shows
    /// placeholders that its script fills in once they are prepared. Empty for a whole
    /// page.</summary>
    public IReadOnlyList<string> Awaits { get; init; } = [];
}
