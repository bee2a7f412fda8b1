using System.Reflection;

namespace Notebooks.Weights.Models;

/// <summary>Something that can load models by name ("default", "inceptionv1") or by file (".onnx", ".safetensors", ".pb").</summary>
public interface IModelProvider
{
    /// <summary>Names this provider answers to (shown in errors and help), e.g. "default".</summary>
    IReadOnlyList<string> Names { get; }
    /// <summary>File extensions (with dot) this provider loads, e.g. ".onnx".</summary>
    IReadOnlyList<string> Extensions { get; }
    /// <summary>Loads the model called <paramref name="nameOrPath"/>.</summary>
    VisionModel Load(string nameOrPath);
}

/// <summary>
/// Loads models by name or path: <c>ModelRegistry.Load("default")</c>, <c>Load("inceptionv1")</c>, <c>Load("my.onnx")</c>.
/// Providers are the <see cref="IModelProvider"/> classes of this assembly (found by reflection) plus any registered.
/// </summary>
public static class ModelRegistry
{
    static readonly List<IModelProvider> Providers = typeof(ModelRegistry).Assembly.GetTypes()
        .Where(t => typeof(IModelProvider).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false } && t.GetConstructor(Type.EmptyTypes) != null)
        .Select(t => (IModelProvider)Activator.CreateInstance(t)!).ToList();

    /// <summary>Adds a provider (e.g. from another assembly).</summary>
    public static void Register(IModelProvider provider) { lock (Providers) Providers.Add(provider); }

    /// <summary>All model names known to the registry.</summary>
    public static IReadOnlyList<string> Names { get { lock (Providers) return Providers.SelectMany(p => p.Names).ToList(); } }

    /// <summary>Loads a model by name (case-insensitive) or by path (by extension). Unknown names list the nearest ones.</summary>
    public static VisionModel Load(string nameOrPath)
    {
        List<IModelProvider> providers;
        lock (Providers) providers = [.. Providers];
        var byName = providers.FirstOrDefault(p => p.Names.Contains(nameOrPath, StringComparer.OrdinalIgnoreCase));
        if (byName != null) return byName.Load(nameOrPath);
        var ext = Path.GetExtension(nameOrPath).ToLowerInvariant();
        var byExt = providers.FirstOrDefault(p => p.Extensions.Contains(ext, StringComparer.OrdinalIgnoreCase));
        if (byExt != null)
        {
            if (!File.Exists(nameOrPath)) throw new FileNotFoundException($"Model file not found: {Path.GetFullPath(nameOrPath)}", nameOrPath);
            return byExt.Load(nameOrPath);
        }
        var exts = providers.SelectMany(p => p.Extensions).Distinct();
        throw new ArgumentException(
            (ext.Length > 0 ? $"No model loader for '{nameOrPath}' (extension '{ext}'); supported files: {string.Join(", ", exts)}. "
                            : Text.Nearest.Message("model", nameOrPath, "the model registry", providers.SelectMany(p => p.Names)) + " ")
            + $"Models: {string.Join(", ", providers.SelectMany(p => p.Names))}; files: {string.Join(", ", exts)}.");
    }
}
