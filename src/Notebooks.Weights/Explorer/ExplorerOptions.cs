namespace Notebooks.Weights.Explorer;

/// <summary>
/// Settings of a weight explorer site (<c>weights explore</c>). Defaults: every conv layer, every
/// unit, 8 top connections, expanded weights over a 5×5 crop (the notebook's), feature
/// visualizations at the model's input size (at most 128 px).
/// </summary>
public sealed record ExplorerOptions
{
    /// <summary>Layers to explore (null: every conv layer of the model, see
    /// <see cref="ExplorerPlan"/>).</summary>
    public IReadOnlyList<string>? Layers { get; init; }

    /// <summary>Optimization steps per feature visualization.</summary>
    public int FeatureVisSteps { get; init; } = 48;

    /// <summary>Feature visualization size in pixels (null: the model's input size, at most
    /// 128).</summary>
    public int? FeatureVisSize { get; init; }

    /// <summary>Seed of the feature visualizations.</summary>
    public int Seed { get; init; }

    /// <summary>Only the first N units of each layer get pages (null: all). Connections may still
    /// point at other units.</summary>
    public int? UnitsPerLayer { get; init; }

    /// <summary>How many strongest inputs and outputs a unit page shows.</summary>
    public int TopK { get; init; } = 8;

    /// <summary>Crop width of the expanded weights (the notebook's W).</summary>
    public int ExpandedWidth { get; init; } = 5;

    /// <summary>Feature visualizations rendered together in one optimization.</summary>
    public int FeatureVisBatch { get; init; } = 32;

    /// <summary>
    /// Whether a static site's unit pages get the interaction panel (the interaction card of the
    /// strongest input → the unit, with a best case optimized for <see cref="InteractionSteps"/>
    /// steps per unit page). Served sites always show it (rendered when the page asks for it).
    /// </summary>
    public bool Interactions { get; init; }

    /// <summary>Optimization steps of the interaction panel's best case (at the model's input
    /// size).</summary>
    public int InteractionSteps { get; init; } = 64;

    /// <summary>
    /// Whether a static site's unit pages get the spatial-position views (one feature visualization
    /// per position of the unit's W×W expanded weights, <see cref="SpatialSize"/> px,
    /// <see cref="FeatureVisSteps"/> steps: W² renders per unit page). Served sites always show
    /// them (rendered when the page asks for them).
    /// </summary>
    public bool Spatial { get; init; }

    /// <summary>Size in pixels of each spatial-position view (Lucid's <c>vis_vecs</c>: 60; at most
    /// the feature-vis size).</summary>
    public int SpatialSize { get; init; } = 60;

    /// <summary>
    /// Take every unit's feature visualization from the images Lucid hosted for its InceptionV1
    /// weight explorer (downloaded once into <c>&lt;cache&gt;/lucid-hosted/</c>) instead of
    /// rendering them; InceptionV1 only.
    /// </summary>
    public bool LucidHosted { get; init; }

    /// <summary>Base URL of Lucid's hosted images (null:
    /// <see cref="FeatureVis.FeatureVisCache.LucidHostedBaseUrl"/>; tests point it at a local
    /// server).</summary>
    public string? LucidBaseUrl { get; init; }

    /// <summary>Folder of the feature-visualization disk cache (null: the user cache).</summary>
    public string? FeatureVisCacheRoot { get; init; }

    /// <summary>Throws for settings that cannot work, naming the setting.</summary>
    public void Validate()
    {
        if (FeatureVisSteps < 1)
            throw new ArgumentOutOfRangeException(
                nameof(FeatureVisSteps),
                FeatureVisSteps,
                "feature-vis steps must be at least 1"
            );
        if (FeatureVisSize is < 8)
            throw new ArgumentOutOfRangeException(
                nameof(FeatureVisSize),
                FeatureVisSize,
                "feature-vis size must be at least 8 px"
            );
        if (UnitsPerLayer is < 1)
            throw new ArgumentOutOfRangeException(
                nameof(UnitsPerLayer),
                UnitsPerLayer,
                "units per layer must be at least 1"
            );
        if (TopK < 1)
            throw new ArgumentOutOfRangeException(
                nameof(TopK),
                TopK,
                "top connections must be at least 1"
            );
        if (ExpandedWidth < 1)
            throw new ArgumentOutOfRangeException(
                nameof(ExpandedWidth),
                ExpandedWidth,
                "expanded-weights width must be at least 1"
            );
        if (InteractionSteps < 1)
            throw new ArgumentOutOfRangeException(
                nameof(InteractionSteps),
                InteractionSteps,
                "interaction best-case steps must be at least 1"
            );
        if (SpatialSize < 8)
            throw new ArgumentOutOfRangeException(
                nameof(SpatialSize),
                SpatialSize,
                "spatial view size must be at least 8 px"
            );
        if (FeatureVisBatch < 1)
            throw new ArgumentOutOfRangeException(
                nameof(FeatureVisBatch),
                FeatureVisBatch,
                "feature-vis batch must be at least 1"
            );
        if (Layers is { Count: 0 })
            throw new ArgumentException(
                "the layer list is empty; name at least one layer or leave it out for every conv layer",
                nameof(Layers)
            );
    }
}
