using System.Globalization;
using static TorchSharp.torch;

namespace Notebooks.Weights.FeatureVis;

/// <summary>
/// A feature-visualization objective (Lucid's <c>objectives.Objective</c>): a function of the
/// activations giving one value per batch element (shape [N]); rendering maximizes the sum over the
/// batch. Objectives form an algebra: <c>a + b</c>, <c>a - b</c>, <c>0.2 * a</c>, <c>-a</c>, <c>a *
/// b</c>, <see cref="Sum(Objective[])"/>; terms with a <c>batch</c> argument only touch that image.
/// Built-in objectives are the static factories (<see cref="Channel"/>, ...).
/// </summary>
/// <remarks>
/// Per-element values sum to Lucid's scalar for sum-type terms (neuron, L1, total variation, blur,
/// diversity, alignment); Lucid averages channel/direction over the batch when no <c>batch</c> is
/// given, and takes one L2 norm over the whole batch: for one image (or a <c>batch</c> argument)
/// all agree.
/// </remarks>
public sealed partial class Objective
{
    readonly Func<ActivationLookup, Tensor> _func;

    /// <summary>
    /// A custom objective reading <paramref name="layers"/>; <paramref name="func"/> returns a [N]
    /// tensor of per-image values (a scalar is broadcast to every image).
    /// </summary>
    public Objective(
        string description,
        IEnumerable<string> layers,
        Func<ActivationLookup, Tensor> func
    )
    {
        Description = description;
        Layers = layers.Distinct().ToArray();
        _func = func;
    }

    /// <summary>Lucid-style description, e.g. <c>Channel(mixed4a, 97)</c>.</summary>
    public string Description { get; }

    /// <summary>The layers this objective reads (captured during rendering).</summary>
    public IReadOnlyList<string> Layers { get; }

    /// <summary>Per-image values [N] for the activations <paramref name="t"/>.</summary>
    public Tensor Evaluate(ActivationLookup t)
    {
        var v = _func(t);
        if (v.dim() == 0)
            return v.expand(t.BatchSize);
        if (v.dim() != 1 || v.shape[0] != t.BatchSize)
            throw new InvalidOperationException(
                $"Objective {Description} returned shape [{string.Join(", ", v.shape)}]; expected [{t.BatchSize}] (one value per image)."
            );
        return v;
    }

    /// <inheritdoc/>
    public override string ToString() => Description;

    /// <summary>Sum of two objectives.</summary>
    public static Objective operator +(Objective a, Objective b) =>
        new($"({a} + {b})", a.Layers.Concat(b.Layers), t => a.Evaluate(t).add(b.Evaluate(t)));

    /// <summary>Objective plus a constant.</summary>
    public static Objective operator +(Objective a, double c) =>
        new($"({a} + {F(c)})", a.Layers, t => a.Evaluate(t).add(c));

    /// <summary>Constant plus an objective.</summary>
    public static Objective operator +(double c, Objective a) => a + c;

    /// <summary>Difference of two objectives.</summary>
    public static Objective operator -(Objective a, Objective b) => a + (-1 * b);

    /// <summary>Negation.</summary>
    public static Objective operator -(Objective a) => -1 * a;

    /// <summary>Scaled objective.</summary>
    public static Objective operator *(double c, Objective a) =>
        new($"{F(c)}·{a}", a.Layers, t => a.Evaluate(t).mul(c));

    /// <summary>Scaled objective.</summary>
    public static Objective operator *(Objective a, double c) => c * a;

    /// <summary>Elementwise (per-image) product of two objectives (Lucid's
    /// <c>__mul__</c>).</summary>
    public static Objective operator *(Objective a, Objective b) =>
        new($"{a}·{b}", a.Layers.Concat(b.Layers), t => a.Evaluate(t).mul(b.Evaluate(t)));

    /// <summary>Lucid's <c>Objective.sum</c>: the sum of several objectives (at least
    /// one).</summary>
    public static Objective Sum(IEnumerable<Objective> objectives)
    {
        var list = objectives.ToList();
        if (list.Count == 0)
            throw new ArgumentException(
                "Objective.Sum needs at least one objective.",
                nameof(objectives)
            );
        return new(
            $"Sum({string.Join(", ", list.Select(o => o.Description))})",
            list.SelectMany(o => o.Layers),
            t =>
            {
                var acc = list[0].Evaluate(t);
                for (int i = 1; i < list.Count; i++)
                    acc = acc.add(list[i].Evaluate(t));
                return acc;
            }
        );
    }

    /// <summary>Lucid's <c>Objective.sum</c> with a params list.</summary>
    public static Objective Sum(params Objective[] objectives) =>
        Sum((IEnumerable<Objective>)objectives);

    static string F(double d) => d.ToString("G6", CultureInfo.InvariantCulture);
}
