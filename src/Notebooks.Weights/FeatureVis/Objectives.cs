using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.FeatureVis;

/// <summary>How <see cref="Objective.ActivationPenalty"/> measures an earlier layer's
/// activations.</summary>
public enum PenaltyNorm
{
    /// <summary>Sum of absolute values (Lucid's <c>L1</c>).</summary>
    L1,

    /// <summary>Euclidean norm (Lucid's <c>L2</c>).</summary>
    L2,
}

public sealed partial class Objective
{
    const double CosEps = 1e-4;

    /// <summary>
    /// Lucid's <c>neuron(layer, n, x, y, batch)</c>: channel <paramref name="unit"/> at one
    /// position, by default the center (row H/2, column W/2: the bottom-right of the central 2x2
    /// for even sizes). <paramref name="x"/> is the column and <paramref name="y"/> the row
    /// (lucent's convention; Lucid's NHWC code indexes its "x" along H).
    /// </summary>
    public static Objective Neuron(
        string layer,
        int unit,
        int? x = null,
        int? y = null,
        int? batch = null
    ) => new($"Neuron({layer}, {unit})", [layer], t => PerImage(t, layer, batch, act =>
            {
                var (yy, xx) = Position(act, layer, "neuron", x, y);
                CheckUnit(act, layer, unit);
                return act[.., unit, yy, xx];
            }));

    /// <summary>Lucid's <c>channel(layer, n, batch)</c>: mean of channel <paramref name="unit"/>
    /// over positions.</summary>
    public static Objective Channel(string layer, int unit, int? batch = null) =>
        new($"Channel({layer}, {unit})", [layer], t => PerImage(t, layer, batch, act =>
            {
                CheckUnit(act, layer, unit);
                return SpatialMean(act.select(1, unit));
            }));

    /// <summary>
    /// Lucid's <c>direction(layer, vec, batch, cossim_pow)</c>: mean over positions of <c>x·v</c>,
    /// or with
    /// <paramref name="cossimPow"/> p &gt; 0 of <c>x·v · max(0.1, cos)^p</c>, <c>cos = x·v / (1e-4
    /// + |x|) / (1e-4 + |v|)</c>.
    /// </summary>
    public static Objective Direction(
        string layer,
        float[] vec,
        int? batch = null,
        double cossimPow = 0
    )
    {
        var v = CheckVector(vec, nameof(vec));
        return new($"Direction({layer}, [{v.Length}], cossim_pow={cossimPow})", [layer], t =>
            PerImage(t, layer, batch, act =>
                DotCossim(Channels(act, layer, v.Length), VecTensor(v, act), cossimPow).mean([1])
            )
        );
    }

    /// <summary>Lucid's <c>direction_neuron(layer, vec, batch, x, y, cossim_pow)</c>:
    /// <see cref="Direction"/> at one position (default center).</summary>
    public static Objective DirectionNeuron(
        string layer,
        float[] vec,
        int? batch = null,
        int? x = null,
        int? y = null,
        double cossimPow = 0
    )
    {
        var v = CheckVector(vec, nameof(vec));
        return new($"DirectionNeuron({layer}, [{v.Length}], cossim_pow={cossimPow})", [layer], t =>
            PerImage(t, layer, batch, act =>
            {
                var (yy, xx) = Position(act, layer, "direction_neuron", x, y);
                var at = act[.., .., yy, xx].unsqueeze(-1);
                return DotCossim(Channels(at, layer, v.Length), VecTensor(v, act), cossimPow)
                    .mean([1]);
            })
        );
    }

    /// <summary>
    /// Pure cosine similarity (Olah, "Research: Feature Visualization Objectives", lucid issue
    /// #116; Lucid's <c>direction_cossim</c>): mean over positions of <c>x·v / (1e-4 + |x|) / (1e-4
    /// + |v|)</c>. Lucid's version has no epsilon and also averages over channels (an extra 1/C).
    /// </summary>
    public static Objective CosineSimilarity(string layer, float[] vec, int? batch = null)
    {
        var v = CheckVector(vec, nameof(vec));
        return new($"CosineSimilarity({layer}, [{v.Length}])", [layer], t =>
            PerImage(t, layer, batch, act =>
            {
                var x = Channels(act, layer, v.Length);
                var vt = VecTensor(v, act);
                var dot = x.mul(vt.view(1, -1, 1)).sum(1);
                return dot.div(linalg.vector_norm(x, dims: [1]).add(CosEps))
                    .div(linalg.vector_norm(vt).add(CosEps))
                    .mean([1]);
            })
        );
    }

    /// <summary>
    /// Dot product with an orthogonal-L2 penalty (Olah, "Research: Feature Visualization
    /// Objectives", lucid issue #116): mean over positions of <c>x·v − λ·sqrt(1e-6 + |x − (x·v̂)
    /// v̂|²)</c>, v̂ = v/|v|: maximizes the direction while penalizing activation components
    /// orthogonal to it.
    /// </summary>
    public static Objective DotOrthogonalL2(
        string layer,
        float[] vec,
        double penalty = 1,
        int? batch = null
    )
    {
        var v = CheckVector(vec, nameof(vec));
        return new($"DotOrthogonalL2({layer}, [{v.Length}], λ={penalty})", [layer], t =>
            PerImage(t, layer, batch, act =>
            {
                var x = Channels(act, layer, v.Length);
                var vt = VecTensor(v, act).view(1, -1, 1);
                var unit = vt.div(linalg.vector_norm(vt));
                var dot = x.mul(vt).sum(1);
                var along = x.mul(unit).sum(1, keepdim: true);
                var orth = x.sub(along.mul(unit));
                return dot.sub(orth.pow(2).sum(1).add(1e-6).sqrt().mul(penalty)).mean([1]);
            })
        );
    }

    /// <summary>
    /// Direction in a decorrelated (whitened) activation space (Olah, "Research: Feature
    /// Visualization Objectives", lucid issue #116): <see cref="Direction"/> applied to <c>A x</c>
    /// and <c>A v</c>, i.e. the inner product <c>xᵀAᵀA v</c>, with <c>A</c> from
    /// <paramref name="whitening"/> (estimated from activations the caller provides).
    /// </summary>
    public static Objective WhitenedDirection(
        string layer,
        float[] vec,
        Whitening whitening,
        int? batch = null,
        double cossimPow = 0
    )
    {
        var v = CheckVector(vec, nameof(vec));
        if (whitening.Channels != v.Length)
            throw new ArgumentException(
                $"Whitening was fitted on {whitening.Channels} channels but the direction has {v.Length}.",
                nameof(whitening)
            );
        return new(
            $"WhitenedDirection({layer}, [{v.Length}], cossim_pow={cossimPow})",
            [layer],
            t => PerImage(t, layer, batch, act =>
                {
                    var x = Channels(act, layer, v.Length);
                    var a = whitening.Matrix(act.dtype);
                    var ax = einsum("ij,njp->nip", a, x);
                    var av = a.matmul(VecTensor(v, act));
                    return DotCossim(ax, av, cossimPow).mean([1]);
                })
        );
    }

    /// <summary>
    /// Penalty on an earlier layer's activations (Olah, "Research: Feature Visualization
    /// Objectives", lucid issue #116): <c>−weight · L1(layer)</c> (or L2), e.g.
    /// <c>Neuron("mixed4d", 504) + ActivationPenalty("mixed4a")</c> is the issue's <c>obj +=
    /// -1e-4*L1("mixed4a")</c>.
    /// </summary>
    public static Objective ActivationPenalty(
        string layer,
        double weight = 1e-4,
        PenaltyNorm norm = PenaltyNorm.L1,
        int? batch = null
    ) => -weight * (norm == PenaltyNorm.L1 ? L1(layer, batch: batch) : L2(layer, batch: batch));

    /// <summary>Lucid's <c>L1(layer, constant, batch)</c>: <c>Σ |T − c|</c> per image.</summary>
    public static Objective L1(string layer = "input", double constant = 0, int? batch = null) =>
        new($"L1({layer})", [layer], t =>
            PerImage(t, layer, batch, act => act.sub(constant).abs().flatten(1).sum(1))
        );

    /// <summary>Lucid's <c>L2(layer, constant, epsilon, batch)</c>: <c>sqrt(ε + Σ (T − c)²)</c> per
    /// image (Lucid without <c>batch</c> takes one norm over the whole batch).</summary>
    public static Objective L2(
        string layer = "input",
        double constant = 0,
        double epsilon = 1e-6,
        int? batch = null
    ) =>
        new($"L2({layer})", [layer], t =>
            PerImage(t, layer, batch, act =>
                act.sub(constant).pow(2).flatten(1).sum(1).add(epsilon).sqrt()
            )
        );

    /// <summary>Lucid's <c>total_variation(layer)</c> (TF's <c>image.total_variation</c>): sum of
    /// absolute differences of vertical and horizontal neighbours, per image.</summary>
    public static Objective TotalVariation(string layer = "input") =>
        new($"TotalVariation({layer})", [layer], t =>
        {
            var a = t[layer];
            if (a.dim() != 4)
                throw new ArgumentException(
                    $"total_variation needs a layer with spatial extent; layer '{layer}' has shape [{string.Join(", ", a.shape)}]."
                );
            var dy = a[.., .., 1.., ..].sub(a[.., .., ..^1, ..]).abs().flatten(1).sum(1);
            var dx = a[.., .., .., 1..].sub(a[.., .., .., ..^1]).abs().flatten(1).sum(1);
            return dy.add(dx);
        });

    /// <summary>
    /// Lucid's <c>blur_input_each_step()</c>: <c>0.5 Σ (x − stop_gradient(blur(x)))²</c> on the
    /// input, blur = 3x3 (1 center, 0.5 around), zero-padded and normalized by the blur of ones.
    /// Optimizing <c>−k·</c>this blurs by k per step.
    /// </summary>
    public static Objective BlurInputEachStep() => new("BlurInputEachStep()", ["input"], t =>
        {
            var x = t["input"];
            var blurred = Blur3(x).detach();
            return x.sub(blurred).pow(2).flatten(1).sum(1).mul(0.5);
        });

    /// <summary>
    /// Lucid's <c>channel_interpolate(layer1, n1, layer2, n2)</c>: image b of N maximizes
    /// <c>(1 − b/(N−1))·mean(layer1[n1]) + b/(N−1)·mean(layer2[n2])</c>, morphing from the first
    /// unit to the second across the batch.
    /// </summary>
    public static Objective ChannelInterpolate(
        string layer1,
        int unit1,
        string layer2,
        int unit2
    ) => new($"ChannelInterpolate({layer1}, {unit1}, {layer2}, {unit2})", [layer1, layer2], t =>
        {
            var a = t[layer1];
            var b = t[layer2];
            CheckUnit(a, layer1, unit1);
            CheckUnit(b, layer2, unit2);
            int n = t.BatchSize;
            if (n < 2)
                throw new ArgumentException(
                    $"channel_interpolate needs a batch of at least 2 images; got {n}."
                );
            var w = arange(n, dtype: a.dtype).div(n - 1);
            return SpatialMean(a.select(1, unit1))
                .mul(w.neg().add(1))
                .add(SpatialMean(b.select(1, unit2)).mul(w));
        });

    /// <summary>Lucid's <c>deepdream(layer)</c>: mean of squared activations, per image.</summary>
    public static Objective DeepDream(string layer) =>
        new($"DeepDream({layer})", [layer], t => t[layer].pow(2).flatten(1).mean([1]));

    /// <summary>
    /// Lucid's <c>diversity(layer)</c>: per image i, <c>Σ_{j≠i} ⟨g_i, g_j⟩ / N</c> with <c>g</c>
    /// the L2-normalized Gram matrices of the activations (their sum is Lucid's value). Subtract it
    /// to make a batch diverse: <c>obj - 1e2 * Diversity(layer)</c>.
    /// </summary>
    public static Objective Diversity(string layer) => new($"Diversity({layer})", [layer], t =>
        {
            var a = t[layer];
            long n = a.shape[0],
                c = a.shape[1];
            var f = a.reshape(n, c, -1);
            var grams = f.matmul(f.transpose(1, 2)).reshape(n, -1);
            grams = grams.div(grams.pow(2).sum(1, keepdim: true).clamp_min(1e-10).sqrt());
            var s = grams.matmul(grams.t());
            return s.sum(1).sub(s.diagonal()).div(n);
        });

    /// <summary>
    /// Lucid's <c>alignment(layer, decay_ratio)</c>: <c>−Σ_{d=1..4} Σ_i mean((T_i − T_{i+d})²) /
    /// decay^d</c>; the pair (i, i+d) is counted on image i.
    /// </summary>
    public static Objective Alignment(string layer, double decayRatio = 2) =>
        new($"Alignment({layer}, {decayRatio})", [layer], t =>
        {
            var a = t[layer];
            long n = a.shape[0];
            var acc = zeros(n, dtype: a.dtype);
            for (int d = 1; d <= 4 && d < n; d++)
            {
                var diff = a[..(int)(n - d)]
                    .sub(a[d..])
                    .pow(2)
                    .flatten(1)
                    .mean([1])
                    .div(Math.Pow(decayRatio, d));
                acc = acc.add(nn.functional.pad(diff, new long[] { 0, d }));
            }
            return acc.neg();
        });

    /// <summary>Lucid's <c>_tf_blur</c> with a 3x3 window, per channel.</summary>
    internal static Tensor Blur3(Tensor x)
    {
        long c = x.shape[1];
        var k = full(3, 3, 0.5, dtype: x.dtype);
        k[1, 1] = tensor(1.0f).to(x.dtype);
        var w = k.expand(c, 1, 3, 3).contiguous();
        var num = nn.functional.conv2d(x, w, padding: new long[] { 1, 1 }, groups: c);
        var den = nn.functional.conv2d(ones_like(x), w, padding: new long[] { 1, 1 }, groups: c);
        return num.div(den);
    }

    // ---- helpers ----

    /// <summary>f on the whole batch, or with a batch index only on that image (other images get
    /// 0).</summary>
    static Tensor PerImage(ActivationLookup t, string layer, int? batch, Func<Tensor, Tensor> f)
    {
        var act = t[layer];
        if (batch is not int b)
            return f(act);
        if (b < 0 || b >= t.BatchSize)
            throw new ArgumentOutOfRangeException(
                nameof(batch),
                $"Batch index {b} is out of range for a batch of {t.BatchSize} image(s)."
            );
        var v = f(act[b..(b + 1)]);
        var mask = zeros(t.BatchSize, dtype: v.dtype);
        mask[b] = tensor(1.0f).to(v.dtype);
        return mask.mul(v);
    }

    static Tensor DotCossim(Tensor x, Tensor v, double cossimPow)
    {
        // x [N, C, P], v [C] → [N, P]
        var dot = x.mul(v.view(1, -1, 1)).sum(1);
        if (cossimPow == 0)
            return dot;
        var cos = dot.div(linalg.vector_norm(x, dims: [1]).add(CosEps))
            .div(linalg.vector_norm(v).add(CosEps));
        return dot.mul(cos.clamp_min(0.1).pow(cossimPow));
    }

    static Tensor SpatialMean(Tensor t) => t.dim() == 1 ? t : t.flatten(1).mean([1]);

    static float[] CheckVector(float[] vec, string name)
    {
        ArgumentNullException.ThrowIfNull(vec, name);
        if (vec.Length == 0)
            throw new ArgumentException("The direction vector is empty.", name);
        if (vec.Any(f => !float.IsFinite(f)))
            throw new ArgumentException("The direction vector contains NaN or infinity.", name);
        if (vec.All(f => f == 0))
            throw new ArgumentException(
                $"The direction vector is all zeros ({vec.Length} entries): it has no direction to visualize.",
                name
            );
        return (float[])vec.Clone();
    }

    static Tensor VecTensor(float[] v, Tensor like) => tensor(v).to(like.dtype);

    /// <summary>[N, C, ...] → [N, C, P] after checking C.</summary>
    static Tensor Channels(Tensor act, string layer, int c)
    {
        if (act.dim() < 2 || act.shape[1] != c)
            throw new ArgumentException(
                $"The direction has {c} entries but layer '{layer}' has {(act.dim() < 2 ? 0 : act.shape[1])} channels (shape [{string.Join(", ", act.shape)}])."
            );
        return act.reshape(act.shape[0], c, -1);
    }

    static void CheckUnit(Tensor act, string layer, int unit)
    {
        long c = act.dim() >= 2 ? act.shape[1] : 0;
        if (unit < 0 || unit >= c)
            throw new ArgumentOutOfRangeException(
                nameof(unit),
                $"Unit {unit} is out of range: layer '{layer}' has {c} channels (0..{c - 1})."
            );
    }

    static (long y, long x) Position(Tensor act, string layer, string objective, int? x, int? y)
    {
        if (act.dim() != 4)
            throw new ArgumentException(
                $"The {objective} objective needs a layer with spatial extent; layer '{layer}' has shape [{string.Join(", ", act.shape)}] (use Channel or Direction for dense layers)."
            );
        long h = act.shape[2],
            w = act.shape[3];
        long yy = y ?? h / 2,
            xx = x ?? w / 2;
        if (yy < 0 || yy >= h || xx < 0 || xx >= w)
            throw new ArgumentOutOfRangeException(
                x is null ? nameof(y) : nameof(x),
                $"Position (x={xx}, y={yy}) is outside layer '{layer}' ({h}x{w})."
            );
        return (yy, xx);
    }
}
