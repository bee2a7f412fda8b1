using System.Text.Json;
using Notebooks.Weights.Decomposition;
using Notebooks.Weights.Models;
using Notebooks.Weights.Models.Default;

namespace Notebooks.Weights.Training;

/// <summary>Banding of one spatial conv layer of a lab variant.</summary>
/// <param name="Layer">Layer name (<c>conv2d0</c> ...).</param>
/// <param name="Weight">Weight alias (<c>conv2d0_w</c> ...).</param>
/// <param name="Kernel">Kernel size, e.g. <c>3x3</c>.</param>
/// <param name="Score">The <see cref="BandingScore"/> of the layer's weights.</param>
/// <param name="Verdict"><c>horizontal</c>, <c>vertical</c> or <c>none</c>
/// (<see cref="BandingLab.Verdict"/>).</param>
public sealed record BandingLabLayer(
    string Layer,
    string Weight,
    string Kernel,
    LayerBanding Score,
    string Verdict
);

/// <summary>
/// The weight-banding lab (<c>weights lab banding</c>): the four <see cref="BandingVariant"/>s of
/// the default model trained with one seed on <see cref="SyntheticScenes"/>, scored with
/// <see cref="BandingScore"/> layer by layer. Helpers shared by the CLI verb and the weight-banding
/// notebook.
/// </summary>
public static class BandingLab
{
    /// <summary>
    /// A layer counts as banded horizontally when H ≥ Factor·reference and H ≥ Factor·V
    /// (vertically: transposed). Fixed before the lab was first run; not tuned to the results.
    /// </summary>
    public const double Factor = 1.5;

    /// <summary>The verdict rule as text (recorded in every report).</summary>
    public static string Criterion =>
        $"horizontal when H >= {Factor}*reference and H >= {Factor}*V; vertical when V >= {Factor}*reference and V >= {Factor}*H; else none";

    /// <summary><c>horizontal</c>, <c>vertical</c> or <c>none</c> for a layer score (see
    /// <see cref="Factor"/>).</summary>
    public static string Verdict(LayerBanding b) =>
        b.Horizontal >= Factor * b.BaselineHorizontal && b.Horizontal >= Factor * b.Vertical
            ? "horizontal"
        : b.Vertical >= Factor * b.BaselineVertical && b.Vertical >= Factor * b.Horizontal
            ? "vertical"
        : "none";

    /// <summary>Scores every spatial conv layer (kernel larger than 1x1) of a default-architecture
    /// model, in order.</summary>
    public static IReadOnlyList<BandingLabLayer> ScoreLayers(VisionModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var p = model.Parameters;
        var result = new List<BandingLabLayer>();
        for (int i = 0; ; i++)
        {
            var alias = $"conv2d{i}_w";
            if (!p.Contains(alias))
                break;
            var shape = p.Shape(alias);
            if (shape.Length != 4 || shape[2] * shape[3] < 2)
                continue;
            using var w = p[alias];
            var score = BandingScore.ForLayer(w);
            result.Add(
                new BandingLabLayer(
                    $"conv2d{i}",
                    alias,
                    $"{shape[2]}x{shape[3]}",
                    score,
                    Verdict(score)
                )
            );
        }
        if (result.Count == 0)
            throw new ArgumentException(
                $"model '{model.Name}' has no conv2dN_w weights with a spatial kernel; the banding lab needs a default-architecture model.",
                nameof(model)
            );
        return result;
    }

    /// <summary>
    /// Loads variant <paramref name="variant"/> (baseline, flatten, xpool, rotated) from a folder
    /// written by <c>weights lab banding --out DIR</c>: <c>DIR/VARIANT.weights</c> with its
    /// training record <c>DIR/VARIANT.json</c> (which gives the pooling head). The model is named
    /// after the variant. Missing files say how to make them.
    /// </summary>
    public static (VisionModel Model, TrainingRecord Record) LoadVariant(
        string labDir,
        string variant
    )
    {
        ArgumentException.ThrowIfNullOrEmpty(labDir);
        var v = BandingVariant.Get(variant);
        var full = Path.GetFullPath(labDir);
        if (!Directory.Exists(full))
            throw new DirectoryNotFoundException(
                $"Banding lab folder '{full}' does not exist; make it with `weights lab banding --out {labDir}` (about 10 minutes on 2 cores)."
            );
        var weights = Path.Combine(full, v.Name + ".weights");
        var json = Path.ChangeExtension(weights, ".json");
        foreach (var f in new[] { weights, json })
            if (!File.Exists(f))
                throw new FileNotFoundException(
                    $"Banding lab folder '{full}' has no {Path.GetFileName(f)}; run `weights lab banding --out {labDir} --variants {v.Name}`.",
                    f
                );
        TrainingRecord record;
        try
        {
            record = JsonSerializer.Deserialize<TrainingRecord>(File.ReadAllText(json))
                ?? throw new JsonException("empty document");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"Training record {json} is not valid JSON of a TrainingRecord: {e.Message}",
                e
            );
        }
        var expectedHead = v.Head.ToString();
        if (record.Head != expectedHead || record.Rotate90 != v.Rotate90)
            throw new InvalidDataException(
                $"{json}: records head {record.Head}, rotate90 {record.Rotate90}; variant '{v.Name}' needs head {expectedHead}, rotate90 {v.Rotate90}."
            );
        var loaded = DefaultModel.LoadFile(
            weights,
            DefaultNetConfig.Standard with
            {
                Head = v.Head,
            }
        );
        if (loaded.WeightsHash != record.WeightsHash)
        {
            var got = loaded.WeightsHash;
            loaded.Dispose();
            throw new InvalidDataException(
                $"{weights}: weights hash {got} differs from its record {json} ({record.WeightsHash}); re-run `weights lab banding --out {labDir} --retrain`."
            );
        }
        // Same network, named after the variant (the wrapper holds no native state of its own).
        return (DefaultModel.Wrap((DefaultNet)loaded.Module, v.Name), record);
    }
}
