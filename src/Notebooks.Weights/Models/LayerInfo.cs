namespace Notebooks.Weights.Models;

/// <summary>A named layer: the output tensor of one module. <see cref="ModulePath"/> is its path in the module tree ("" for the input).</summary>
public sealed record LayerSpec(string Name, string ModulePath, string Kind);

/// <summary>One row of the layer table for a given input size: name, kind, output channels and spatial size (0 when not spatial).</summary>
public sealed record LayerInfo(string Name, string Kind, long Channels, long Height, long Width, long[] Shape)
{
    /// <summary>True for [N, C, H, W] outputs.</summary>
    public bool IsSpatial => Shape.Length == 4;
}
