namespace Notebooks.Weights.Models.Default;

/// <summary>How the last conv layer's [N, C, H, W] output reaches the linear head (the
/// weight-banding variants).</summary>
public enum PoolingHead
{
    /// <summary>Global average pooling over H and W (the baseline): <c>avgpool</c> is [N, C, 1,
    /// 1].</summary>
    GlobalAverage,

    /// <summary>No pooling: flatten all C·H·W values into the linear head (no <c>avgpool</c>
    /// layer).</summary>
    Flatten,

    /// <summary>Average pooling along x only: <c>avgpool</c> is [N, C, H, 1], then
    /// flatten.</summary>
    AverageX,
}
