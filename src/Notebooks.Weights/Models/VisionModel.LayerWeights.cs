using static TorchSharp.torch;

namespace Notebooks.Weights.Models;

/// <summary>Layers know their weights: a conv or dense layer name resolves to its kernel in every
/// model kind.</summary>
public partial class VisionModel
{
    /// <summary>
    /// The parameter name of layer <paramref name="layer"/>'s kernel: the weight its graph names
    /// (ONNX: the initializer a Conv/Gemm/MatMul node reads), else the one conv ([O, I, kH, kW]) or
    /// dense ([O, I]) weight inside the layer's module (InceptionV1's <c>conv2d0</c> →
    /// <c>conv2d0_w</c>). Aliases are preferred to parameter paths. Null when the layer has no
    /// kernel (ReLU, pooling, add, input); a module holding several kernels (an Inception block)
    /// throws, listing them.
    /// </summary>
    public string? LayerWeightName(string layer)
    {
        var spec = Layer(layer);
        if (spec.Weight is { } w)
            return w;
        if (spec.ModulePath.Length == 0)
            return null;
        var p = Parameters;
        var aliasOf = p.Aliases.GroupBy(a => p.PathOf(a)).ToDictionary(g => g.Key, g => g.First());
        var kernels = p
            .Names.Where(n => !p.Aliases.Contains(n))
            .Where(n =>
                n.StartsWith(spec.ModulePath + ".", StringComparison.Ordinal)
                && n.EndsWith("weight", StringComparison.Ordinal)
            )
            .Where(n => p.Shape(n).Length is 2 or 4)
            .Select(n => aliasOf.GetValueOrDefault(n, n))
            .ToList();
        return kernels.Count switch
        {
            0 => null,
            1 => kernels[0],
            _ => throw new ArgumentException(
                $"Layer '{layer}' of {Name} holds {kernels.Count} kernels: "
                    + string.Join(
                        ", ",
                        kernels.Select(k => $"{k} [{string.Join(", ", p.Shape(k))}]")
                    )
                    + "; name one of them (or one of its conv layers)."
            ),
        };
    }

    /// <summary>
    /// The kernel of layer <paramref name="layer"/> as a detached copy: conv weights OIHW [out, in,
    /// kH, kW], dense weights [out, in] (see <see cref="LayerWeightName"/>). Layers without a
    /// kernel throw, naming the layers that have one.
    /// </summary>
    public Tensor LayerWeight(string layer)
    {
        var spec = Layer(layer);
        var name = LayerWeightName(layer)
            ?? throw new ArgumentException(
                $"Layer '{layer}' ({spec.Kind}) of {Name} has no weight (it is not a convolution or dense layer). "
                    + $"Layers with weights: {string.Join(", ", WeightLayers.Take(12))}{(WeightLayers.Count > 12 ? ", ..." : "")}."
            );
        var w = Parameters[name];
        if (!spec.WeightTransposed)
            return w;
        using var scope = NewDisposeScope();
        return w.t().contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A weight by any of the names a user may give: a parameter path or alias (<c>conv2d0_w</c>,
    /// <c>Parameter10</c>), a Lucid layer name plus <c>_w</c>, or a layer (or layer alias) with a
    /// kernel (<c>layer4.1.conv2</c>, <c>Convolution387</c>). Returns the display name (the
    /// parameter alias or path) and the tensor (layer kernels in [out, in, ...] layout). Unknown
    /// names throw with the nearest layer and weight names.
    /// </summary>
    public (string Name, Tensor Weight) WeightByName(string name)
    {
        foreach (var candidate in new[] { name, name + "_w" })
            if (Parameters.Contains(candidate))
                return (candidate, Parameters[candidate]);
        if (HasLayer(name))
            return (LayerWeightName(name) ?? name, LayerWeight(name));
        throw new UnknownLayerException(
            "layer or weight",
            name,
            Name,
            WeightLayers.Concat(Parameters.Names.Where(n => Parameters.Shape(n).Length >= 2))
        );
    }

    /// <summary>Layers that have a kernel, in execution order (one name per kernel: the first layer
    /// computing it).</summary>
    public IReadOnlyList<string> WeightLayers
    {
        get
        {
            if (_weightLayers is not null)
                return _weightLayers;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var result = new List<string>();
            foreach (var l in Layers())
            {
                if (l.Name == InputLayer)
                    continue;
                string? w;
                try
                {
                    w = LayerWeightName(l.Name);
                }
                catch (ArgumentException)
                {
                    continue;
                } // containers of several kernels
                if (w is not null && seen.Add(Parameters.PathOf(w)))
                    result.Add(l.Name);
            }
            return _weightLayers = result;
        }
    }
    List<string>? _weightLayers;

    /// <summary>Layers with a conv kernel [O, I, kH, kW], in execution order (one name per
    /// kernel).</summary>
    public IReadOnlyList<string> ConvLayers =>
        WeightLayers.Where(l => Parameters.Shape(LayerWeightName(l)!).Length == 4).ToList();

    /// <summary>
    /// The first layer: the first convolution the forward pass computes. Every layer before it has
    /// no weight, so it reads the input (through weightless steps only); found from the graph's
    /// execution order, not from parameter order. Throws when the model has no convolution or its
    /// first one does not take the input's channels.
    /// </summary>
    public string FirstConvLayer
    {
        get
        {
            var convs = ConvLayers;
            var first =
                convs.Count > 0
                    ? convs[0]
                    : throw new InvalidOperationException(
                        $"{Name} has no convolution layer; layers: {string.Join(", ", LayerNames.Take(12))}."
                    );
            var shape = Parameters.Shape(LayerWeightName(first)!);
            if (shape[1] != Input.Channels)
                throw new InvalidOperationException(
                    $"The first convolution of {Name}, '{first}' [{string.Join(", ", shape)}], reads {shape[1]} channels, not the input's {Input.Channels}."
                );
            return first;
        }
    }
}
