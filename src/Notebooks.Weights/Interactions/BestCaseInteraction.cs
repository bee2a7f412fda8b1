using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Models;
using Notebooks.Weights.Runtime;
using static TorchSharp.torch;

namespace Notebooks.Weights.Interactions;

/// <summary>
/// The "best case" excitation interaction between A and B: an input image, optimized with the
/// feature-visualization parameterization and transforms, that maximizes the total gradient of B
/// with respect to A over the [W, W] crop around B's position, Σᵢⱼ ∂B/∂A[i, j] (double
/// backpropagation: the gradient is built with <c>create_graph</c> and differentiated again). The
/// result is re-measured with real gradients at the final image (no transforms) and set against the
/// expanded weight (the same total at the all-zero image with linearized gradients).
/// </summary>
public sealed class BestCaseInteraction : IDisposable
{
    BestCaseInteraction(
        UnitRef from,
        UnitRef to,
        Tensor image,
        Tensor map,
        Tensor expanded,
        double[] trace,
        (int, int) position,
        double bValue,
        int smoothed
    )
    {
        From = from;
        To = to;
        Image = image;
        Map = map;
        ExpandedWeight = expanded;
        Trace = trace;
        Position = position;
        BValue = bValue;
        SmoothedRelus = smoothed;
        Achieved = map.sum().item<float>();
        ExpandedTotal = expanded.sum().item<float>();
    }

    /// <summary>The earlier unit A.</summary>
    public UnitRef From { get; }

    /// <summary>The later unit B.</summary>
    public UnitRef To { get; }

    /// <summary>The optimized image [H, W, 3] in [0, 1].</summary>
    public Tensor Image { get; }

    /// <summary>The real-gradient [W, W] interaction map at <see cref="Image"/> (B at
    /// <see cref="Position"/>).</summary>
    public Tensor Map { get; }

    /// <summary>The [W, W] expanded weight from A to B.</summary>
    public Tensor ExpandedWeight { get; }

    /// <summary>Σ <see cref="Map"/>: the achieved total gradient.</summary>
    public double Achieved { get; }

    /// <summary>Σ <see cref="ExpandedWeight"/>: the expanded weight's total.</summary>
    public double ExpandedTotal { get; }

    /// <summary>Objective (total smoothed gradient, through the transforms) at every
    /// step.</summary>
    public IReadOnlyList<double> Trace { get; }

    /// <summary>B's position at the final image.</summary>
    public (int Y, int X) Position { get; }

    /// <summary>B's value there.</summary>
    public double BValue { get; }

    /// <summary>Which best case this is: <see cref="BestCaseDirection.Excitatory"/> (largest total)
    /// or <see cref="BestCaseDirection.Inhibitory"/> (most negative total).</summary>
    public BestCaseDirection Direction { get; private init; }

    /// <summary>ReLU modules whose gradient was smoothed during the search.</summary>
    public int SmoothedRelus { get; }

    /// <summary>
    /// Runs the search (see the class docs). <see cref="BestCaseOptions.Direction"/> decides the
    /// sign: by default the excitatory best case, and when that is not positive (an inhibitory
    /// pair: maximizing drives B inactive, where the gradient is 0) the inhibitory best case, the
    /// most negative total with B active (<see cref="Direction"/> says which).
    /// </summary>
    public static BestCaseInteraction Optimize(
        VisionModel model,
        UnitRef from,
        UnitRef to,
        int width = 5,
        BestCaseOptions? options = null
    )
    {
        Interaction.CheckPair(model, from, to, width);
        options ??= new BestCaseOptions();
        if (options.Steps < 1)
            throw new ArgumentOutOfRangeException(
                nameof(options),
                $"Steps must be at least 1; got {options.Steps}."
            );
        if (!(options.LearningRate > 0))
            throw new ArgumentOutOfRangeException(
                nameof(options),
                $"Learning rate must be positive; got {options.LearningRate}."
            );
        if (model.Input.Channels != 3)
            throw new ArgumentException(
                $"The best case is searched over RGB images; {model.Name} takes {model.Input.Channels} channels.",
                nameof(model)
            );
        if (options.Direction == BestCaseDirection.Inhibitory)
            return Search(model, from, to, width, options, BestCaseDirection.Inhibitory);
        var excitatory = Search(model, from, to, width, options, BestCaseDirection.Excitatory);
        if (options.Direction == BestCaseDirection.Excitatory || excitatory.Achieved > 0)
            return excitatory;
        excitatory.Dispose();
        return Search(model, from, to, width, options, BestCaseDirection.Inhibitory);
    }

    static BestCaseInteraction Search(
        VisionModel model,
        UnitRef from,
        UnitRef to,
        int width,
        BestCaseOptions options,
        BestCaseDirection direction
    )
    {
        int size = options.ImageSize ?? model.Input.DefaultSize;
        var geometry = InteractionGeometry.Of(model, from.Layer, to.Layer, width);
        var transform = options.Transforms ?? Transforms.Standard;
        // Transformed images are kept at sizes the graph computes (graphs with fixed padding, e.g.
        // ResNet18's), as in Optvis.Render.
        var fit = new InputSizeFit(model, [to.Layer]);
        var random = new Random(options.Seed);
        var trace = new double[options.Steps];
        int smoothedCount;
        bool inhibitory = direction == BestCaseDirection.Inhibitory;

        using var gate = FinalizerGate.Hold();
        using var outer = NewDisposeScope();
        using var param = ImageParam.Create(
            size,
            fft: options.Fft,
            decorrelate: options.Decorrelate,
            seed: options.Seed
        );
        var frozen = model.Module.parameters().Where(p => p.requires_grad).ToList();
        foreach (var p in frozen)
            p.requires_grad_(false);
        try
        {
            // Inhibitory: B's own ReLU is smoothed too, so that a B which starts (or falls)
            // inactive is pushed back to activity (the gradient vanishes where B is inactive, and 0
            // would beat every negative total).
            var exclude = inhibitory
                ? new[] { model.LayerModule(from.Layer) }
                : new[] { model.LayerModule(from.Layer), model.LayerModule(to.Layer) };
            using var smooth = new SmoothReluGradients(
                model.Module,
                options.SmoothReluBeta,
                exclude
            );
            smoothedCount = smooth.Count;
            using var optimizer = optim.Adam(param.Parameters, lr: options.LearningRate);
            for (int step = 0; step < options.Steps; step++)
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var x = fit.Apply(transform.Apply(param.Image(), random));
                var total = TotalGradient(model, from, to, x, geometry, options.Position);
                if (double.IsNaN(total.item<float>()))
                    throw new InvalidOperationException(
                        $"The best-case objective became NaN at step {step + 1}."
                    );
                trace[step] = total.item<float>();
                (inhibitory ? total : total.neg()).backward();
                optimizer.step();
            }
        }
        finally
        {
            foreach (var p in frozen)
                p.requires_grad_(true);
        }

        Tensor img;
        using (no_grad())
            img = param.Image().detach().clone(); // [1, 3, H, W]
        var pos = options.Position ?? CentreOf(model, to, img);
        using var final = Interaction.PerExample(model, from, to, img, width, pos);
        var map = final.Maps[0].clone();
        var expanded = Interaction.ExpandedWeight(model, from, to, width);
        var hwc = img[0].permute(1, 2, 0).contiguous();
        var result = new BestCaseInteraction(
            from,
            to,
            hwc.DetachFromDisposeScope(),
            map.DetachFromDisposeScope(),
            expanded.DetachFromDisposeScope(),
            trace,
            final.Positions[0],
            final.BValues[0],
            smoothedCount
        )
        {
            Direction = direction,
        };
        return result;
    }

    /// <summary>Σ over the crop of ∂B/∂A at images <paramref name="x"/> (batch of one),
    /// differentiable w.r.t. <paramref name="x"/>.</summary>
    static Tensor TotalGradient(
        VisionModel model,
        UnitRef from,
        UnitRef to,
        Tensor x,
        InteractionGeometry geometry,
        InteractionPosition? position
    )
    {
        var input = model.Preprocess(x);
        var a = model.Run(input, new RunOptions { Capture = [from.Layer] })[from.Layer];
        var y = model.Run(
            input.detach(),
            new RunOptions
            {
                Capture = [to.Layer],
                Replace = new Dictionary<string, Tensor> { [from.Layer] = a },
            }
        )[to.Layer];
        long h2 = y.shape[2],
            w2 = y.shape[3];
        int py = position?.Y ?? (int)((h2 - 1) / 2),
            px = position?.X ?? (int)((w2 - 1) / 2);
        if (py >= h2 || px >= w2)
            throw new ArgumentOutOfRangeException(
                nameof(position),
                $"Position ({py}, {px}) is outside layer2 '{to.Layer}''s {h2}x{w2} map."
            );
        var b = y[0, to.Unit, py, px];
        var g = autograd.grad([b], [a], retain_graph: true, create_graph: true)[0][0, from.Unit]; // [H1, W1]
        int wd = geometry.Width;
        int r0 = Math.Max(0, geometry.CropRow(py)),
            c0 = Math.Max(0, geometry.CropColumn(px));
        int r1 = (int)Math.Min(g.shape[0], geometry.CropRow(py) + wd),
            c1 = (int)Math.Min(g.shape[1], geometry.CropColumn(px) + wd);
        return g[r0..r1, c0..c1].sum();
    }

    static InteractionPosition CentreOf(VisionModel model, UnitRef to, Tensor img)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var y = model.Run(model.Preprocess(img), new RunOptions { Capture = [to.Layer] })[to.Layer];
        return InteractionPosition.At((int)((y.shape[2] - 1) / 2), (int)((y.shape[3] - 1) / 2));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Image.Dispose();
        Map.Dispose();
        ExpandedWeight.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"BestCaseInteraction {From} -> {To} ({Direction.ToString().ToLowerInvariant()}): total gradient {Achieved:G4} vs expanded weight {ExpandedTotal:G4}";
}
