using System.Globalization;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// <c>weights interaction</c>: the interaction card of a unit pair — expanded weight, best case,
/// per-example gradient maps for B's top images from a folder and their factors — as a standalone
/// HTML page.
/// </summary>
public sealed class InteractionVerb()
    : Verb(
        "interaction",
        "interaction card of two units: expanded weight, best case, per-example gradients over images and their factors (HTML)"
    )
{
    readonly LayerPairOptions _pair = new();
    readonly Option<string> _out = Opt.Out("page.html: the interaction card", required: true);
    readonly Option<string?> _images = Opt.OptionalText(
        "--images",
        "DIR: a folder of images for per-example interactions and their factors (none: expanded weight and best case only)"
    );
    readonly Option<string> _algorithm = Opt.Choice(
        "--algorithm",
        "factorization of the per-example maps",
        "nmf",
        "nmf",
        "pca"
    );
    readonly Option<int> _top = Opt.Int(
        "--top",
        "N: the images that activate the --to unit most (0: all images)",
        64
    );
    readonly Option<int> _show = Opt.Int(
        "--show",
        "per-example maps drawn on the card (at least 1)",
        8
    );
    readonly Option<int> _factors = Opt.Int(
        "--factors",
        "K: factors of the per-example maps (0: none)",
        3
    );
    readonly Option<int> _bestSteps = Opt.Int(
        "--best-steps",
        "optimization steps of the best-case interaction (at least 1)",
        128
    );
    readonly Option<int> _seed = Opt.Seed(0);
    readonly Option<int> _batch = Opt.Batch(Interaction.DefaultBatchSize);
    readonly Option<bool> _linearize = Opt.Flag(
        "--linearize",
        "per-example gradients with ReLU linearized (identity gradient), as expanded weights do"
    );
    readonly Option<bool> _noBest = Opt.Flag(
        "--no-best",
        "skip the best-case (optimized input) interaction"
    );
    public override string Notes =>
        "  weights interaction --model M --from L1:a --to L2:b [--images DIR] [--top N (default 64; 0 = all)] [--show 8] [--factors K (default 3)]\n"
        + "                      [--algorithm nmf|pca] [--width 5] [--linearize] [--best-steps 128] [--no-best] [--seed 0] [--batch 32] --out page.html";

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var pair = _pair.Read(args);
        var (modelName, from, to, width) = (pair.Model, pair.FromUnit, pair.ToUnit, pair.Width);
        var (dir, outPath) = (args.Get(_images), args.Get(_out));
        int top = args.Get(_top),
            show = args.Get(_show),
            k = args.Get(_factors);
        int steps = args.Get(_bestSteps),
            seed = args.Get(_seed),
            batch = args.Get(_batch);
        bool linearize = args.Get(_linearize),
            noBest = args.Get(_noBest);
        var algorithm =
            args.Get(_algorithm) == "pca" ? ReductionAlgorithm.Pca : ReductionAlgorithm.Nmf;
        if (top < 0)
            throw new CliUsageException(
                $"option --top: expected 0 (all) or a positive count; got {top}"
            );
        if (show < 1)
            throw new CliUsageException($"option --show: expected at least 1; got {show}");
        if (k < 0)
            throw new CliUsageException(
                $"option --factors: expected 0 (none) or a positive count; got {k}"
            );
        if (steps < 1)
            throw new CliUsageException($"option --best-steps: expected at least 1; got {steps}");

        OutputPaths.File(outPath);
        using var model = args.Models.LoadModel(modelName);
        using var scope = NewDisposeScope();
        Interaction.CheckPair(model, from, to, width);
        // The folder is read before any long computation, so that a bad folder fails at once.
        using var folder = dir is null
            ? null
            : ImageFolder.Load(dir, model.Input.DefaultSize, model.Input.Channels);
        var expanded = Interaction.ExpandedWeight(model, from, to, width);
        stdout.WriteLine(
            $"{model.Name} {from} -> {to}: expanded weight ({width}x{width}) total {expanded.sum().item<float>():G4}"
        );

        BestCaseInteraction? best = null;
        if (!noBest)
        {
            best = BestCaseInteraction.Optimize(
                model,
                from,
                to,
                width,
                new BestCaseOptions { Steps = steps, Seed = seed }
            );
            stdout.WriteLine(
                $"best case ({best.Direction.ToString().ToLowerInvariant()}) after {steps} steps: total gradient {best.Achieved:G4} (expanded weight {best.ExpandedTotal:G4})"
            );
        }

        PerExampleInteractions? examples = null;
        InteractionFactors? factors = null;
        Tensor? chosen = null;
        string[]? names = null;
        if (folder is not null)
        {
            var (idx, _) = Interaction.TopActivating(
                model,
                to,
                folder.Images,
                top == 0 ? folder.Count : top,
                batch
            );
            chosen = folder.Images.index_select(
                0,
                tensor(idx.Select(i => (long)i).ToArray(), int64)
            );
            names = idx.Select(i => folder.Names[i]).ToArray();
            examples = Interaction.PerExample(
                model,
                from,
                to,
                chosen,
                width,
                linearize: linearize,
                batchSize: batch
            );
            stdout.WriteLine(
                $"per-example interactions: {examples.Count} of {folder.Count} images in {dir} (B's top {(top == 0 ? "all" : top.ToString(CultureInfo.InvariantCulture))}), {(linearize ? "linearized" : "real")} gradients"
            );
            if (k > 0)
            {
                if (examples.Count < 2)
                    stdout.WriteLine($"factors: skipped (one image; factors need at least 2)");
                else
                {
                    int kk = Math.Min(k, examples.Count);
                    if (kk < k)
                        stdout.WriteLine(
                            $"factors: {kk} instead of --factors {k} (at most one per image; {examples.Count} images)"
                        );
                    factors = InteractionFactors.Compute(examples, kk, algorithm, seed);
                    stdout.WriteLine(
                        $"factors: {factors.Count} {algorithm} cases, relative error {factors.RelativeError:G3}"
                    );
                }
            }
        }
        var card = new InteractionCard(
            model.Name,
            from,
            to,
            expanded,
            best,
            examples,
            chosen,
            names,
            factors,
            show
        );
        var report = new HtmlReport($"Interaction {from} → {to} ({model.Name})");
        report.Add(card);
        var path = report.Save(outPath);
        stdout.WriteLine($"wrote {path}");
        best?.Dispose();
        examples?.Dispose();
        factors?.Dispose();
        return 0;
    }
}
