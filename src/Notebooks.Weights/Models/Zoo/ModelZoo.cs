using System.IO.Compression;
using System.Net.Sockets;
using System.Security.Cryptography;
using Notebooks.Weights.Models.InceptionV1;
using Notebooks.Weights.Runtime;

namespace Notebooks.Weights.Models.Zoo;

/// <summary>
/// Downloads model files once into the user cache (<c>UserCache.Root/models/</c>) and hands out
/// their local paths. A download goes to a temporary file, is checked (SHA-256 when the entry knows
/// it, then the entry's structural validation) and is moved into place atomically; a failed check
/// deletes it. A mirror can replace the servers: <c>NOTEBOOKS_WEIGHTS_ZOO_URL=http://host/dir</c>
/// (or the <c>baseUrl</c> argument) fetches <c>http://host/dir/&lt;file name&gt;</c>. A file
/// already in the cache (downloaded earlier or placed there by hand) is used as is: its checksum is
/// not re-computed, but loaders still validate its structure on every load.
/// </summary>
public static class ModelZoo
{
    /// <summary>Environment variable naming a mirror base URL used instead of the entries' own
    /// servers.</summary>
    public const string BaseUrlVariable = "NOTEBOOKS_WEIGHTS_ZOO_URL";

    /// <summary>
    /// inception5h, the TF graph Lucid's InceptionV1 is built from. First source:
    /// <c>inception5h.zip</c> with the SHA-256 TensorFlow's own build pinned for it
    /// (tensorflow/tensorflow WORKSPACE, <c>new_http_archive(name = "inception5h")</c>), extracting
    /// <c>tensorflow_inception_graph.pb</c>. Fallback: Lucid's copy
    /// <c>modelzoo/vision/other_models/InceptionV1.pb</c>, for which no checksum is published: it
    /// is accepted only if it holds exactly the 128 InceptionV1 tensors with the right shapes (the
    /// same check every source gets).
    /// </summary>
    public static readonly ZooEntry Inception5h = new(
        "inception5h",
        "inception5h.pb",
        "InceptionV1 (GoogLeNet, inception5h) TF graph used by Lucid",
        [
            new(
                "https://storage.googleapis.com/download.tensorflow.org/models/inception5h.zip",
                Sha256: "d13569f6a98159de37e92e9c8ec4dae8f674fbf475f69fe6199b514f756d4364",
                ZipMember: "tensorflow_inception_graph.pb"
            ),
            new("https://storage.googleapis.com/modelzoo/vision/other_models/InceptionV1.pb"),
        ],
        InceptionV1Weights.ValidateFile
    );

    /// <summary>All zoo entries.</summary>
    public static IReadOnlyList<ZooEntry> Entries { get; } = [Inception5h];

    /// <summary>The default cache directory for zoo files.</summary>
    public static string CacheDirectory => Path.Combine(UserCache.Root, "models");

    /// <summary>The entry called <paramref name="name"/> (case-insensitive); unknown names list the
    /// nearest ones.</summary>
    public static ZooEntry Entry(string name) =>
        Entries.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new KeyNotFoundException(
            Text.Nearest.Message(
                "model zoo entry",
                name,
                "the model zoo",
                Entries.Select(e => e.Name)
            )
        );

    /// <summary>Where <paramref name="entry"/> is (or will be) cached.</summary>
    public static string CachedPath(ZooEntry entry, string? cacheDirectory = null) =>
        Path.Combine(cacheDirectory ?? CacheDirectory, entry.FileName);

    /// <summary>The local path of zoo file <paramref name="name"/>, downloading it first if it is
    /// not cached.</summary>
    public static string Fetch(
        string name,
        string? baseUrl = null,
        string? cacheDirectory = null
    ) => Fetch(Entry(name), baseUrl, cacheDirectory);

    static readonly Lazy<HttpClient> SharedClient = new(() =>
        new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(20) })
        {
            Timeout = TimeSpan.FromMinutes(15),
        }
    );

    /// <summary>The local path of <paramref name="entry"/>, downloading it first if it is not
    /// cached.</summary>
    public static string Fetch(
        ZooEntry entry,
        string? baseUrl = null,
        string? cacheDirectory = null
    )
    {
        var target = CachedPath(entry, cacheDirectory);
        if (File.Exists(target))
            return target;
        var dir = Path.GetDirectoryName(target)!;
        baseUrl ??= Environment.GetEnvironmentVariable(BaseUrlVariable);
        if (string.IsNullOrWhiteSpace(baseUrl))
            baseUrl = null;
        var failures = new List<string>();
        foreach (var source in entry.Sources)
        {
            var url = baseUrl is null ? source.Url : baseUrl.TrimEnd('/') + "/" + source.FileName;
            string download;
            try
            {
                Directory.CreateDirectory(dir);
                download = Download(url, dir, Path.GetExtension(source.FileName));
            }
            catch (Exception e)
                when (e
                        is HttpRequestException
                            or TaskCanceledException
                            or SocketException
                            or IOException
                            and not ModelDownloadException
                )
            {
                failures.Add($"{url} ({Describe(e)})");
                continue;
            }
            var staged = download;
            try
            {
                var hash = Sha256Of(download);
                if (
                    source.Sha256 is { } want
                    && !string.Equals(want, hash, StringComparison.OrdinalIgnoreCase)
                )
                    throw new InvalidDataException(
                        $"Checksum mismatch for {entry.Name} downloaded from {url}: expected SHA-256 {want}, got {hash}. The download was deleted; the server or a proxy returned a different file."
                    );
                if (source.ZipMember is { } member)
                    staged = Extract(download, member, url, dir);
                try
                {
                    entry.Validate?.Invoke(staged);
                }
                catch (Exception e) when (e is InvalidDataException or ArgumentException)
                {
                    throw new InvalidDataException(
                        $"The file downloaded from {url} for {entry.Name} is not valid and was deleted: {e.Message}",
                        e
                    );
                }
                File.Move(staged, target, overwrite: true);
                return target;
            }
            finally
            {
                if (File.Exists(download))
                    File.Delete(download);
                if (File.Exists(staged))
                    File.Delete(staged);
            }
        }
        var first = entry.Sources[0];
        throw new ModelDownloadException(
            $"Could not download model '{entry.Name}' ({entry.Description}); tried {string.Join("; ", failures)}. "
                + $"It is cached at {target} once downloaded. If this machine is offline, download {first.Url} elsewhere"
                + (first.ZipMember is { } m ? $", extract {m} from it" : "")
                + $" and place it at {target}"
                + (entry.Sources.Count > 1 ? $" (or place {entry.Sources[^1].Url} there)" : "")
                + $", or set {BaseUrlVariable} to a mirror serving {string.Join(" / ", entry.Sources.Select(s => s.FileName))}."
        );
    }

    // Temporary names keep the file's extension (validators pick the format by it) and start with a
    // dot.
    static string Download(string url, string dir, string extension)
    {
        var temp = Path.Combine(dir, $".download-{Guid.NewGuid():N}{extension}");
        try
        {
            using var response = SharedClient
                .Value.GetAsync(url, HttpCompletionOption.ResponseHeadersRead)
                .GetAwaiter()
                .GetResult();
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException(
                    $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}"
                );
            using var body = response.Content.ReadAsStream();
            using (var fs = File.Create(temp))
                body.CopyTo(fs);
            if (
                response.Content.Headers.ContentLength is { } len
                && new FileInfo(temp).Length != len
            )
                throw new IOException(
                    $"download truncated: got {new FileInfo(temp).Length} of {len} bytes"
                );
            return temp;
        }
        catch
        {
            if (File.Exists(temp))
                File.Delete(temp);
            throw;
        }
    }

    static string Extract(string zipPath, string member, string url, string dir)
    {
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(zipPath);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{url}: not a valid zip archive ({e.Message}).", e);
        }
        using (zip)
        {
            var entry = zip.Entries.FirstOrDefault(e => e.Name == member)
                ?? throw new InvalidDataException(
                    $"{url}: the archive has no {member}; it holds {string.Join(", ", zip.Entries.Select(e => e.FullName))}."
                );
            var temp = Path.Combine(dir, $".extract-{Guid.NewGuid():N}{Path.GetExtension(member)}");
            entry.ExtractToFile(temp);
            return temp;
        }
    }

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    public static string Sha256Of(string path)
    {
        using var fs = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(fs)).ToLowerInvariant();
    }

    static string Describe(Exception e)
    {
        for (var x = e; x != null; x = x.InnerException)
            if (x is SocketException se)
                return $"{se.SocketErrorCode switch { SocketError.ConnectionRefused => "connection refused", SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "host not found (DNS)", _ => se.SocketErrorCode.ToString() }}";
        return e is TaskCanceledException ? "timed out" : e.Message;
    }
}
