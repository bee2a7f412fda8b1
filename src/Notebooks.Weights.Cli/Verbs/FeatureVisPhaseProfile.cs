namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// <c>bench featurevis --profile</c>: phases of <see cref="Optvis.Render"/> (observed through
/// <see cref="RenderOptions.Phases"/>, not re-implemented), the model's share of the backward (a
/// model-only forward+backward on leaf inputs of the transformed sizes) and each standard
/// transform's cost.
/// </summary>
static class FeatureVisPhaseProfile
{
    /// <summary>Label of the model-only backward row.</summary>
    public const string ModelBackward = "  of which model backward";

    /// <summary>Thread CPU seconds per step of each render phase, the model's backward and the
    /// total, for a render of <paramref name="units"/>.</summary>
    public static IReadOnlyList<(string Name, double Seconds)> Measure(
        VisionModel model,
        string layer,
        int[] units,
        int size,
        int steps
    )
    {
        var obj = Objective.Sum(units.Select((u, b) => Objective.Channel(layer, u, batch: b)));
        using var p = ImageParam.Create(size, units.Select(u => u + 1).ToArray());
        var times = new RenderPhaseTimes();
        using (
            Optvis.Render(
                model,
                obj,
                p,
                new RenderOptions { Thresholds = [steps + 1], Phases = times }
            )
        ) { }
        var rows = new List<(string, double)>();
        foreach (var name in RenderPhaseTimes.Names)
        {
            rows.Add((name, times.PerStep(name)));
            if (name == RenderPhases.Backward)
                rows.Add(
                    (
                        ModelBackward,
                        ModelBackwardSeconds(model, layer, obj, units.Length, size, steps)
                    )
                );
        }
        rows.Add(("total", times.TotalPerStep));
        return rows;
    }

    /// <summary>The model's backward alone per step: forward+backward from a leaf of each step's
    /// transformed size, minus the forward.</summary>
    static double ModelBackwardSeconds(
        VisionModel model,
        string layer,
        Objective obj,
        int n,
        int size,
        int steps
    )
    {
        var random = new Random(0); // the render's transform draws (RenderOptions.Seed 0)
        var frozen = model.Module.parameters().Where(q => q.requires_grad).ToList();
        foreach (var q in frozen)
            q.requires_grad_(false);
        try
        {
            double sum = 0;
            for (int step = 1; step <= steps + 1; step++)
            {
                using var scope = NewDisposeScope();
                Tensor x;
                using (no_grad())
                    x = Transforms.Standard.Apply(full(n, 3, size, size, 0.5f), random);
                var leaf = x.detach().clone().requires_grad_(true);
                var clock = new ThreadCpuClock();
                var acts = model.Run(model.Preprocess(leaf), new RunOptions { Capture = [layer] });
                var loss = obj.Evaluate(new ActivationLookup(acts, n)).sum().neg();
                clock.Lap();
                loss.backward();
                double backward = clock.Lap();
                if (step > 1)
                    sum += backward;
            }
            return sum / steps;
        }
        finally
        {
            foreach (var q in frozen)
                q.requires_grad_(true);
        }
    }

    /// <summary>Forward and backward time of each of Lucid's standard transforms on a leaf batch
    /// [n, 3, size, size].</summary>
    public static IReadOnlyList<(string Name, double Forward, double Backward)> TransformTimes(
        int n,
        int size,
        int steps
    )
    {
        var parts = new (string, ImageTransform)[]
        {
            ("pad(12)", Transforms.Pad(12, 0.5)),
            ("jitter(8)", Transforms.Jitter(8)),
            ("random_scale (1.1)", Transforms.RandomScale(1.1)),
            ("random_rotate (10 deg)", Transforms.RandomRotate(10)),
            ("jitter(4)", Transforms.Jitter(4)),
        };
        var result = new List<(string, double, double)>();
        long s = size;
        var random = new Random(0);
        foreach (var (name, tf) in parts)
        {
            double f = 0,
                b = 0;
            long outSize = 0;
            for (int i = 0; i <= steps; i++)
            {
                using var scope = NewDisposeScope();
                var leaf = rand([n, 3, s, s]).requires_grad_(true);
                var clock = new ThreadCpuClock();
                var y = tf.Apply(leaf, random);
                double tf1 = clock.Lap();
                y.sum().backward();
                double tb = clock.Lap();
                outSize = y.shape[2];
                if (i > 0)
                {
                    f += tf1 / steps;
                    b += tb / steps;
                }
            }
            result.Add((name, f, b));
            s = outSize;
        }
        return result;
    }
}
