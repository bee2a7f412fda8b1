using System.Reflection;

namespace Notebooks.Weights.Models;

/// <summary>Something that can load models by name ("default", "inceptionv1") or by file (".onnx",
/// ".safetensors", ".pb").</summary>
public interface IModelProvider
{
    /// <summary>Names this provider answers to (shown in errors and help), e.g.
    /// "default".</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>File extensions (with dot) this provider loads, e.g. ".onnx".</summary>
    IReadOnlyList<string> Extensions { get; }

    /// <summary>Loads the model called <paramref name="nameOrPath"/>.</summary>
    VisionModel Load(string nameOrPath);
}

/// <summary>
/// Loads models by name or path: <c>ModelRegistry.Load("default")</c>, <c>Load("inceptionv1")</c>,
/// <c>Load("my.onnx")</c>. The static members use <see cref="Default"/>: the
/// <see cref="IModelProvider"/> classes of this assembly (found by reflection) plus any
/// <see cref="Register"/>ed. <c>new ModelRegistry()</c> is a registry of one's own (the built-in
/// providers, plus those <see cref="Add"/>ed to it only), e.g. for tests or hosts that must not
/// change the default.
/// </summary>
public sealed class ModelRegistry
{
    readonly List<IModelProvider> _providers;

    /// <summary>A registry with this assembly's built-in providers (<paramref name="builtIn"/>) and
    /// none other.</summary>
    public ModelRegistry(bool builtIn = true) => _providers = builtIn ? BuiltInProviders() : [];

    /// <summary>A registry with exactly <paramref name="providers"/> (in lookup order).</summary>
    public ModelRegistry(IEnumerable<IModelProvider> providers) => _providers = [.. providers];

    /// <summary>The registry behind the static <see cref="Load"/>, <see cref="Register"/> and
    /// <see cref="Names"/>.</summary>
    public static ModelRegistry Default { get; } = new();

    static List<IModelProvider> BuiltInProviders() =>
        typeof(ModelRegistry)
            .Assembly.GetTypes()
            .Where(t =>
                typeof(IModelProvider).IsAssignableFrom(t)
                && t is { IsAbstract: false, IsInterface: false }
                && t.GetConstructor(Type.EmptyTypes) != null
            )
            .Select(t => (IModelProvider)Activator.CreateInstance(t)!)
            .ToList();

    /// <summary>Adds a provider to <see cref="Default"/> (e.g. from another assembly).</summary>
    public static void Register(IModelProvider provider) => Default.Add(provider);

    /// <summary>All model names known to <see cref="Default"/>.</summary>
    public static IReadOnlyList<string> Names => Default.ModelNames;

    /// <summary>Loads a model by name or path with <see cref="Default"/> (see
    /// <see cref="LoadModel"/>).</summary>
    public static VisionModel Load(string nameOrPath) => Default.LoadModel(nameOrPath);

    /// <summary>Adds a provider to this registry.</summary>
    public void Add(IModelProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        lock (_providers)
            _providers.Add(provider);
    }

    /// <summary>This registry's providers, in lookup order (a snapshot).</summary>
    public IReadOnlyList<IModelProvider> Providers
    {
        get
        {
            lock (_providers)
                return [.. _providers];
        }
    }

    /// <summary>All model names known to this registry.</summary>
    public IReadOnlyList<string> ModelNames
    {
        get
        {
            lock (_providers)
                return _providers.SelectMany(p => p.Names).ToList();
        }
    }

    /// <summary>Loads a model by name (case-insensitive) or by path (by extension). Unknown names
    /// list the nearest ones.</summary>
    public VisionModel LoadModel(string nameOrPath)
    {
        List<IModelProvider> providers;
        lock (_providers)
            providers = [.. _providers];
        var byName = providers.FirstOrDefault(p =>
            p.Names.Contains(nameOrPath, StringComparer.OrdinalIgnoreCase)
        );
        if (byName != null)
            return byName.Load(nameOrPath);
        var ext = Path.GetExtension(nameOrPath).ToLowerInvariant();
        var byExt = providers.FirstOrDefault(p =>
            p.Extensions.Contains(ext, StringComparer.OrdinalIgnoreCase)
        );
        if (byExt != null)
        {
            if (!File.Exists(nameOrPath))
                throw new FileNotFoundException(
                    $"Model file not found: {Path.GetFullPath(nameOrPath)}",
                    nameOrPath
                );
            return byExt.Load(nameOrPath);
        }
        var exts = providers.SelectMany(p => p.Extensions).Distinct();
        throw new ArgumentException(
            (
                ext.Length > 0
                    ? $"No model loader for '{nameOrPath}' (extension '{ext}'); supported files: {string.Join(", ", exts)}. "
                    : Text.Nearest.Message(
                        "model",
                        nameOrPath,
                        "the model registry",
                        providers.SelectMany(p => p.Names)
                    ) + " "
            )
                + $"Models: {string.Join(", ", providers.SelectMany(p => p.Names))}; files: {string.Join(", ", exts)}."
        );
    }
}
