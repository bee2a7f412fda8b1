using System.Globalization;
using System.Text;
using System.Text.Json;
using Notebooks.Weights.Models;
using Notebooks.Weights.Models.Default;
using Notebooks.Weights.Training;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// <c>weights lab banding</c>: trains the weight-banding variants of the default model (baseline GAP, flatten, x-only
/// pooling, rotated data; same seed and data), saves their weights, and scores banding of every conv layer.
/// </summary>
[Flags("retrain")]
public sealed class LabBandingVerb : IVerb
{
    public string Name => "lab banding";
    public string Summary => "train the weight-banding variants (gap, flatten, xpool, rotated) and score banding per layer";
    public string Usage => "  weights lab banding --out DIR [--seed 1] [--steps 600] [--batch 32] [--variants baseline,flatten,xpool,rotated]\n" +
                           "                      [--validation 1000] [--retrain]\n" +
                           "  writes DIR/VARIANT.weights + .json, DIR/banding.json and DIR/banding.md; reuses matching weights unless --retrain";

    /// <summary>A layer counts as banded horizontally when H ≥ Factor·reference and H ≥ Factor·V (vertical: transposed).</summary>
    public const double Factor = 1.5;

    public int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var defaults = new TrainOptions();
        var dir = args.Require("out");
        long seed = args.GetInt("seed", (int)defaults.Seed);
        int steps = args.GetInt("steps", defaults.Steps);
        int batch = args.GetInt("batch", defaults.BatchSize);
        int validation = args.GetInt("validation", defaults.ValidationSize);
        var variantNames = args.Get("variants");
        bool retrain = args.Flag("retrain");
        args.EnsureAllUsed();
        if (args.Positional.Count > 0) throw new CliUsageException($"unexpected argument '{args.Positional[0]}'");
        if (steps < 1) throw new CliUsageException($"option --steps: expected a positive integer, got {steps}");
        if (batch < 1) throw new CliUsageException($"option --batch: expected a positive integer, got {batch}");
        if (validation < 1) throw new CliUsageException($"option --validation: expected a positive integer, got {validation}");
        var variants = variantNames is null ? BandingVariant.All
            : variantNames.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(BandingVariant.Get).Distinct().ToList();
        if (variants.Count == 0) throw new CliUsageException("option --variants: expected a list like baseline,rotated");
        var full = Path.GetFullPath(dir);
        if (File.Exists(full)) throw new IOException($"--out '{dir}' is a file; give a folder.");
        var parent = Path.GetDirectoryName(full.TrimEnd(Path.DirectorySeparatorChar));
        if (parent is not null && !Directory.Exists(parent)) throw new DirectoryNotFoundException($"Cannot create --out '{dir}': folder '{parent}' does not exist.");
        Directory.CreateDirectory(full);

        var baseOptions = defaults with { Seed = seed, Steps = steps, BatchSize = batch, ValidationSize = validation };
        var results = new List<VariantResult>();
        foreach (var v in variants)
        {
            var options = v.Apply(baseOptions);
            var weights = Path.Combine(full, v.Name + ".weights");
            var (model, record, reused) = TrainOrReuse(v, options, weights, retrain, stdout);
            using (model)
            {
                var layers = Enumerable.Range(0, 4).Select(i =>
                {
                    var w = model.Parameters[$"conv2d{i}_w"];
                    var (h, vert, reference) = ProvisionalBandingScore.Of(w);
                    w.Dispose();
                    return new LayerScore($"conv2d{i}", $"{model.Parameters.Shape($"conv2d{i}_w")[2]}x{model.Parameters.Shape($"conv2d{i}_w")[3]}",
                                          h, vert, reference, Verdict(h, vert, reference));
                }).ToList();
                results.Add(new VariantResult(v.Name, v.Description, v.Head.ToString(), v.Rotate90, record.WeightsHash,
                                              record.TrainAccuracy, record.ValidationAccuracy, reused, layers));
            }
        }
        var report = new LabReport(seed, steps, batch, validation, SyntheticScenes.Version,
            "PROVISIONAL score (Notebooks.Weights.Training.ProvisionalBandingScore): share of spatial weight variance that varies with y only (H) / x only (V); random-weights reference (kH-1)/(kH*kW-1).",
            $"banded-horizontal when H >= {Factor}*reference and H >= {Factor}*V; banded-vertical transposed; else none", results, Claims(results));
        File.WriteAllText(Path.Combine(full, "banding.json"), JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        var md = Markdown(report);
        File.WriteAllText(Path.Combine(full, "banding.md"), md);
        stdout.Write(md);
        stdout.WriteLine($"wrote {Path.Combine(full, "banding.md")} and banding.json");
        return 0;
    }

    static (VisionModel, TrainingRecord, bool) TrainOrReuse(BandingVariant v, TrainOptions options, string weights, bool retrain, TextWriter stdout)
    {
        var json = Path.ChangeExtension(weights, ".json");
        if (!retrain && File.Exists(weights) && File.Exists(json))
        {
            var old = JsonSerializer.Deserialize<TrainingRecord>(File.ReadAllText(json));
            if (old is not null && old.Seed == options.Seed && old.Steps == options.Steps && old.BatchSize == options.BatchSize
                && old.Head == options.Config.Head.ToString() && old.Rotate90 == options.Rotate90 && old.GeneratorVersion == SyntheticScenes.Version
                && old.LearningRate == options.LearningRate && old.WeightDecay == options.WeightDecay && old.Threads == options.Threads)
            {
                var m = DefaultModel.LoadFile(weights, options.Config);
                if (m.WeightsHash != old.WeightsHash)
                    throw new InvalidDataException($"{weights}: weights hash {m.WeightsHash} differs from its record {json} ({old.WeightsHash}); delete them or pass --retrain.");
                stdout.WriteLine($"{v.Name}: reusing {weights} (hash {old.WeightsHash})");
                return (m, old, true);
            }
        }
        stdout.WriteLine($"{v.Name}: training ({v.Description}), seed {options.Seed}, {options.Steps} steps");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var (model, record) = DefaultModelTrainer.Train(options, (s, l) => { if (s % 100 == 0) stdout.WriteLine($"  step {s,5}  loss {l:F4}  ({sw.Elapsed.TotalSeconds:F0} s)"); },
            $"weights lab banding --variants {v.Name} --seed {options.Seed} --steps {options.Steps} --batch {options.BatchSize}");
        DefaultModel.Save(model, weights);
        File.WriteAllText(json, JsonSerializer.Serialize(record, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        stdout.WriteLine($"  validation accuracy {record.ValidationAccuracy:P1}, hash {record.WeightsHash}, {sw.Elapsed.TotalSeconds:F0} s");
        return (model, record, false);
    }

    static string Verdict(double h, double v, double reference) =>
        h >= Factor * reference && h >= Factor * v ? "horizontal"
        : v >= Factor * reference && v >= Factor * h ? "vertical" : "none";

    static List<Claim> Claims(List<VariantResult> results)
    {
        string? V(string variant, string layer) => results.FirstOrDefault(r => r.Variant == variant)?.Layers.First(l => l.Layer == layer).Verdict;
        Claim Make(string text, Func<bool?> test, string evidence)
        {
            bool? ok = test();
            return new Claim(text, ok is null ? "not run" : ok.Value ? "reproduces" : "does not reproduce", evidence);
        }
        return
        [
            Make("1. A model with global average pooling shows horizontal banding in its last conv layer.",
                 () => V("baseline", "conv2d3") is { } b ? b == "horizontal" : null, $"baseline conv2d3: {V("baseline", "conv2d3") ?? "-"}"),
            Make("2. Training on images rotated 90° turns the banding vertical.",
                 () => V("rotated", "conv2d3") is { } r ? r == "vertical" : null, $"rotated conv2d3: {V("rotated", "conv2d3") ?? "-"}"),
            Make("3. Without pooling (flatten + fully connected) there is no banding in the last conv layer.",
                 () => V("flatten", "conv2d3") is { } f ? f == "none" : null, $"flatten conv2d3: {V("flatten", "conv2d3") ?? "-"}"),
            Make("4. Pooling along x only removes banding from the last conv layer but it reappears one layer earlier.",
                 () => V("xpool", "conv2d3") is { } x3 && V("xpool", "conv2d2") is { } x2 ? x3 == "none" && x2 == "horizontal" : null,
                 $"xpool conv2d3: {V("xpool", "conv2d3") ?? "-"}, conv2d2: {V("xpool", "conv2d2") ?? "-"}"),
        ];
    }

    static string Markdown(LabReport r)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine($"# Weight banding in the default model's variants");
        sb.AppendLine();
        sb.AppendLine($"Seed {r.Seed}, {r.Steps} steps x {r.BatchSize} generated images (SyntheticScenes v{r.GeneratorVersion}), validation on {r.ValidationSize} fresh images.");
        sb.AppendLine($"Score: {r.Score}");
        sb.AppendLine($"Verdict: {r.Criterion}.");
        sb.AppendLine();
        sb.AppendLine("| variant | val. acc. | layer | kernel | H | V | random ref. | verdict |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var v in r.Variants)
            foreach (var l in v.Layers)
                sb.AppendLine(string.Create(c, $"| {v.Variant} | {v.ValidationAccuracy:P1} | {l.Layer} | {l.Kernel} | {l.Horizontal:F3} | {l.Vertical:F3} | {l.Reference:F3} | {l.Verdict} |"));
        sb.AppendLine();
        sb.AppendLine("| claim (Petrov et al. 2021) | at this scale | evidence |");
        sb.AppendLine("|---|---|---|");
        foreach (var cl in r.Claims) sb.AppendLine($"| {cl.Text} | {cl.Result} | {cl.Evidence} |");
        sb.AppendLine();
        sb.AppendLine("Weights hashes: " + string.Join(", ", r.Variants.Select(v => $"{v.Variant} {v.WeightsHash}")) + ".");
        return sb.ToString();
    }

    sealed record LayerScore(string Layer, string Kernel, double Horizontal, double Vertical, double Reference, string Verdict);
    sealed record VariantResult(string Variant, string Description, string Head, bool Rotate90, string WeightsHash,
                                double TrainAccuracy, double ValidationAccuracy, bool Reused, List<LayerScore> Layers);
    sealed record Claim(string Text, string Result, string Evidence);
    sealed record LabReport(long Seed, int Steps, int BatchSize, int ValidationSize, int GeneratorVersion, string Score, string Criterion,
                            List<VariantResult> Variants, List<Claim> Claims);
}
