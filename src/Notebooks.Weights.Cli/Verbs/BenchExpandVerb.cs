using Notebooks.Weights.Models.InceptionV1;
using TorchSharp;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// <c>weights bench expand</c>: on an InceptionV1-shaped block (mixed3a → mixed3b: 256 → 480
/// channels, random weights), times (a) <see cref="ExpandedWeights"/> (here the closed form:
/// products of the block's kernels, checked against backpropagation on eight channels), (a2) the
/// same forced to batched backpropagation (<see cref="ExpandedWeightsMethod.Autograd"/>), (b) the
/// Lucid-style loop (one fresh linearized forward of the single crop and one gradient per output
/// channel), (c) one plain batched forward+backward of the same [480, 256, W, W] batch seeded like
/// the method (only that work is timed) and (d) the same with linearization, interleaved in rounds
/// in one run; each time is the minimum over rounds (robust to other load). Also prints the phase
/// profile of (a) (<see cref="ExpandedWeights.Profile"/>).
/// </summary>
public sealed class BenchExpandVerb()
    : Verb(
        "bench expand",
        "time expanded weights (closed form and batched backprop) vs the per-channel Lucid loop on an InceptionV1-shaped block"
    )
{
    readonly Option<int?> _chunk = Opt.OptionalInt(
        "--chunk",
        "channels per backprop chunk (default: ExpandedWeights.AutoChunk)",
        min: 1
    );
    readonly LayerPairOptions _pair = new(modelRequired: false, layersRequired: false);
    readonly Option<int> _repeat = Opt.Repeat(3);
    readonly Option<int> _seed = Opt.Seed(0);
    readonly Option<bool> _json = Opt.Json();
    public override string Notes =>
        "  weights bench expand [--width 5] [--repeat 3] [--seed 0] [--chunk N (default: ExpandedWeights.AutoChunk)] [--json]\n"
        + "  weights bench expand --model FILE|NAME --from LAYER1 --to LAYER2 [--width 5] [--repeat 3]   (closed form, batched backprop and the per-channel loop on a real model)";

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var (modelName, from, to, width) = _pair.Read(args);
        int repeat = args.Get(_repeat),
            seed = args.Get(_seed);
        int? chunkOpt = args.Get(_chunk);
        bool json = args.Get(_json);
        if (modelName is not null || from is not null || to is not null)
        {
            if (modelName is null || from is null || to is null)
                throw new CliUsageException(
                    "options --model, --from and --to go together (bench a model's layer1 -> layer2)"
                );
            using var loaded = args.Models.LoadModel(modelName);
            return BenchExpandModel.Run(loaded, from, to, width, repeat, json, stdout);
        }
        if (chunkOpt is < 1)
            throw new CliUsageException($"option --chunk: expected at least 1, got {chunkOpt}");
        if (width < 1 || width > 28)
            throw new CliUsageException(
                $"option --width: expected 1..28 (mixed3a is 28x28), got {width}"
            );

        manual_seed(seed);
        // mixed3b config: in 256; 1x1 128; 3x3 bottleneck 128 → 192; 5x5 bottleneck 32 → 96; pool →
        // pool_reduce 64 = 480.
        var block = new InceptionMixedBlock(256, 128, 128, 192, 32, 96, 64, "mixed3b");
        var seq = nn.Sequential(("mixed3a", nn.Identity()), ("mixed3b", block));
        using var model = new VisionModel(
            "bench-mixed3a-3b",
            seq,
            new InputSpec(256, 28, -1, 1),
            [
                new LayerSpec("mixed3a", "mixed3a", "Identity"),
                new LayerSpec("mixed3b", "mixed3b", "InceptionMixedBlock"),
            ]
        );
        var units = (int)model.LayerInfo("mixed3b").Channels;
        Tensor crop;
        using (no_grad())
            crop = ExpandedWeights.ZeroImageCrop(model, "mixed3a", width);

        static double Time(Action a)
        {
            using var scope = NewDisposeScope();
            var sw = Stopwatch.StartNew();
            a();
            return sw.Elapsed.TotalSeconds;
        }
        int chunk = chunkOpt ?? ExpandedWeights.AutoChunk(model, "mixed3a", width);
        void Batched() => ExpandedWeights.Get(model, "mixed3a", "mixed3b", width, chunk: chunk);
        void Autograd() =>
            ExpandedWeights.Get(
                model,
                "mixed3a",
                "mixed3b",
                width,
                chunk: chunk,
                method: ExpandedWeightsMethod.Autograd
            );
        // The batched work the method cannot avoid: one forward of the [C2, C1, W, W] batch from
        // layer1 to layer2 and one backward seeded (like the method) with a one-hot at each entry's
        // own channel and the center; nothing else is timed.
        long[] yShape;
        using (no_grad())
            yShape = model
                .Run(
                    crop,
                    new RunOptions
                    {
                        Capture = ["mixed3b"],
                        Replace = new Dictionary<string, Tensor> { ["mixed3a"] = crop },
                    }
                )["mixed3b"]
                .shape;
        long ch = (yShape[2] - 1) / 2,
            cw = (yShape[3] - 1) / 2;
        var oneHot = zeros(units, units, yShape[2], yShape[3]);
        for (int u = 0; u < units; u++)
            oneHot[u, u, ch, cw] = tensor(1f);
        void ForwardBackward(bool linearize, int size)
        {
            for (int s = 0; s < units; s += size)
            {
                using var inner = NewDisposeScope();
                int end = Math.Min(units, s + size);
                var x = crop.expand(end - s, -1, -1, -1).clone().requires_grad_(true);
                var y = model.Run(
                    x,
                    new RunOptions
                    {
                        Capture = ["mixed3b"],
                        Replace = new Dictionary<string, Tensor> { ["mixed3a"] = x },
                        Linearize = linearize,
                    }
                )["mixed3b"];
                autograd.grad([y], [x], [oneHot[s..end]]);
            }
        }
        // Lucid's loop (as the issue specifies it): per output channel, one fresh linearized
        // forward of the single crop and one gradient.
        void Loop()
        {
            for (int c = 0; c < units; c++)
            {
                using var inner = NewDisposeScope();
                var x = crop.clone().requires_grad_(true);
                var y = model.Run(
                    x,
                    new RunOptions
                    {
                        Capture = ["mixed3b"],
                        Replace = new Dictionary<string, Tensor> { ["mixed3a"] = x },
                        Linearize = true,
                    }
                )["mixed3b"];
                autograd.grad([y[0, c, ch, cw]], [x]);
            }
        }

        // Parameters frozen for (b)-(d) as ExpandedWeights does internally: all four compute input
        // gradients only.
        foreach (var p in seq.parameters())
            p.requires_grad_(false);
        Time(Batched);
        Time(Autograd);
        Time(() => ForwardBackward(false, units)); // warm-up
        double agree;
        using (var check = NewDisposeScope())
        {
            var closed = ExpandedWeights.Get(model, "mixed3a", "mixed3b", width);
            var backprop = ExpandedWeights.Get(
                model,
                "mixed3a",
                "mixed3b",
                width,
                method: ExpandedWeightsMethod.Autograd
            );
            agree =
                (closed - backprop).abs().max().item<float>() / backprop.abs().max().item<float>();
        }
        double a = double.MaxValue,
            a2 = double.MaxValue,
            b = double.MaxValue,
            c1 = double.MaxValue,
            d = double.MaxValue,
            e = double.MaxValue;
        ExpandedWeightsProfile? best = null,
            bestAutograd = null;
        for (int r = 0; r < repeat; r++)
        {
            a = Math.Min(a, Time(Batched));
            a2 = Math.Min(a2, Time(Autograd));
            c1 = Math.Min(c1, Time(() => ForwardBackward(false, units)));
            d = Math.Min(d, Time(() => ForwardBackward(true, units)));
            e = Math.Min(e, Time(() => ForwardBackward(false, chunk)));
            b = Math.Min(b, Time(Loop));
            var prof = ExpandedWeights.Profile(model, "mixed3a", "mixed3b", width, chunk);
            if (best is null || prof.TotalSeconds < best.TotalSeconds)
                best = prof;
            var profA = ExpandedWeights.Profile(
                model,
                "mixed3a",
                "mixed3b",
                width,
                chunk,
                ExpandedWeightsMethod.Autograd
            );
            if (bestAutograd is null || profA.TotalSeconds < bestAutograd.TotalSeconds)
                bestAutograd = profA;
        }
        var result = new
        {
            block = "mixed3a->mixed3b (256->480)",
            width,
            chunk,
            repeat,
            threads = get_num_threads(),
            method = best!.Method,
            batched_seconds = a,
            autograd_seconds = a2,
            loop_seconds = b,
            closed_form_vs_autograd_max_relative_difference = agree,
            forward_backward_seconds = c1,
            linearized_forward_backward_seconds = d,
            chunked_forward_backward_seconds = e,
            loop_over_batched = b / a,
            loop_over_autograd = b / a2,
            autograd_over_forward_backward = a2 / c1,
            batched_over_forward_backward = a / c1,
            batched_over_linearized_forward_backward = a / d,
            batched_over_chunked_forward_backward = a / e,
            profile = best,
            profile_autograd = bestAutograd,
        };
        if (json)
            stdout.WriteLine(JsonSerializer.Serialize(result));
        else
        {
            stdout.WriteLine(
                $"{result.block}, W={width}, {units} channels in chunks of {chunk}, min of {repeat} interleaved rounds, {result.threads} threads"
            );
            stdout.WriteLine($"  (a) ExpandedWeights ({best!.Method}): {a * 1000, 9:F1} ms");
            stdout.WriteLine(
                $"  (a2) same, forced batched backprop (Autograd):  {a2 * 1000, 9:F1} ms   (max |a - a2| / max |a2| = {agree:G2})"
            );
            stdout.WriteLine($"  (b) Lucid-style per-channel loop:            {b * 1000, 9:F1} ms");
            stdout.WriteLine(
                $"  (c) one batched forward+backward:            {c1 * 1000, 9:F1} ms"
            );
            stdout.WriteLine($"  (d) same, linearized (ReLU/max-pool swaps):  {d * 1000, 9:F1} ms");
            stdout.WriteLine(
                $"  (e) (c) in the method's chunks of {chunk}:      {e * 1000, 9:F1} ms"
            );
            stdout.WriteLine(
                $"  loop/method (b/a) = {b / a:F1}x   method/forward+backward (a/c) = {a / c1:F2}x"
            );
            stdout.WriteLine(
                $"  loop/backprop (b/a2) = {b / a2:F1}x   backprop/forward+backward (a2/c) = {a2 / c1:F2}x   (a2/d) = {a2 / d:F2}x   (a2/e) = {a2 / e:F2}x"
            );
            var pr = best!;
            stdout.WriteLine(
                $"  phases of (a), fastest profiled round ({pr.TotalSeconds * 1000:F1} ms): crop {pr.CropSeconds * 1000:F1}, prefix probe {pr.PrefixProbeSeconds * 1000:F1}, "
                    + $"direct-input probe {pr.DirectInputProbeSeconds * 1000:F1}, closed form {pr.ClosedFormSeconds * 1000:F1}, check {pr.ClosedFormCheckSeconds * 1000:F1}, "
                    + $"assemble {pr.AssembleSeconds * 1000:F1} ms"
            );
            pr = bestAutograd!;
            stdout.WriteLine(
                $"  phases of (a2), fastest profiled round ({pr.TotalSeconds * 1000:F1} ms): crop {pr.CropSeconds * 1000:F1}, prefix probe {pr.PrefixProbeSeconds * 1000:F1}, "
                    + $"forward {pr.ForwardSeconds * 1000:F1} (prefix at size {pr.PrefixSize}: {pr.PrefixSeconds * 1000:F1}), seed {pr.SeedSeconds * 1000:F1}, "
                    + $"backward {pr.BackwardSeconds * 1000:F1}, assemble {pr.AssembleSeconds * 1000:F1} ms"
            );
        }
        return 0;
    }
}
