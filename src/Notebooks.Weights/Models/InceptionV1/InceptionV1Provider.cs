using Notebooks.Weights.Models.Zoo;

namespace Notebooks.Weights.Models.InceptionV1;

/// <summary>
/// <c>ModelRegistry.Load("inceptionv1")</c> / <c>"inception5h"</c>: InceptionV1 with the
/// inception5h weights from the model zoo cache (downloaded once); <c>Load("x.pb")</c> /
/// <c>Load("x.safetensors")</c>: InceptionV1 with that file's weights.
/// </summary>
public sealed class InceptionV1Provider : IModelProvider
{
    readonly string? _baseUrl,
        _cacheDirectory;

    /// <summary>The registry's provider: default zoo servers (or <c>NOTEBOOKS_WEIGHTS_ZOO_URL</c>)
    /// and cache.</summary>
    public InceptionV1Provider() { }

    /// <summary>A provider using a given mirror base URL and/or cache directory (tests, air-gapped
    /// setups).</summary>
    public InceptionV1Provider(string? baseUrl, string? cacheDirectory) =>
        (_baseUrl, _cacheDirectory) = (baseUrl, cacheDirectory);

    /// <inheritdoc/>
    public IReadOnlyList<string> Names { get; } = ["inceptionv1", "inception5h"];

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions => InceptionV1Weights.Extensions;

    /// <inheritdoc/>
    public VisionModel Load(string nameOrPath)
    {
        if (Names.Contains(nameOrPath, StringComparer.OrdinalIgnoreCase))
            return InceptionV1Weights.Load(
                ModelZoo.Fetch(ModelZoo.Inception5h, _baseUrl, _cacheDirectory)
            );
        return InceptionV1Weights.Load(nameOrPath);
    }
}
