using Notebooks.Weights.Models.Zoo;

namespace Notebooks.Weights.Models.ResNet18;

/// <summary><c>ModelRegistry.Load("resnet18")</c>: the ImageNet ResNet18 from NuGet (see
/// <see cref="ResNet18Model"/>).</summary>
public sealed class ResNet18Provider : IModelProvider
{
    readonly NuGetFetchOptions? _options;

    /// <summary>The registry's provider: NuGet's settings (global packages folder, configured
    /// sources) and the model cache.</summary>
    public ResNet18Provider() { }

    /// <summary>A provider with explicit folders and sources (tests, air-gapped setups).</summary>
    public ResNet18Provider(NuGetFetchOptions options) => _options = options;

    /// <inheritdoc/>
    public IReadOnlyList<string> Names { get; } = [ResNet18Model.Name];

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions => [];

    /// <inheritdoc/>
    public VisionModel Load(string nameOrPath) => ResNet18Model.Load(_options);
}
