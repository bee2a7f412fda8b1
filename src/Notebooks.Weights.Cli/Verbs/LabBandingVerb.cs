using System.Globalization;
using Notebooks.Weights.Models.Default;
using TorchSharp;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// <c>weights lab banding</c>: trains the weight-banding variants of the default model (baseline
/// GAP, flatten, x-only pooling, rotated data; same seed and data), saves their weights, scores
/// banding of every spatial conv layer with <see cref="BandingScore"/> (verdicts by
/// <see cref="BandingLab.Verdict"/>), checks the article's four claims, and draws the
/// color-consistent NMF grid of every layer (<see cref="LayerFactorGrid"/>) as PNGs and one HTML
/// page.
/// </summary>
public sealed class LabBandingVerb()
    : Verb(
        "lab banding",
        "train the weight-banding variants (gap, flatten, xpool, rotated) and score banding per layer"
    )
{
    static readonly TrainOptions Defaults = new();
    readonly Option<string> _out = Opt.Out(
        "DIR: folder for weights, records, reports and grids",
        required: true
    );
    readonly Option<string?> _variants = Opt.OptionalText(
        "--variants",
        "comma-separated variants to run: baseline, flatten, xpool, rotated (default: all)"
    );
    readonly TrainingOptions _training = new();
    readonly Option<int> _validation = Opt.Int(
        "--validation",
        "validation images",
        Defaults.ValidationSize,
        min: 1
    );
    readonly Option<int> _components = Opt.Int("--components", "NMF components", 3, min: 1);
    readonly Option<int> _scale = Opt.Int(
        "--scale",
        "pixels per weight in the grids",
        8,
        min: 1,
        max: 64
    );
    readonly Option<bool> _retrain = Opt.Flag(
        "--retrain",
        "train every variant again even when matching weights are in --out"
    );
    public override string Notes =>
        "  weights lab banding --out DIR [--seed 1] [--steps 600] [--batch 32] [--variants baseline,flatten,xpool,rotated]\n"
        + "                      [--validation 1000] [--components 3] [--scale 8] [--retrain]\n"
        + "  writes DIR/VARIANT.weights + .json, DIR/banding.json, DIR/banding.md, DIR/banding.html and\n"
        + "  DIR/grids/VARIANT-LAYER.png (color-consistent NMF grids); reuses matching weights unless --retrain";

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var dir = args.Get(_out);
        var baseOptions = _training.Read(args) with { ValidationSize = args.Get(_validation) };
        var (seed, steps, batch, validation) = (
            baseOptions.Seed,
            baseOptions.Steps,
            baseOptions.BatchSize,
            baseOptions.ValidationSize
        );
        int components = args.Get(_components),
            scale = args.Get(_scale);
        var variantNames = args.Get(_variants);
        bool retrain = args.Get(_retrain);
        var variants = variantNames is null
            ? BandingVariant.All
            : variantNames
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(BandingVariant.Get)
                .Distinct()
                .ToList();
        if (variants.Count == 0)
            throw new CliUsageException("option --variants: expected a list like baseline,rotated");
        var full = OutputPaths.Folder(dir);
        Directory.CreateDirectory(Path.Combine(full, "grids"));

        var results = new List<VariantResult>();
        var pictures = new List<(string Variant, string Layer, Image Picture)>();
        var total = System.Diagnostics.Stopwatch.StartNew();
        foreach (var v in variants)
        {
            var options = v.Apply(baseOptions);
            var weights = Path.Combine(full, v.Name + ".weights");
            var (model, record, seconds) = TrainOrReuse(v, options, weights, retrain, stdout);
            using (model)
            {
                var layers = new List<LayerScore>();
                foreach (var l in BandingLab.ScoreLayers(model))
                {
                    using var scope = torch.NewDisposeScope();
                    using var grid = LayerFactorGrid.Compute(
                        model.Parameters[l.Weight],
                        components
                    );
                    var mosaic = grid.Mosaic(columns: 32);
                    var picture = Image.FromTensor(
                        mosaic,
                        ImageDomain.Unit,
                        displayWidth: (int)Math.Min(1024, mosaic.shape[1] * 6),
                        label: $"{v.Name} {l.Layer} ({grid.Order.Length} units, {l.Kernel}): H {F(l.Score.Horizontal)}, V {F(l.Score.Vertical)}, {l.Verdict}"
                    );
                    var png = Path.Combine("grids", $"{v.Name}-{l.Layer}.png");
                    File.WriteAllBytes(Path.Combine(full, png), picture.ToPng(scale));
                    pictures.Add((v.Name, l.Layer, picture));
                    var b = l.Score;
                    layers.Add(
                        new LayerScore(
                            l.Layer,
                            l.Kernel,
                            b.Horizontal,
                            b.Vertical,
                            b.BaselineHorizontal,
                            b.BaselineVertical,
                            b.MeanNeuronHorizontal,
                            b.MeanNeuronVertical,
                            l.Verdict,
                            grid.Nmf.RelativeError.Average(),
                            png.Replace('\\', '/')
                        )
                    );
                }
                results.Add(
                    new VariantResult(
                        v.Name,
                        v.Description,
                        v.Head.ToString(),
                        v.Rotate90,
                        record.WeightsHash,
                        record.FinalLoss,
                        record.TrainAccuracy,
                        record.ValidationAccuracy,
                        seconds,
                        layers
                    )
                );
            }
        }
        var report = new LabReport(
            seed,
            steps,
            batch,
            baseOptions.LearningRate,
            baseOptions.WeightDecay,
            baseOptions.Threads,
            validation,
            SyntheticScenes.Version,
            components,
            typeof(torch).Assembly.GetName().Version?.ToString() ?? "",
            "Notebooks.Weights.Decomposition.BandingScore: per layer, the share of spatial weight variance (summed over neurons and input channels) "
                + "that varies with y only (H, horizontal bands) / with x only (V, vertical bands); i.i.d. random weights score (kH-1)/(kH*kW-1) "
                + "for H and (kW-1)/(kH*kW-1) for V (the reference).",
            BandingLab.Criterion,
            results,
            Claims(results)
        );
        File.WriteAllText(
            Path.Combine(full, "banding.json"),
            JsonSerializer.Serialize(report, CliJson.Indented) + "\n"
        );
        var md = Markdown(report);
        File.WriteAllText(Path.Combine(full, "banding.md"), md);
        HtmlPage(report, pictures).Save(Path.Combine(full, "banding.html"));
        stdout.Write(md);
        stdout.WriteLine(
            $"wrote {Path.Combine(full, "banding.md")}, banding.json, banding.html and {pictures.Count} grids in {Path.Combine(full, "grids")} ({total.Elapsed.TotalSeconds:F0} s)"
        );
        return 0;
    }

    static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);

    static (VisionModel, TrainingRecord, double?) TrainOrReuse(
        BandingVariant v,
        TrainOptions options,
        string weights,
        bool retrain,
        TextWriter stdout
    )
    {
        var json = Path.ChangeExtension(weights, ".json");
        if (!retrain && File.Exists(weights) && File.Exists(json))
        {
            var old = JsonSerializer.Deserialize<TrainingRecord>(File.ReadAllText(json));
            if (
                old is not null
                && old.Seed == options.Seed
                && old.Steps == options.Steps
                && old.BatchSize == options.BatchSize
                && old.Head == options.Config.Head.ToString()
                && old.Rotate90 == options.Rotate90
                && old.GeneratorVersion == SyntheticScenes.Version
                && old.LearningRate == options.LearningRate
                && old.WeightDecay == options.WeightDecay
                && old.Threads == options.Threads
            )
            {
                var m = DefaultModel.LoadFile(weights, options.Config);
                if (m.WeightsHash != old.WeightsHash)
                    throw new InvalidDataException(
                        $"{weights}: weights hash {m.WeightsHash} differs from its record {json} ({old.WeightsHash}); delete them or pass --retrain."
                    );
                stdout.WriteLine($"{v.Name}: reusing {weights} (hash {old.WeightsHash})");
                return (m, old, null);
            }
        }
        stdout.WriteLine(
            $"{v.Name}: training ({v.Description}), seed {options.Seed}, {options.Steps} steps"
        );
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var (model, record) = DefaultModelTrainer.Train(
            options,
            (s, l) =>
            {
                if (s % 100 == 0)
                    stdout.WriteLine(
                        $"  step {s, 5}  loss {l:F4}  ({sw.Elapsed.TotalSeconds:F0} s)"
                    );
            },
            $"weights lab banding --variants {v.Name} --seed {options.Seed} --steps {options.Steps} --batch {options.BatchSize}"
        );
        DefaultModel.Save(model, weights);
        File.WriteAllText(json, JsonSerializer.Serialize(record, CliJson.Indented) + "\n");
        stdout.WriteLine(
            $"  validation accuracy {record.ValidationAccuracy:P1}, hash {record.WeightsHash}, {sw.Elapsed.TotalSeconds:F0} s"
        );
        return (model, record, Math.Round(sw.Elapsed.TotalSeconds, 1));
    }

    static List<Claim> Claims(List<VariantResult> results)
    {
        LayerScore? L(string variant, string layer) =>
            results
                .FirstOrDefault(r => r.Variant == variant)
                ?.Layers.FirstOrDefault(l => l.Layer == layer);
        string E(string variant, string layer) =>
            L(variant, layer) is { } l
                ? $"{variant} {layer}: H {F(l.Horizontal)}, V {F(l.Vertical)} (reference {F(l.ReferenceHorizontal)}) → {l.Verdict}"
                : $"{variant} {layer}: not run";
        Claim Make(string text, bool? ok, params string[] evidence) =>
            new(
                text,
                ok is null ? "not run"
                    : ok.Value ? "reproduces"
                    : "does not reproduce",
                string.Join("; ", evidence)
            );
        var b3 = L("baseline", "conv2d3");
        var r3 = L("rotated", "conv2d3");
        var f3 = L("flatten", "conv2d3");
        var x3 = L("xpool", "conv2d3");
        var x2 = L("xpool", "conv2d2");
        return
        [
            Make(
                "1. With global average pooling, the last conv layer shows horizontal banding.",
                b3 is null ? null : b3.Verdict == "horizontal",
                E("baseline", "conv2d3"),
                E("baseline", "conv2d2")
            ),
            Make(
                "2. Training on images rotated 90° turns the bands vertical.",
                r3 is null ? null : r3.Verdict == "vertical",
                E("rotated", "conv2d3"),
                E("baseline", "conv2d3")
            ),
            Make(
                "3. Without pooling (flatten + fully connected) the last conv layer shows no banding.",
                f3 is null ? null : f3.Verdict == "none",
                E("flatten", "conv2d3"),
                E("baseline", "conv2d3")
            ),
            Make(
                "4. Pooling along x only removes banding from the last conv layer, and it appears one layer earlier.",
                x3 is null || x2 is null
                    ? null
                    : x3.Verdict == "none" && x2.Verdict == "horizontal",
                E("xpool", "conv2d3"),
                E("xpool", "conv2d2"),
                E("baseline", "conv2d2")
            ),
        ];
    }

    static string Markdown(LabReport r)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("# Weight banding in the default model's variants");
        sb.AppendLine();
        sb.AppendLine(
            string.Create(
                c,
                $"Seed {r.Seed} (weight init and data) for every variant; {r.Steps} AdamW steps (lr {r.LearningRate}, cosine-annealed, weight decay {r.WeightDecay}) of {r.BatchSize} fresh generated images (SyntheticScenes v{r.GeneratorVersion}); {r.Threads} torch threads; TorchSharp {r.TorchSharpVersion}; accuracy on {r.ValidationSize} fresh validation images."
            )
        );
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Score: {r.Score}");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Verdict: {r.Criterion}.");
        sb.AppendLine();
        sb.AppendLine(
            "| variant | val. acc. | layer | kernel | H | V | reference | H/ref | V/ref | verdict |"
        );
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var v in r.Variants)
        foreach (var l in v.Layers)
            sb.AppendLine(
                string.Create(
                    c,
                    $"| {v.Variant} | {v.ValidationAccuracy:P1} | {l.Layer} | {l.Kernel} | {l.Horizontal:F3} | {l.Vertical:F3} | {l.ReferenceHorizontal:F3} | {l.Horizontal / l.ReferenceHorizontal:F2} | {l.Vertical / l.ReferenceVertical:F2} | {l.Verdict} |"
                )
            );
        sb.AppendLine();
        sb.AppendLine("| claim (Petrov et al. 2021) | at this scale | evidence |");
        sb.AppendLine("|---|---|---|");
        foreach (var cl in r.Claims)
            sb.AppendLine(
                CultureInfo.InvariantCulture,
                $"| {cl.Text} | {cl.Result} | {cl.Evidence} |"
            );
        sb.AppendLine();
        sb.AppendLine(
            "Variants: "
                + string.Join("; ", r.Variants.Select(v => $"{v.Variant} = {v.Description}"))
                + "."
        );
        sb.AppendLine();
        sb.AppendLine(
            "Weights hashes: "
                + string.Join(", ", r.Variants.Select(v => $"{v.Variant} {v.WeightsHash}"))
                + "."
        );
        sb.AppendLine();
        sb.AppendLine(
            "Training time: "
                + string.Join(
                    ", ",
                    r.Variants.Select(v =>
                        v.TrainSeconds is { } t
                            ? string.Create(c, $"{v.Variant} {t:F0} s")
                            : $"{v.Variant} reused"
                    )
                )
                + "."
        );
        return sb.ToString();
    }

    static HtmlReport HtmlPage(
        LabReport r,
        List<(string Variant, string Layer, Image Picture)> pictures
    )
    {
        var page = new HtmlReport("Weight banding lab: the default model's variants");
        page.AddText(
            string.Create(
                CultureInfo.InvariantCulture,
                $"Seed {r.Seed}, {r.Steps} steps x {r.BatchSize} images (SyntheticScenes v{r.GeneratorVersion}), NMF with {r.Components} factors per unit.\n"
                    + $"Score: {r.Score}\nVerdict: {r.Criterion}."
            )
        );
        var table = new StringBuilder(
            "<table border=\"1\" cellpadding=\"4\" style=\"border-collapse:collapse\"><tr><th>variant</th><th>val. acc.</th><th>layer</th><th>kernel</th><th>H</th><th>V</th><th>reference</th><th>verdict</th></tr>"
        );
        foreach (var v in r.Variants)
        foreach (var l in v.Layers)
            table.Append(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"<tr><td>{Html.Escape(v.Variant)}</td><td>{v.ValidationAccuracy:P1}</td><td>{Html.Escape(l.Layer)}</td><td>{Html.Escape(l.Kernel)}</td><td>{l.Horizontal:F3}</td><td>{l.Vertical:F3}</td><td>{l.ReferenceHorizontal:F3}</td><td>{Html.Escape(l.Verdict)}</td></tr>"
                )
            );
        page.AddRawHtml(table.Append("</table>").ToString());
        page.AddHeading("Claims");
        foreach (var cl in r.Claims)
            page.AddText($"{cl.Text} — {cl.Result}. {cl.Evidence}");
        foreach (var v in r.Variants)
        {
            page.AddHeading($"{v.Variant}: {v.Description}");
            foreach (var (_, _, picture) in pictures.Where(p => p.Variant == v.Variant))
                page.Add(picture);
        }
        return page;
    }

    sealed record LayerScore(
        string Layer,
        string Kernel,
        double Horizontal,
        double Vertical,
        double ReferenceHorizontal,
        double ReferenceVertical,
        double MeanNeuronHorizontal,
        double MeanNeuronVertical,
        string Verdict,
        double NmfRelativeError,
        string Grid
    );

    sealed record VariantResult(
        string Variant,
        string Description,
        string Head,
        bool Rotate90,
        string WeightsHash,
        double FinalLoss,
        double TrainAccuracy,
        double ValidationAccuracy,
        double? TrainSeconds,
        List<LayerScore> Layers
    );

    sealed record Claim(string Text, string Result, string Evidence);

    sealed record LabReport(
        long Seed,
        int Steps,
        int BatchSize,
        double LearningRate,
        double WeightDecay,
        int Threads,
        int ValidationSize,
        int GeneratorVersion,
        int Components,
        string TorchSharpVersion,
        string Score,
        string Criterion,
        List<VariantResult> Variants,
        List<Claim> Claims
    );
}
