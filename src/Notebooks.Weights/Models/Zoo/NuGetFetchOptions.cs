namespace Notebooks.Weights.Models.Zoo;

/// <summary>
/// Where <see cref="NuGetModelPackages.Locate"/> looks. Null members take NuGet's own settings: the
/// global packages folder from <c>NuGet.Configuration</c> (<c>NUGET_PACKAGES</c>, else the
/// <c>globalPackagesFolder</c> setting, else <c>~/.nuget/packages</c>), the enabled package sources
/// of the user's NuGet.Config files (read from <see cref="SettingsRoot"/>, default the current
/// directory, upwards, then the user and machine config), and the model cache
/// <c>UserCache.Root/models</c>.
/// </summary>
public sealed record NuGetFetchOptions
{
    /// <summary>The NuGet global packages folder to look in; null: NuGet's setting.</summary>
    public string? GlobalPackagesFolder { get; init; }

    /// <summary>Package sources (v3 index.json URLs or local folders) to download from; null: the
    /// configured ones.</summary>
    public IReadOnlyList<string>? Sources { get; init; }

    /// <summary>The model cache directory; null: <c>ModelZoo.CacheDirectory</c>.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>The folder NuGet settings are read from (NuGet.Config lookup starts there); null:
    /// the current directory.</summary>
    public string? SettingsRoot { get; init; }
}
