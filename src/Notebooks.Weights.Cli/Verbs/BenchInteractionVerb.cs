namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// <c>weights bench interaction</c>: per-example interactions for N generated images computed in
/// batches vs one image at a time (same code with batch size 1), interleaved in rounds; each time
/// is the minimum over rounds. Checks the two agree.
/// </summary>
public sealed class BenchInteractionVerb()
    : Verb(
        "bench interaction",
        "time per-example interactions: batched vs one image at a time (ratio side by side)"
    )
{
    readonly LayerPairOptions _pair = new();
    readonly Option<int> _images = Opt.Int(
        "--images",
        "N: generated scenes (seeded) whose per-example interactions are timed",
        256
    );
    readonly Option<int> _batch = Opt.Batch(64);
    readonly Option<int> _repeat = Opt.Repeat(2);
    readonly Option<int> _seed = Opt.Seed(0);
    public override string Notes =>
        "  weights bench interaction --model M --from L1:a --to L2:b [--images N (default 256)] [--batch 64] [--width 5] [--repeat 2] [--seed 0]";

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var pair = _pair.Read(args);
        var model = args.Models.LoadModel(pair.Model);
        using var _m = model;
        var (from, to, width) = (pair.FromUnit, pair.ToUnit, pair.Width);
        int n = args.Get(_images),
            batch = args.Get(_batch);
        int repeat = args.Get(_repeat),
            seed = args.Get(_seed);
        if (n < 1)
            throw new CliUsageException($"option --images: expected a positive count; got {n}");
        if (model.Input.Channels != 3)
            throw new ArgumentException(
                $"bench interaction generates RGB scenes; {model.Name} takes {model.Input.Channels} channels."
            );
        Interaction.CheckPair(model, from, to, width);
        int size = model.Input.DefaultSize;
        var (images, labels) = SyntheticScenes.Batch(
            (ulong)seed,
            SyntheticScenes.ValidationStream,
            0,
            n,
            size
        );
        labels.Dispose();
        using var _i = images;
        // Warm-up (geometry probe, allocator) on a few images, untimed.
        using (
            var warm = Interaction.PerExample(
                model,
                from,
                to,
                images[..Math.Min(n, 2)],
                width,
                batchSize: 2
            )
        ) { }

        double bestBatched = double.MaxValue,
            bestSingle = double.MaxValue,
            maxDiff = 0;
        for (int r = 0; r < repeat; r++)
        {
            var sw = Stopwatch.StartNew();
            using var batched = Interaction.PerExample(
                model,
                from,
                to,
                images,
                width,
                batchSize: batch
            );
            bestBatched = Math.Min(bestBatched, sw.Elapsed.TotalSeconds);
            sw.Restart();
            using var single = Interaction.PerExample(model, from, to, images, width, batchSize: 1);
            bestSingle = Math.Min(bestSingle, sw.Elapsed.TotalSeconds);
            maxDiff = Math.Max(maxDiff, (batched.Maps - single.Maps).abs().max().item<float>());
            stdout.WriteLine(
                $"round {r + 1}: batched {batched.Count} images in {batched.Count / (double)batch:0.#} batches of {batch} / one at a time"
            );
        }
        stdout.WriteLine(
            $"{model.Name} {from} -> {to}, {n} images {size}x{size}, W={width}, {Environment.ProcessorCount} cores, min over {repeat} round(s)"
        );
        stdout.WriteLine($"{"method", -22} {"seconds", 9} {"ms/image", 9} {"ratio", 7}");
        stdout.WriteLine(
            $"{"one image at a time", -22} {bestSingle, 9:F2} {1000 * bestSingle / n, 9:F1} {1.0, 7:F2}"
        );
        stdout.WriteLine(
            $"{"batched (" + batch + ")", -22} {bestBatched, 9:F2} {1000 * bestBatched / n, 9:F1} {bestSingle / bestBatched, 7:F2}"
        );
        stdout.WriteLine($"max |batched - one at a time| = {maxDiff:G3}");
        return 0;
    }
}
