using Notebooks.Weights.Models;
using Notebooks.Weights.Models.Default;
using Notebooks.Weights.Models.InceptionV1;

namespace Notebooks.Weights.Walkthrough;

/// <summary>
/// Every model-specific choice of the walkthrough notebooks (visualizing-weights, weight-banding,
/// feature-vis-objectives) and of <c>weights tour</c>: which layers, which widths, which units. The
/// notebooks are straight-line code over a preset: <c>var preset =
/// WalkthroughPreset.For(model);</c>.
/// <para>
/// Presets: <see cref="InceptionV1"/> (the companion notebook's own choices), <see cref="Bundled"/>
/// (the bundled default model), <see cref="ResNet18"/> (the NuGet ResNet18); any other model gets
/// <see cref="Derive"/>d from its graph.
/// </para>
/// </summary>
public sealed partial record WalkthroughPreset
{
    /// <summary>Name of the model the preset was made for
    /// (<see cref="VisionModel.Name"/>).</summary>
    public required string Model { get; init; }

    /// <summary>Where the choices come from, in words (shown by the notebooks).</summary>
    public required string Origin { get; init; }

    /// <summary>The first convolution (reads the input).</summary>
    public required string FirstConvLayer { get; init; }

    /// <summary>Its kernel, by a name <see cref="VisionModel.WeightByName"/> accepts
    /// (<c>conv2d0_w</c>, <c>conv1.weight</c>).</summary>
    public required string FirstConvWeight { get; init; }

    /// <summary>Width of the expanded weights input → <see cref="FirstConvLayer"/>: the kernel size
    /// rounded up to a multiple of the stride (8 for a 7×7 stride-2 conv).</summary>
    public required int FirstWidth { get; init; }

    /// <summary>The kernel of the conv that reads the first conv's channels, for the notebook's
    /// ordering of first-layer filters.</summary>
    public required string SecondConvWeight { get; init; }

    /// <summary>The hidden → hidden pair (InceptionV1: mixed3a → mixed3b).</summary>
    public required LayerPair Hidden { get; init; }

    /// <summary>The unit of <see cref="LayerPair.From"/> studied (InceptionV1: mixed3a
    /// 147).</summary>
    public required int UnitA { get; init; }

    /// <summary>The unit of <see cref="LayerPair.To"/> studied (InceptionV1: mixed3b
    /// 379).</summary>
    public required int UnitB { get; init; }

    /// <summary>Where <see cref="UnitB"/>'s layer is used: from it (or its pooled output) to the
    /// next hidden layer (InceptionV1: maxpool4 → mixed4a).</summary>
    public required LayerPair Next { get; init; }

    /// <summary>The unit of <see cref="LayerPair.To"/> of <see cref="Hidden"/> whose weights are
    /// reduced with NMF (InceptionV1: 320).</summary>
    public required int NmfUnit { get; init; }

    /// <summary>Neighbouring units of the hidden pair's second layer, each shown above its NMF
    /// picture (InceptionV1: 320–339).</summary>
    public required IReadOnlyList<int> RowUnits { get; init; }

    /// <summary>The pair whose weights the families share factors over (InceptionV1: maxpool1 →
    /// mixed3a).</summary>
    public required LayerPair Factor { get; init; }

    /// <summary>The layer whose channels <see cref="Factor"/>'s input channels are (maxpool1 pools
    /// conv2d2): NMF factors are directions there.</summary>
    public required string FactorDirectionLayer { get; init; }

    /// <summary>Families of units of <see cref="Factor"/>'s second layer, each described by shared
    /// factors.</summary>
    public required IReadOnlyList<UnitFamily> Families { get; init; }

    /// <summary>Weight-banding notebook: the kernel expected to be banded (the last spatial conv),
    /// any name <see cref="VisionModel.WeightByName"/> accepts.</summary>
    public required string BandedWeight { get; init; }

    /// <summary>Weight-banding notebook: an early spatial kernel to compare with.</summary>
    public required string EarlyBandingWeight { get; init; }

    /// <summary>Feature-vis-objectives notebook: the layer whose units are optimized (InceptionV1:
    /// mixed4d).</summary>
    public required string ObjectivesLayer { get; init; }

    /// <summary>Feature-vis-objectives notebook: the earlier layer the L1 objective penalizes
    /// (InceptionV1: mixed4a).</summary>
    public required string ObjectivesEarlierLayer { get; init; }

    /// <summary>Feature-vis-objectives notebook: the unit (InceptionV1: 504).</summary>
    public required int ObjectivesUnit { get; init; }

    /// <summary>Feature-vis-objectives notebook: the second unit of the mixed direction
    /// (InceptionV1: 505).</summary>
    public required int ObjectivesSecondUnit { get; init; }

    /// <summary>Feature-visualization image size in pixels (Lucid: 128).</summary>
    public required int FeatureVisSize { get; init; }

    /// <summary>
    /// Optimization steps per feature visualization, the notebooks' default (Lucid: 512; 256 here
    /// for InceptionV1 and the bundled model; fewer where a first <c>weights tour</c> would
    /// otherwise take far longer than five minutes on 2 cores).
    /// </summary>
    public required int FeatureVisSteps { get; init; }

    /// <summary>Image size of the per-position and factor-direction visualizations (Lucid's
    /// <c>vis_vecs</c>: 60).</summary>
    public required int VisVecSize { get; init; }

    /// <summary>
    /// The preset for <paramref name="model"/>: <see cref="InceptionV1"/>, <see cref="Bundled"/> or
    /// <see cref="ResNet18"/> by model name, otherwise <see cref="Derive"/>d from its graph. The
    /// result is checked against the model (<see cref="Validate"/>).
    /// </summary>
    public static WalkthroughPreset For(VisionModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var preset = Known(model.Name) ?? Derive(model);
        preset.Validate(model);
        return preset;
    }

    /// <summary>The literal preset for a model name (case-insensitive), or null.</summary>
    public static WalkthroughPreset? Known(string modelName) =>
        modelName.ToLowerInvariant() switch
        {
            "inceptionv1" => InceptionV1,
            DefaultModel.Name => Bundled,
            Models.ResNet18.ResNet18Model.Name => ResNet18,
            _ => null,
        };

    /// <summary>
    /// Checks that every layer, weight and unit of this preset exists in <paramref name="model"/>,
    /// that the widths fit the layers' maps and that pairs run forward; throws naming the first
    /// field that does not.
    /// </summary>
    public void Validate(VisionModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var table = model.Layers().ToDictionary(l => l.Name);
        LayerInfo Info(string field, string layer)
        {
            if (!model.HasLayer(layer))
                throw new ArgumentException(
                    $"Walkthrough preset for {Model}: {field} '{layer}' is not a layer of {model.Name}."
                );
            var name = table.ContainsKey(layer) ? layer : model.LayerAliases[layer];
            return table.TryGetValue(name, out var info)
                ? info
                : throw new ArgumentException(
                    $"Walkthrough preset for {Model}: {field} '{layer}' is never computed by {model.Name}'s forward pass."
                );
        }
        void Unit(string field, string layer, int unit)
        {
            var c = Info(field, layer).Channels;
            if (unit < 0 || unit >= c)
                throw new ArgumentException(
                    $"Walkthrough preset for {Model}: {field} {unit} is out of range for '{layer}' ({c} channels)."
                );
        }
        void Pair(string field, LayerPair p)
        {
            var from = Info(field + ".From", p.From);
            var to = Info(field + ".To", p.To);
            if (!from.IsSpatial || !to.IsSpatial)
                throw new ArgumentException(
                    $"Walkthrough preset for {Model}: {field} {p} needs two spatial layers."
                );
            if (p.Width < 1 || p.Width > Math.Min(from.Height, from.Width))
                throw new ArgumentException(
                    $"Walkthrough preset for {Model}: {field} width {p.Width} does not fit '{p.From}' ({from.Height}×{from.Width})."
                );
        }
        void Weight(string field, string name)
        {
            try
            {
                using var _ = model.WeightByName(name).Weight;
            }
            catch (Exception e) when (e is ArgumentException or KeyNotFoundException)
            {
                throw new ArgumentException(
                    $"Walkthrough preset for {Model}: {field} '{name}': {e.Message}",
                    e
                );
            }
        }
        Info(nameof(FirstConvLayer), FirstConvLayer);
        Weight(nameof(FirstConvWeight), FirstConvWeight);
        Weight(nameof(SecondConvWeight), SecondConvWeight);
        Pair(nameof(Hidden), Hidden);
        Unit(nameof(UnitA), Hidden.From, UnitA);
        Unit(nameof(UnitB), Hidden.To, UnitB);
        Unit(nameof(NmfUnit), Hidden.To, NmfUnit);
        foreach (var u in RowUnits)
            Unit(nameof(RowUnits), Hidden.To, u);
        Pair(nameof(Next), Next);
        Pair(nameof(Factor), Factor);
        if (
            Info(nameof(FactorDirectionLayer), FactorDirectionLayer).Channels
            != Info("Factor.From", Factor.From).Channels
        )
            throw new ArgumentException(
                $"Walkthrough preset for {Model}: {nameof(FactorDirectionLayer)} '{FactorDirectionLayer}' must have the channels of '{Factor.From}'."
            );
        foreach (var f in Families)
        {
            if (f.Units.Count == 0)
                throw new ArgumentException(
                    $"Walkthrough preset for {Model}: family '{f.Name}' has no units."
                );
            foreach (var u in f.Units)
                Unit($"family '{f.Name}'", Factor.To, u);
        }
        Weight(nameof(BandedWeight), BandedWeight);
        Weight(nameof(EarlyBandingWeight), EarlyBandingWeight);
        Unit(nameof(ObjectivesUnit), ObjectivesLayer, ObjectivesUnit);
        Unit(nameof(ObjectivesSecondUnit), ObjectivesLayer, ObjectivesSecondUnit);
        Info(nameof(ObjectivesEarlierLayer), ObjectivesEarlierLayer);
        if (FirstWidth < 1 || FeatureVisSize < 8 || VisVecSize < 8 || FeatureVisSteps < 1)
            throw new ArgumentException(
                $"Walkthrough preset for {Model}: widths, sizes and steps must be positive (first width {FirstWidth}, feature vis {FeatureVisSize} px and {FeatureVisSteps} steps, vis vecs {VisVecSize} px; images need at least 8 px)."
            );
    }

    /// <summary>One line per choice, for a notebook cell or <c>weights tour</c>.</summary>
    public override string ToString() =>
        string.Join(
            "\n",
            $"{Model}: {Origin}",
            $"first layer: {FirstConvLayer} ({FirstConvWeight}, W = {FirstWidth}), then {SecondConvWeight}",
            $"hidden → hidden: {Hidden}, studying {Hidden.From}:{UnitA} → {Hidden.To}:{UnitB}",
            $"outgoing: {Next}",
            $"NMF: {Hidden.To}:{NmfUnit}; row: {Hidden.To} {RowUnits[0]}…{RowUnits[^1]} ({RowUnits.Count} units)",
            $"shared factors: {Factor}, factors as directions in {FactorDirectionLayer}",
            string.Join("\n", Families.Select(f => $"  {f}")),
            $"banding: {EarlyBandingWeight} vs {BandedWeight}",
            $"objectives: {ObjectivesLayer}:{ObjectivesUnit} (+{ObjectivesSecondUnit}), penalizing {ObjectivesEarlierLayer}",
            $"feature visualization: {FeatureVisSize} px, {FeatureVisSteps} steps; positions and factors: {VisVecSize} px"
        );
}
