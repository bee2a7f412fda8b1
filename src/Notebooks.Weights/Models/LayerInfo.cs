namespace Notebooks.Weights.Models;

/// <summary>
/// A named layer: the output tensor of one module. <see cref="ModulePath"/> is its path in the
/// module tree ("" for the input). <see cref="Weight"/> names the layer's kernel parameter when the
/// model kind knows it from its graph (ONNX: the initializer a Conv/Gemm/MatMul node reads); when
/// null, <see cref="VisionModel.LayerWeight"/> looks for the one conv or dense weight inside the
/// layer's module. <see cref="WeightTransposed"/>: the parameter is stored [in, out] (Gemm without
/// transB, MatMul) and is transposed to [out, in] when read as the layer's weight.
/// </summary>
public sealed record LayerSpec(string Name, string ModulePath, string Kind)
{
    /// <summary>Parameter name (path or alias) of this layer's kernel, when known from the graph;
    /// null: search the module.</summary>
    public string? Weight { get; init; }

    /// <summary>True when <see cref="Weight"/> is stored [in, out] and must be transposed to [out,
    /// in].</summary>
    public bool WeightTransposed { get; init; }
}

/// <summary>One row of the layer table for a given input size: name, kind, output channels and
/// spatial size (0 when not spatial).</summary>
public sealed record LayerInfo(
    string Name,
    string Kind,
    long Channels,
    long Height,
    long Width,
    long[] Shape
)
{
    /// <summary>True for [N, C, H, W] outputs.</summary>
    public bool IsSpatial => Shape.Length == 4;
}
