using static TorchSharp.torch;

namespace Notebooks.Weights.FeatureVis;

/// <summary>Images of weight vectors and their magnitudes (for <c>build_img_grid</c>-style display:
/// dim by magnitude).</summary>
/// <param name="Images">[..., S, S, 3] in [0,1]: one image per vector (e.g. [W, W, S, S, 3] for a
/// neuron's spatial positions).</param>
/// <param name="Magnitudes">[...]: the L2 norm of each vector.</param>
public sealed record VisVecsResult(Tensor Images, Tensor Magnitudes) : IDisposable
{
    /// <summary>Frees both tensors.</summary>
    public void Dispose()
    {
        Images.Dispose();
        Magnitudes.Dispose();
    }
}
