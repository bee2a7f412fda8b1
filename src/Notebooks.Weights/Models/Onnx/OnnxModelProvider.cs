namespace Notebooks.Weights.Models.Onnx;

/// <summary>
/// Loads <c>.onnx</c> files for <see cref="ModelRegistry"/>:
/// <c>ModelRegistry.Load("my_model.onnx")</c> returns a <see cref="VisionModel"/> over the imported
/// graph (see <see cref="OnnxModel.ToVisionModel"/>).
/// </summary>
public sealed class OnnxModelProvider : IModelProvider
{
    /// <inheritdoc/>
    public IReadOnlyList<string> Names => [];

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions => [".onnx"];

    /// <inheritdoc/>
    public VisionModel Load(string nameOrPath) => OnnxModel.Load(nameOrPath).ToVisionModel();
}
