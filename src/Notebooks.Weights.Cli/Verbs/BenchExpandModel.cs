namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// <c>weights bench expand --model M --from L1 --to L2</c>: on a real model, times in interleaved
/// rounds (minimum over rounds) (a) <see cref="ExpandedWeights.Get"/> with its default method (the
/// closed form where it applies, e.g. composed kernels of an ONNX graph), (a2) the same forced to
/// batched backpropagation and (b) the notebook's per-channel loop (per layer2 channel: one
/// linearized forward of the zero image with layer1 replaced by the crop, and one gradient of the
/// channel's center), and prints the ratios and how far (a) and (b) differ.
/// </summary>
static class BenchExpandModel
{
    public static int Run(
        VisionModel model,
        string from,
        string to,
        int width,
        int repeat,
        bool json,
        TextWriter stdout
    )
    {
        Tensor crop = ExpandedWeights.ZeroImageCrop(model, from, width);
        int size = model.Input.DefaultSize;
        var image = model.Preprocess(zeros(1, model.Input.Channels, size, size));
        long channels = model.LayerInfo(to).Channels;
        string method = ExpandedWeights.Profile(model, from, to, width).Method;

        Tensor? loopResult = null;
        void Loop(bool keep)
        {
            var parts = new List<Tensor>();
            long ch = -1,
                cw = -1;
            for (int c = 0; c < channels; c++)
            {
                using var inner = NewDisposeScope();
                var x = crop.clone().requires_grad_(true);
                var y = model.Run(
                    image,
                    new RunOptions
                    {
                        Capture = [to],
                        Replace = new Dictionary<string, Tensor> { [from] = x },
                        Linearize = true,
                    }
                )[to];
                if (ch < 0)
                {
                    ch = (y.shape[2] - 1) / 2;
                    cw = (y.shape[3] - 1) / 2;
                }
                var g = autograd.grad([y[0, c, ch, cw]], [x])[0];
                if (keep)
                    parts.Add(g[0].detach().MoveToOuterDisposeScope());
            }
            if (keep)
                loopResult = stack(parts, 0).permute(2, 3, 1, 0).contiguous(); // [W, W, C1, C2]
        }
        static double Time(Action a)
        {
            using var scope = NewDisposeScope();
            var sw = Stopwatch.StartNew();
            a();
            return sw.Elapsed.TotalSeconds;
        }
        var frozen = model.Module.parameters().Where(p => p.requires_grad).ToList();
        foreach (var p in frozen)
            p.requires_grad_(false);
        double a = double.MaxValue,
            a2 = double.MaxValue,
            b = double.MaxValue,
            agree,
            agreeAutograd;
        try
        {
            Loop(true);
            var got = ExpandedWeights.Get(model, from, to, width);
            var backprop = ExpandedWeights.Get(
                model,
                from,
                to,
                width,
                method: ExpandedWeightsMethod.Autograd
            );
            double scale = loopResult!.abs().max().item<float>();
            agree = (got - loopResult).abs().max().item<float>() / scale;
            agreeAutograd = (backprop - loopResult).abs().max().item<float>() / scale;
            for (int r = 0; r < repeat; r++)
            {
                a = Math.Min(a, Time(() => ExpandedWeights.Get(model, from, to, width)));
                a2 = Math.Min(
                    a2,
                    Time(() =>
                        ExpandedWeights.Get(
                            model,
                            from,
                            to,
                            width,
                            method: ExpandedWeightsMethod.Autograd
                        )
                    )
                );
                b = Math.Min(b, Time(() => Loop(false)));
            }
        }
        finally
        {
            foreach (var p in frozen)
                p.requires_grad_(true);
        }
        var result = new
        {
            model = model.Name,
            from,
            to,
            width,
            channels,
            repeat,
            threads = get_num_threads(),
            method,
            method_seconds = a,
            autograd_seconds = a2,
            loop_seconds = b,
            loop_over_method = b / a,
            loop_over_autograd = b / a2,
            method_vs_loop_max_relative_difference = agree,
            autograd_vs_loop_max_relative_difference = agreeAutograd,
        };
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(result));
            return 0;
        }
        stdout.WriteLine(
            $"{model.Name} {from} -> {to}, W={width}, {channels} channels, min of {repeat} interleaved rounds, {result.threads} threads"
        );
        stdout.WriteLine(
            $"  (a) ExpandedWeights ({method}): {a * 1000, 9:F1} ms   (max |a - b| / max |b| = {agree:G2})"
        );
        stdout.WriteLine(
            $"  (a2) forced batched backprop:   {a2 * 1000, 9:F1} ms   (max |a2 - b| / max |b| = {agreeAutograd:G2})"
        );
        stdout.WriteLine($"  (b) per-channel loop:           {b * 1000, 9:F1} ms");
        stdout.WriteLine(
            $"  loop/method (b/a) = {b / a:F1}x   loop/backprop (b/a2) = {b / a2:F1}x"
        );
        var pr = ExpandedWeights.Profile(model, from, to, width);
        stdout.WriteLine(
            $"  phases of (a), one profiled run ({pr.TotalSeconds * 1000:F1} ms): crop {pr.CropSeconds * 1000:F1}, prefix probe {pr.PrefixProbeSeconds * 1000:F1}, "
                + $"closed form {pr.ClosedFormSeconds * 1000:F1}, check {pr.ClosedFormCheckSeconds * 1000:F1}, forward {pr.ForwardSeconds * 1000:F1}, "
                + $"backward {pr.BackwardSeconds * 1000:F1}, assemble {pr.AssembleSeconds * 1000:F1} ms"
        );
        return 0;
    }
}
