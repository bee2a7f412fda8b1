namespace Notebooks.Weights.Models.Zoo;

/// <summary>One model file inside a NuGet package: its path in the package (forward slashes) and
/// its SHA-256 (lower-case hex).</summary>
public sealed record NuGetModelFile(string PathInPackage, string Sha256);

/// <summary>
/// A model shipped as a NuGet package (e.g. <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>
/// 0.24.0): the package identity, the files a loader needs with their SHA-256, and optionally
/// NuGet's own package hash (SHA-512 of the .nupkg, base64, as NuGet records it in
/// <c>*.nupkg.sha512</c>). See <see cref="NuGetModelPackages.Locate"/>.
/// </summary>
public sealed record NuGetModelPackage(
    string Id,
    string Version,
    string Description,
    IReadOnlyList<NuGetModelFile> Files,
    string? PackageSha512 = null
)
{
    /// <summary>The folder NuGet gives the package in a global packages folder or feed: <c>{id
    /// lower}/{version lower}</c>.</summary>
    public string RelativeFolder => Path.Combine(Id.ToLowerInvariant(), Version.ToLowerInvariant());

    /// <summary>The .nupkg file name NuGet uses: <c>{id lower}.{version lower}.nupkg</c>.</summary>
    public string NupkgFileName => $"{Id.ToLowerInvariant()}.{Version.ToLowerInvariant()}.nupkg";

    /// <summary>How a user gets the package into the NuGet global packages folder (for error
    /// messages and docs).</summary>
    public string HowToGet =>
        $"restore it the NuGet way: add <PackageDownload Include=\"{Id}\" Version=\"[{Version}]\" /> to a project file and run `dotnet restore` "
        + $"(or `dotnet add package {Id} --version {Version}`), or point NUGET_PACKAGES at a packages folder holding {RelativeFolder.Replace('\\', '/')}, "
        + $"or put {NupkgFileName} in a folder and add it as a package source (`dotnet nuget add source <folder>`)";
}
