using System.Diagnostics;
using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Models;
using static TorchSharp.torch;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// Times the phases of <see cref="Optvis.Render"/>'s step (same code path, unrolled) for <c>bench featurevis --profile</c>.
/// The model's backward is timed separately on a leaf input of the transformed size, so "backward (param+transforms)"
/// is the whole backward minus that.
/// </summary>
static class PhaseProfile
{
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    struct RUsage { public long UserSec, UserUsec, SysSec, SysUsec; public long F0, F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11, F12, F13; }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    static extern int getrusage(int who, out RUsage usage);

    /// <summary>
    /// CPU seconds of the calling thread (Linux <c>RUSAGE_THREAD</c>); wall time elsewhere. With <c>--threads 1</c> torch
    /// runs every op on this thread, so this is the phase's CPU cost whatever else the machine is doing.
    /// </summary>
    public static double ThreadCpuSeconds()
    {
        if (!OperatingSystem.IsLinux() || getrusage(1, out var u) != 0) return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
        return u.UserSec + u.SysSec + (u.UserUsec + u.SysUsec) / 1e6;
    }

    sealed class Clock
    {
        double _t = ThreadCpuSeconds();
        public double Lap() { double now = ThreadCpuSeconds(), d = now - _t; _t = now; return d; }
        public void Restart() => _t = ThreadCpuSeconds();
    }

    public static IReadOnlyDictionary<string, double> Measure(VisionModel model, string layer, int[] units, int size, int steps)
    {
        var obj = Objective.Sum(units.Select((u, b) => Objective.Channel(layer, u, batch: b)));
        using var p = ImageParam.Create(size, units.Select(u => u + 1).ToArray());
        var transform = Transforms.Standard;
        var random = new Random(0);
        var names = new[] { "image (FFT + colors)", "transforms", "model forward", "objective", "backward (all)", "  of which model backward", "Adam step", "total" };
        var acc = names.ToDictionary(n => n, _ => 0.0);
        var frozen = model.Module.parameters().Where(q => q.requires_grad).ToList();
        foreach (var q in frozen) q.requires_grad_(false);
        try
        {
            using var opt = optim.Adam(p.Parameters, lr: 0.05);
            for (int step = 0; step <= steps; step++)
            {
                using var scope = NewDisposeScope();
                var t = new Dictionary<string, double>();
                var sw = new Clock();
                double Lap() => sw.Lap();
                opt.zero_grad();
                var img = p.Image(); t[names[0]] = Lap();
                var x = transform.Apply(img, random); t[names[1]] = Lap();
                var acts = model.Run(model.Preprocess(x), new RunOptions { Capture = [layer] }); t[names[2]] = Lap();
                var loss = obj.Evaluate(new ActivationLookup(acts, units.Length)).sum().neg(); t[names[3]] = Lap();
                loss.backward(); t[names[4]] = Lap();
                opt.step(); t[names[6]] = Lap();
                // Model-only forward+backward on a leaf of the same shape, minus its forward: the model's backward.
                var leaf = x.detach().clone().requires_grad_(true);
                sw.Restart();
                var a2 = model.Run(model.Preprocess(leaf), new RunOptions { Capture = [layer] });
                var l2 = obj.Evaluate(new ActivationLookup(a2, units.Length)).sum().neg();
                double fwd2 = Lap();
                l2.backward();
                t[names[5]] = Lap();
                _ = fwd2;
                t[names[7]] = t[names[0]] + t[names[1]] + t[names[2]] + t[names[3]] + t[names[4]] + t[names[6]];
                if (step == 0) continue; // warm-up
                foreach (var (k, v) in t) acc[k] += v / steps;
            }
        }
        finally { foreach (var q in frozen) q.requires_grad_(true); }
        return acc;
    }

    /// <summary>Forward and backward time of each of Lucid's standard transforms on a leaf batch [n, 3, size, size].</summary>
    public static IReadOnlyList<(string Name, double Forward, double Backward)> TransformTimes(int n, int size, int steps)
    {
        var parts = new (string, ImageTransform)[]
        {
            ("pad(12)", FeatureVis.Transforms.Pad(12, 0.5)), ("jitter(8)", FeatureVis.Transforms.Jitter(8)),
            ("random_scale (1.1)", FeatureVis.Transforms.RandomScale(1.1)), ("random_rotate (10 deg)", FeatureVis.Transforms.RandomRotate(10)),
            ("jitter(4)", FeatureVis.Transforms.Jitter(4)),
        };
        var result = new List<(string, double, double)>();
        long s = size;
        var random = new Random(0);
        foreach (var (name, tf) in parts)
        {
            double f = 0, b = 0;
            long outSize = 0;
            for (int i = 0; i <= steps; i++)
            {
                using var scope = NewDisposeScope();
                var leaf = rand([n, 3, s, s]).requires_grad_(true);
                var sw = new Clock();
                var y = tf.Apply(leaf, random);
                double tf1 = sw.Lap();
                y.sum().backward();
                double tb = sw.Lap();
                outSize = y.shape[2];
                if (i > 0) { f += tf1 / steps; b += tb / steps; }
            }
            result.Add((name, f, b));
            s = outSize;
        }
        return result;
    }
}
