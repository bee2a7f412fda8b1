using Notebooks.Weights.Models;
using static TorchSharp.torch;

namespace Notebooks.Weights.Connections;

/// <summary>
/// First-layer filters as RGB images (gray = 0, dark = negative, light = positive), as the
/// companion notebook shows them, and the notebook's ordering of conv2d0 filters. Images are [n,
/// kh, kw, C] (HWC) floats, not clipped: like Lucid's <c>show</c>, clip to [0, 1] when encoding.
/// </summary>
public static class FirstLayerFilters
{
    /// <summary>
    /// The first layer's filters: the OIHW kernel of <see cref="VisionModel.FirstConvLayer"/>, the
    /// first convolution the forward pass computes (found from the graph's execution order, not
    /// from parameter order), with its input channels in RGB order so that pictures show the colors
    /// a filter responds to: a model that reads BGR (<see cref="InputSpec.Bgr"/>, e.g. ResNet18
    /// from NuGet) has its kernel's input channels flipped.
    /// </summary>
    public static Tensor Weight(VisionModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var w = model.LayerWeight(model.FirstConvLayer);
        if (!model.Input.Bgr)
            return w;
        if (w.shape[1] != 3)
            throw new ArgumentException(
                $"{model.Name} reads BGR images but its first conv '{model.FirstConvLayer}' has {w.shape[1]} input channels, not 3."
            );
        return w.flip(1);
    }

    /// <summary>
    /// The notebook's <c>show_ws(ns, weights)</c>: with <c>W</c> the [O, kh, kw, C] filters and
    /// <c>W_ = W[ns]</c> (optionally scaled per filter by <paramref name="weights"/>), <c>0.5 +
    /// 0.05·W_/max|W[ns]| (per filter) + 0.45·W_/max|W| (all filters)</c>.
    /// <paramref name="conv0"/> is the OIHW weight tensor (e.g.
    /// <c>model.Parameters["conv2d0_w"]</c>).
    /// </summary>
    public static Tensor ShowWs(
        Tensor conv0,
        IReadOnlyList<int> ns,
        IReadOnlyList<float>? weights = null
    )
    {
        CheckConv(conv0, nameof(conv0));
        if (ns.Count == 0)
            throw new ArgumentException("ns is empty; name at least one filter.", nameof(ns));
        long o = conv0.shape[0];
        foreach (var n in ns)
            if (n < 0 || n >= o)
                throw new ArgumentOutOfRangeException(
                    nameof(ns),
                    $"filter {n} is out of range for {o} filters (valid 0..{o - 1})."
                );
        if (weights is not null && weights.Count != ns.Count)
            throw new ArgumentException(
                $"weights has {weights.Count} entries; ns has {ns.Count}.",
                nameof(weights)
            );
        using var scope = NewDisposeScope();
        var w = conv0.detach().permute(0, 2, 3, 1); // HWIO.transpose(3,0,1,2) = [O, kh, kw, C]
        var sel = w.index_select(0, tensor(ns.Select(n => (long)n).ToArray()));
        var w_ = weights is null ? sel : sel * tensor(weights.ToArray()).view(-1, 1, 1, 1);
        var perFilter = sel.abs().amax([1, 2, 3], keepdim: true);
        var all = w.abs().max();
        return (0.5f + 0.05f * w_ / perFilter + 0.45f * w_ / all)
            .contiguous()
            .MoveToOuterDisposeScope();
    }

    /// <summary>The notebook's single-filter view <c>0.5 + 0.5·W[..., unit] / W.max()</c> (W in
    /// HWIO, its plain maximum): [kh, kw, C].</summary>
    public static Tensor Single(Tensor conv0, int unit)
    {
        CheckConv(conv0, nameof(conv0));
        if (unit < 0 || unit >= conv0.shape[0])
            throw new ArgumentOutOfRangeException(
                nameof(unit),
                $"filter {unit} is out of range for {conv0.shape[0]} filters (valid 0..{conv0.shape[0] - 1})."
            );
        using var scope = NewDisposeScope();
        var hwc = conv0.detach()[unit].permute(1, 2, 0);
        return (0.5f + 0.5f * hwc / conv0.max()).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The notebook's <c>np.argsort(ChannelReducer(1, "PCA").fit_transform(np.abs(conv2d1_w)[0,
    /// 0])[:, 0])</c>: conv2d0 channels sorted by their score on the first principal component of
    /// |conv2d1 weights| at spatial position (0, 0) (rows = conv2d0 channels, columns = conv2d1
    /// channels). <paramref name="conv1Weight"/> is a weight name or a conv layer name. PCA is
    /// centered, not whitened; the component's sign follows sklearn's <c>svd_flip</c> (u-based):
    /// the score with the largest magnitude is positive. Ties keep the lower index first.
    /// </summary>
    public static int[] Conv2d0Ordering(VisionModel model, string conv1Weight = "conv2d1_w")
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.Parameters.Contains(conv1Weight) && !model.HasLayer(conv1Weight))
            throw new ArgumentException(
                $"{model.Name} has no parameter or layer '{conv1Weight}'; pass the second conv layer (or its weight name).",
                nameof(conv1Weight)
            );
        using var scope = NewDisposeScope();
        var w = model.WeightByName(conv1Weight).Weight;
        CheckConv(w, conv1Weight);
        return FirstComponentOrder(w[.., .., 0, 0].abs().t()); // [in, out]
    }

    /// <summary>Argsort of the rows of <paramref name="x"/> ([samples, features]) by their
    /// first-principal-component score (sign as in <see cref="Conv2d0Ordering"/>).</summary>
    public static int[] FirstComponentOrder(Tensor x)
    {
        if (x.dim() != 2)
            throw new ArgumentException(
                $"Expected a [samples, features] matrix; got shape [{string.Join(", ", x.shape)}].",
                nameof(x)
            );
        using var scope = NewDisposeScope();
        var xc = x.to_type(float64) - x.to_type(float64).mean([0], keepdim: true);
        var (_, _, vh) = linalg.svd(xc, fullMatrices: false);
        var scores = (xc.matmul(vh[0])).data<double>().ToArray();
        int big = 0;
        for (int i = 1; i < scores.Length; i++)
            if (Math.Abs(scores[i]) > Math.Abs(scores[big]))
                big = i;
        double sign = scores[big] < 0 ? -1 : 1;
        return Enumerable
            .Range(0, scores.Length)
            .OrderBy(i => sign * scores[i])
            .ThenBy(i => i)
            .ToArray();
    }

    static void CheckConv(Tensor w, string name)
    {
        if (w.dim() != 4)
            throw new ArgumentException(
                $"'{name}' must be an OIHW conv weight; got shape [{string.Join(", ", w.shape)}].",
                name
            );
    }
}
