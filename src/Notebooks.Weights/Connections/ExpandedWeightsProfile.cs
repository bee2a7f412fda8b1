using System.Diagnostics;
using Notebooks.Weights.Runtime;

namespace Notebooks.Weights.Connections;

/// <summary>
/// Wall-clock seconds of each phase of one <see cref="ExpandedWeights.Get"/> (see
/// <see cref="ExpandedWeights.Profile"/>): an <see cref="IPhaseObserver"/> whose clock starts when
/// it is created.
/// </summary>
public sealed class ExpandedWeightsProfile : IPhaseObserver
{
    readonly Stopwatch _total = Stopwatch.StartNew();
    readonly Stopwatch _lap = Stopwatch.StartNew();

    /// <summary>Zero-image forward at the model's default size up to layer1, and the W×W
    /// crop.</summary>
    public double CropSeconds { get; internal set; }

    /// <summary>Finding the smallest prefix input size (once per weights, layers and width with an
    /// <see cref="ExpandedWeightsCache"/>; 0 when known).</summary>
    public double PrefixProbeSeconds { get; internal set; }

    /// <summary>Model-input size of the (discarded) prefix run before layer1 is replaced in the
    /// batched pass.</summary>
    public int PrefixSize { get; internal set; }

    /// <summary>Part of <see cref="ForwardSeconds"/> spent before layer1 (the prefix on the tiny
    /// input).</summary>
    public double PrefixSeconds { get; internal set; }

    /// <summary>The batched linearized forward (prefix included) to layer2.</summary>
    public double ForwardSeconds { get; internal set; }

    /// <summary>Building the one-hot seeds.</summary>
    public double SeedSeconds { get; internal set; }

    /// <summary>The batched backward (<c>autograd.grad</c>).</summary>
    public double BackwardSeconds { get; internal set; }

    /// <summary>Concatenating chunks and permuting to [W, W, C1, C2].</summary>
    public double AssembleSeconds { get; internal set; }

    /// <summary>"closed form", or "autograd (why the closed form was not used)".</summary>
    public string Method { get; internal set; } = "";

    /// <summary>Checking that layer2's module takes layer1 directly (0 when known from an
    /// <see cref="ExpandedWeightsCache"/>).</summary>
    public double DirectInputProbeSeconds { get; internal set; }

    /// <summary>Evaluating the closed form for all output channels.</summary>
    public double ClosedFormSeconds { get; internal set; }

    /// <summary>Backpropagating a few channels and comparing them with the closed form.</summary>
    public double ClosedFormCheckSeconds { get; internal set; }

    /// <summary>Everything above.</summary>
    public double TotalSeconds { get; internal set; }

    /// <inheritdoc/>
    void IPhaseObserver.PhaseEnded(string phase)
    {
        double t = _lap.Elapsed.TotalSeconds;
        _lap.Restart();
        switch (phase)
        {
            case ExpandedWeights.Phases.Crop:
                CropSeconds += t;
                break;
            case ExpandedWeights.Phases.PrefixProbe:
                PrefixProbeSeconds += t;
                break;
            case ExpandedWeights.Phases.DirectInputProbe:
                DirectInputProbeSeconds += t;
                break;
            case ExpandedWeights.Phases.ClosedForm:
                ClosedFormSeconds += t;
                break;
            case ExpandedWeights.Phases.ClosedFormCheck:
                ClosedFormCheckSeconds += t;
                break;
            case ExpandedWeights.Phases.Prefix:
                PrefixSeconds += t;
                ForwardSeconds += t;
                break;
            case ExpandedWeights.Phases.Forward:
                ForwardSeconds += t;
                break;
            case ExpandedWeights.Phases.Seed:
                SeedSeconds += t;
                break;
            case ExpandedWeights.Phases.Backward:
                BackwardSeconds += t;
                break;
            case ExpandedWeights.Phases.Assemble:
                AssembleSeconds += t;
                TotalSeconds = _total.Elapsed.TotalSeconds;
                break;
        }
    }

    /// <inheritdoc/>
    void IPhaseObserver.Note(string name, object value)
    {
        if (name == ExpandedWeights.Phases.MethodNote)
            Method = (string)value;
        else if (name == ExpandedWeights.Phases.PrefixSizeNote)
            PrefixSize = (int)value;
    }
}
