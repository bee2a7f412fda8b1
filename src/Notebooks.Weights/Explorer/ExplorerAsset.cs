namespace Notebooks.Weights.Explorer;

/// <summary>What a picture of the explorer shows (see <see cref="ExplorerAsset"/>).</summary>
public enum ExplorerAssetKind
{
    /// <summary>A unit's feature visualization: <c>img/fv/LAYER_UNIT.png</c>.</summary>
    FeatureVis,

    /// <summary>A unit's weights as its layer's NMF picture (consistent colors):
    /// <c>img/nmf/LAYER_UNIT.png</c>.</summary>
    UnitNmf,

    /// <summary>One NMF factor of a unit's weights, in its color:
    /// <c>img/factor/LAYER_UNIT_K.png</c>.</summary>
    UnitFactor,

    /// <summary>The expanded weights from input unit <c>Other</c> to the unit (row color scale):
    /// <c>img/in/LAYER_UNIT_OTHER.png</c>.</summary>
    InputWeight,

    /// <summary>The expanded weights from the unit to next-layer unit <c>Other</c>:
    /// <c>img/out/LAYER_UNIT_OTHER.png</c>.</summary>
    OutputWeight,

    /// <summary>Heatmaps of the unit's expanded weights from every input, one grid:
    /// <c>img/inputs/LAYER_UNIT.png</c>.</summary>
    AllInputs,

    /// <summary>A layer's NMF grid: <c>img/layer/LAYER_nmf.png</c>.</summary>
    LayerNmf,

    /// <summary>A layer's weight histogram: <c>img/layer/LAYER_hist.png</c>.</summary>
    LayerHistogram,

    /// <summary>The weight color legend: <c>img/legend.png</c>.</summary>
    Legend,

    /// <summary>
    /// The interaction card (<see cref="Rendering.InteractionCard.ForPair"/>) of input unit
    /// <c>Other</c> → the unit: expanded weight, best-case image and its gradient map:
    /// <c>img/interaction/LAYER_UNIT_OTHER.png</c>.
    /// </summary>
    Interaction,

    /// <summary>
    /// The unit's spatial-position views (Lucid's <c>vis_vecs</c>): one feature visualization per
    /// position of its expanded weights from the previous layer, faded by the position's weight
    /// norm: <c>img/spatial/LAYER_UNIT.png</c>.
    /// </summary>
    Spatial,

    /// <summary>The color of model input channel <c>Unit</c>:
    /// <c>img/fv/input_UNIT.png</c>.</summary>
    InputSwatch,
}

/// <summary>
/// One picture file of the explorer, named by a site-relative path (<see cref="Path"/>). Pages link
/// pictures by these paths; the static writer and the server both turn a path back into an asset
/// (<see cref="ExplorerPaths.ParseAsset"/>) and render it.
/// </summary>
public sealed record ExplorerAsset(
    ExplorerAssetKind Kind,
    string Layer = "",
    int Unit = -1,
    int Other = -1
)
{
    /// <summary>The site-relative path, e.g. <c>img/fv/conv2d1_5.png</c>.</summary>
    public string Path => ExplorerPaths.AssetPath(this);
}
