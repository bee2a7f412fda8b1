using System.Diagnostics;
using Notebooks.Weights.Models;
using Notebooks.Weights.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.FeatureVis;

/// <summary>Progress of a render: reported after every optimization step (Lucid prints at
/// thresholds).</summary>
/// <param name="Step">Steps done so far (1-based).</param>
/// <param name="TotalSteps">Steps the render will take (the largest threshold).</param>
/// <param name="Objective">Per-image objective values at this step (before the update).</param>
/// <param name="Elapsed">Time since the render started.</param>
/// <param name="Images">At a threshold: the images [N, H, W, 3] in [0,1] (owned by the result; do
/// not dispose); otherwise null.</param>
public sealed record RenderProgress(
    int Step,
    int TotalSteps,
    double[] Objective,
    TimeSpan Elapsed,
    Tensor? Images
);

/// <summary>Options of <see cref="Optvis.Render"/>; defaults are Lucid's <c>render_vis</c> (Adam
/// 0.05, 512 steps).</summary>
public sealed class RenderOptions
{
    /// <summary>Step counts after which the images are returned (Lucid's <c>thresholds</c>; default
    /// 512).</summary>
    public IReadOnlyList<int> Thresholds { get; init; } = [512];

    /// <summary>Adam learning rate (Lucid: 0.05). Torch's Adam puts ε outside the bias correction
    /// (TF inside): a negligible difference.</summary>
    public double LearningRate { get; init; } = 0.05;

    /// <summary>
    /// Transforms applied before the model; null means <see cref="Transforms.Standard"/>, the
    /// default of Lucid's <c>render_vis</c> (<c>make_transform_f</c>: anything but a list becomes
    /// <c>standard_transforms</c>) and of lucent. Pass <see cref="Transforms.Identity"/> for none.
    /// </summary>
    public ImageTransform? Transforms { get; init; }

    /// <summary>
    /// Lucid's <c>relu_gradient_override</c> (default true, as in <c>render_vis</c>): for the first
    /// <see cref="Optvis.RedirectedReluSteps"/> steps every <c>nn.ReLU</c>/<c>nn.ReLU6</c> module
    /// takes the redirected gradient of <see cref="RedirectedReluGradient"/>, so units that start
    /// inactive still get gradient. False: ordinary ReLU gradients throughout.
    /// </summary>
    public bool ReluGradientOverride { get; init; } = true;

    /// <summary>
    /// Crop or pad each transformed image to the nearest size at which the model computes the
    /// objective's layers (<see cref="InputSizeFit"/>; default true). Without it, graphs with fixed
    /// explicit padding (e.g. CNTK's ResNet18) fail at most transformed sizes.
    /// </summary>
    public bool FitInputSize { get; init; } = true;

    /// <summary>
    /// Run the model on a channels-last copy of each step's input (same values and NCHW shape,
    /// NHWC memory; default true). libtorch's oneDNN convolutions then keep their activations
    /// channels-last through the network instead of reordering them at every convolution, which
    /// makes the model's backward cheaper (measured in <c>docs/benchmarks.md</c>). Only the memory
    /// layout changes; the convolutions may sum in another order, i.e. values agree to float
    /// rounding.
    /// </summary>
    public bool ChannelsLast { get; init; } = true;

    /// <summary>Seed of the transforms' random draws (the image's seed is the
    /// parameterization's).</summary>
    public int Seed { get; init; }

    /// <summary>Called after every step.</summary>
    public Action<RenderProgress>? Progress { get; init; }

    /// <summary>Told the phases of every step (<see cref="RenderPhases"/>), for profilers such as
    /// <c>weights bench featurevis --profile</c>.</summary>
    public IPhaseObserver? Phases { get; init; }
}

/// <summary>The phases and notes <see cref="Optvis.Render"/> reports to
/// <see cref="RenderOptions.Phases"/>, in step order.</summary>
public static class RenderPhases
{
    /// <summary>Note at the start of each step: the step number (int, 1-based).</summary>
    public const string StepNote = "step";

    /// <summary>Between steps: progress callback, snapshots, trace (ends as a step
    /// starts).</summary>
    public const string BetweenSteps = "between steps";

    /// <summary>The image from its parameterization (FFT, color decorrelation, sigmoid).</summary>
    public const string Image = "image (FFT + colors)";

    /// <summary>The random transforms.</summary>
    public const string Transforms = "transforms";

    /// <summary>The model's forward up to the objective's layers.</summary>
    public const string Forward = "model forward";

    /// <summary>The objective.</summary>
    public const string Objective = "objective";

    /// <summary>The whole backward (model, transforms and parameterization).</summary>
    public const string Backward = "backward (all)";

    /// <summary>The Adam update.</summary>
    public const string Step = "Adam step";
}

/// <summary>Images at each threshold and the objective trace of a render.</summary>
public sealed class RenderResult : IDisposable
{
    internal RenderResult(
        IReadOnlyList<int> thresholds,
        IReadOnlyList<Tensor> images,
        IReadOnlyList<double[]> trace
    ) => (Thresholds, Images, ObjectiveTrace) = (thresholds, images, trace);

    /// <summary>The thresholds, ascending.</summary>
    public IReadOnlyList<int> Thresholds { get; }

    /// <summary>Images [N, H, W, 3] in [0,1] after each threshold's number of steps.</summary>
    public IReadOnlyList<Tensor> Images { get; }

    /// <summary>The images after the last threshold.</summary>
    public Tensor Final => Images[^1];

    /// <summary>Per-step, per-image objective values.</summary>
    public IReadOnlyList<double[]> ObjectiveTrace { get; }

    /// <summary>Frees the image tensors.</summary>
    public void Dispose()
    {
        foreach (var i in Images)
            i.Dispose();
    }
}

/// <summary>
/// Lucid's <c>optvis.render</c> in C#: optimize an <see cref="ImageParam"/> so that the model's
/// activations maximize an <see cref="Objective"/>, through random <see cref="Transforms"/>.
/// </summary>
public static class Optvis
{
    /// <summary>
    /// Steps with the redirected ReLU gradient when
    /// <see cref="RenderOptions.ReluGradientOverride"/> is on: 17, as Lucid, whose override returns
    /// the ordinary gradient once <c>global_step &gt; 16</c> (global_step counts updates done:
    /// 0..16).
    /// </summary>
    public const int RedirectedReluSteps = 17;

    /// <summary>
    /// Lucid's <c>render_vis(model, objective, param_f, transforms, thresholds)</c>: Adam on the
    /// image parameters, loss = −Σ_batch objective. Each step: image (sigmoid of the
    /// parameterization) → transforms → crop/pad to a size the model accepts
    /// (<see cref="InputSizeFit"/>; not in Lucid; every size the transforms declare is fitted
    /// before the first step) → model (only up to the layers the objective
    /// reads; redirected ReLU gradients for the first <see cref="RedirectedReluSteps"/> steps, as
    /// Lucid) → objective. Returns images [N, H, W, 3] after each threshold (Lucid snapshots after
    /// threshold+1 updates; here after exactly threshold updates). The model's parameters are
    /// frozen during the render (and restored). Cancellation throws
    /// <see cref="OperationCanceledException"/> between steps.
    /// </summary>
    public static RenderResult Render(
        VisionModel model,
        Objective objective,
        ImageParam? param = null,
        RenderOptions? options = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(objective);
        options ??= new RenderOptions();
        var thresholds = options.Thresholds.Distinct().Order().ToArray();
        if (thresholds.Length == 0 || thresholds[0] < 1)
            throw new ArgumentException(
                $"Thresholds must be positive step counts; got [{string.Join(", ", options.Thresholds)}].",
                nameof(options)
            );
        if (!(options.LearningRate > 0))
            throw new ArgumentOutOfRangeException(
                nameof(options),
                $"Learning rate must be positive; got {options.LearningRate}."
            );
        if (model.Input.Channels != 3)
            throw new ArgumentException(
                $"Feature visualization renders RGB images; model {model.Name} takes {model.Input.Channels} channels.",
                nameof(model)
            );
        foreach (var l in objective.Layers)
            model.Layer(l);

        bool ownParam = param is null;
        param ??= ImageParam.Create(128);
        var transform = options.Transforms ?? Transforms.Standard;
        var random = new Random(options.Seed);
        var capture = objective.Layers.Where(l => l != VisionModel.InputLayer).ToArray();
        var fit = options.FitInputSize ? new InputSizeFit(model, capture) : null;
        // Fit every size the transforms can produce now, not inside the optimization steps.
        if (fit is not null && transform.OutputSizes(param.Height, param.Width) is { } sizes)
            fit.Prefit(sizes, param.Batch);
        var images = new List<Tensor>();
        var trace = new List<double[]>();
        var sw = Stopwatch.StartNew();
        int total = thresholds[^1];

        using var finalizersHeld = FinalizerGate.Hold(); // TorchSharp's implicit scalars (e.g. inside Adam) must outlive their native calls
        var frozen = model.Module.parameters().Where(p => p.requires_grad).ToList();
        foreach (var p in frozen)
            p.requires_grad_(false);
        try
        {
            using var optimizer = optim.Adam(param.Parameters, lr: options.LearningRate);
            var phases = options.Phases;
            for (int step = 1; step <= total; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                phases?.PhaseEnded(RenderPhases.BetweenSteps);
                phases?.Note(RenderPhases.StepNote, step);
                double[] values;
                using (var scope = NewDisposeScope())
                {
                    optimizer.zero_grad();
                    var img = param.Image();
                    phases?.PhaseEnded(RenderPhases.Image);
                    var x = transform.Apply(img, random);
                    if (fit is not null)
                        x = fit.Apply(x);
                    phases?.PhaseEnded(RenderPhases.Transforms);
                    bool redirect = options.ReluGradientOverride && step <= RedirectedReluSteps;
                    var acts =
                        capture.Length == 0
                            ? new Dictionary<string, Tensor>()
                            : RunModel(model, x, capture, redirect, options.ChannelsLast);
                    phases?.PhaseEnded(RenderPhases.Forward);
                    acts[VisionModel.InputLayer] = img; // Lucid's T("input") is the image before transforms
                    var v = objective.Evaluate(new ActivationLookup(acts, param.Batch));
                    var loss = v.sum().neg();
                    phases?.PhaseEnded(RenderPhases.Objective);
                    loss.backward();
                    phases?.PhaseEnded(RenderPhases.Backward);
                    optimizer.step();
                    phases?.PhaseEnded(RenderPhases.Step);
                    values = v.detach().to(ScalarType.Float64).data<double>().ToArray();
                }
                if (values.Any(double.IsNaN))
                    throw new InvalidOperationException(
                        $"Objective {objective} became NaN at step {step}."
                    );
                trace.Add(values);
                Tensor? snapshot = null;
                if (Array.IndexOf(thresholds, step) >= 0)
                {
                    using var _ = no_grad();
                    using var s2 = NewDisposeScope();
                    snapshot = ToHwc(param.Image()).contiguous().MoveToOuterDisposeScope();
                    images.Add(snapshot);
                }
                options.Progress?.Invoke(
                    new RenderProgress(step, total, values, sw.Elapsed, snapshot)
                );
            }
            return new RenderResult(thresholds, images, trace);
        }
        catch
        {
            foreach (var i in images)
                i.Dispose();
            throw;
        }
        finally
        {
            foreach (var p in frozen)
                p.requires_grad_(true);
            if (ownParam)
                param.Dispose();
        }
    }

    static Dictionary<string, Tensor> RunModel(
        VisionModel model,
        Tensor x,
        string[] capture,
        bool redirectRelu,
        bool channelsLast
    )
    {
        try
        {
            var input = model.Preprocess(x);
            return model.Run(
                channelsLast ? ToChannelsLast(input) : input,
                new RunOptions { Capture = capture, RedirectReluGradient = redirectRelu }
            );
        }
        catch (System.Runtime.InteropServices.ExternalException e)
        {
            throw new ArgumentException(
                $"{model.Name} failed on a transformed {x.shape[2]}x{x.shape[3]} image while computing {string.Join(", ", capture)}: "
                    + $"{e.Message.Split('\n')[0]} (transforms change the image size; with FitInputSize off, graphs with fixed padding or fixed-size dense layers fail at most sizes).",
                e
            );
        }
    }

    /// <summary>The same NCHW tensor (values, shape, autograd) stored channels-last (NHWC memory,
    /// libtorch's <c>torch.channels_last</c> strides; TorchSharp has no memory-format
    /// conversion).</summary>
    public static Tensor ToChannelsLast(Tensor nchw) =>
        nchw.dim() == 4 ? nchw.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) : nchw;

    /// <summary>NCHW → NHWC (Lucid's image layout).</summary>
    public static Tensor ToHwc(Tensor nchw) => nchw.permute(0, 2, 3, 1);

    /// <summary>NHWC → NCHW.</summary>
    public static Tensor ToChw(Tensor nhwc) => nhwc.permute(0, 3, 1, 2);
}
