namespace Notebooks.Weights.Models.Zoo;

/// <summary>
/// One place a zoo file can be downloaded from: the URL, the SHA-256 of the downloaded bytes when
/// publicly known (null: no published checksum; the entry's structural validation is then the only
/// check), and for zip archives the member to extract.
/// </summary>
public sealed record ZooSource(string Url, string? Sha256 = null, string? ZipMember = null)
{
    /// <summary>The last path segment of the URL (what a mirror given by a base URL must
    /// serve).</summary>
    public string FileName => new Uri(Url).Segments[^1];
}

/// <summary>
/// A downloadable model file: cached as <see cref="FileName"/> under the zoo cache, fetched from
/// the first <see cref="Sources"/> entry that answers, checked by checksum (when known) and by
/// <see cref="Validate"/>.
/// </summary>
public sealed record ZooEntry(
    string Name,
    string FileName,
    string Description,
    IReadOnlyList<ZooSource> Sources,
    Action<string>? Validate = null
);
