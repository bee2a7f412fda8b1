using Notebooks.Weights.Connections;
using Notebooks.Weights.Decomposition;
using static TorchSharp.torch;

namespace Notebooks.Weights.Explorer;

/// <summary>
/// What the explorer computes once per layer: the conv weight, its statistics, banding score and
/// NMF grid (explored layers), and the expanded weights <c>[W, W, C_prev, C]</c> from its source
/// layer. Tensors are detached copies owned here.
/// </summary>
public sealed class ExplorerLayerData : IDisposable
{
    /// <summary>The layer.</summary>
    public required ExplorerLayer Layer { get; init; }

    /// <summary>The conv weight [C_out, C_in, kH, kW].</summary>
    public required Tensor Weight { get; init; }

    /// <summary>Statistics of <see cref="Weight"/> (histogram, norms).</summary>
    public required WeightStatistics Statistics { get; init; }

    /// <summary>Banding score of <see cref="Weight"/>, or null when its kernels have no spatial
    /// extent.</summary>
    public LayerBanding? Banding { get; init; }

    /// <summary>Why <see cref="Banding"/> is null.</summary>
    public string? BandingNote { get; init; }

    /// <summary>The layer's NMF grid (3 factors per unit, colors consistent across the
    /// layer).</summary>
    public required LayerFactorGrid Factors { get; init; }

    /// <summary>Expanded weights [W, W, C_prev, C] from
    /// <see cref="ExplorerLayer.Source"/>.</summary>
    public required Tensor Expanded { get; init; }

    /// <inheritdoc />
    public void Dispose()
    {
        Weight.Dispose();
        Factors.Dispose();
        Expanded.Dispose();
    }
}
