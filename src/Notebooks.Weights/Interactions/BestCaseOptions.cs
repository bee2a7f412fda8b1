using Notebooks.Weights.FeatureVis;

namespace Notebooks.Weights.Interactions;

/// <summary>Options of <see cref="BestCaseInteraction.Optimize"/> (defaults follow Lucid's
/// <c>render_vis</c> where it has one).</summary>
public sealed class BestCaseOptions
{
    /// <summary>Adam steps (default 256).</summary>
    public int Steps { get; init; } = 256;

    /// <summary>Adam learning rate (Lucid: 0.05).</summary>
    public double LearningRate { get; init; } = 0.05;

    /// <summary>Transforms before the model; null means <see cref="Transforms.Standard"/>
    /// (Lucid's); <see cref="Transforms.Identity"/> for none.</summary>
    public ImageTransform? Transforms { get; init; }

    /// <summary>Seed of the image initialization and of the transforms' random draws.</summary>
    public int Seed { get; init; }

    /// <summary>Image side in pixels; null means the model's default input size.</summary>
    public int? ImageSize { get; init; }

    /// <summary>FFT parameterization (Lucid's default) instead of pixels.</summary>
    public bool Fft { get; init; } = true;

    /// <summary>Lucid's color decorrelation.</summary>
    public bool Decorrelate { get; init; } = true;

    /// <summary>β of the smoothed ReLU gradient used while optimizing
    /// (<see cref="SmoothReluGradients"/>); 0 optimizes the raw gradient.</summary>
    public double SmoothReluBeta { get; init; } = 10;

    /// <summary>Where B is read; null means the centre of its map ((H2 − 1) / 2, (W2 − 1) / 2),
    /// like Lucid's neuron objective.</summary>
    public InteractionPosition? Position { get; init; }

    /// <summary>Excitatory, inhibitory, or <see cref="BestCaseDirection.Auto"/> (default:
    /// excitatory, inhibitory when no excitation is achievable).</summary>
    public BestCaseDirection Direction { get; init; } = BestCaseDirection.Auto;
}
