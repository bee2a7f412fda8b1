namespace Notebooks.Weights.Explorer;

/// <summary>One rendered page: its HTML and the pictures it links (in page order, so the first are
/// the ones seen first).</summary>
public sealed record ExplorerPage(string Path, string Html, IReadOnlyList<ExplorerAsset> Assets)
{
    /// <summary>The layers whose data the page waits for (served, not computed yet): it shows
    /// placeholders that its script fills in once they are prepared. Empty for a whole
    /// page.</summary>
    public IReadOnlyList<string> Awaits { get; init; } = [];

    /// <summary>Pictures the filled-in placeholders will show that are known before the data is
    /// (a layer page's NMF grid, histogram and unit NMF pictures), in page order: a server renders
    /// them right after the preparation, before the page asks for them.</summary>
    public IReadOnlyList<ExplorerAsset> Deferred { get; init; } = [];
}
