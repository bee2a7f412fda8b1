using static TorchSharp.torch;

namespace Notebooks.Weights.Connections;

/// <summary>One connection of a unit: the other neuron's channel index, the L2 norm of the [W, W]
/// expanded-weight slice, and the slice.</summary>
public sealed record Connection(int Index, float Norm, Tensor Weights);

/// <summary>
/// The notebook's "top connections" cells over <c>[W, W, C1, C2]</c> expanded weights (see
/// <see cref="ExpandedWeights"/>): <c>np.argsort([-np.linalg.norm(W[:, :, i, unit]) for i in
/// ...])[:k]</c> and its output-side twin. Ties keep the lower index first.
/// </summary>
public static class TopConnections
{
    /// <summary>The <paramref name="k"/> layer1 channels feeding layer2 channel
    /// <paramref name="unit"/> most strongly (largest ‖W[:, :, i, unit]‖).</summary>
    public static IReadOnlyList<Connection> In(Tensor expanded, int unit, int k = 10) =>
        Top(expanded, unit, k, incoming: true);

    /// <summary>The <paramref name="k"/> layer2 channels that layer1 channel
    /// <paramref name="unit"/> feeds most strongly (largest ‖W[:, :, unit, j]‖).</summary>
    public static IReadOnlyList<Connection> Out(Tensor expanded, int unit, int k = 10) =>
        Top(expanded, unit, k, incoming: false);

    /// <summary>The notebook's row normalization <c>W[..., unit] / abs(W[..., unit]).max()</c>: [W,
    /// W, C1] in [-1, 1].</summary>
    public static Tensor NormalizedIn(Tensor expanded, int unit)
    {
        Check(expanded, unit, incoming: true);
        using var scope = NewDisposeScope();
        var s = expanded.select(3, unit);
        return (s / s.abs().max()).MoveToOuterDisposeScope();
    }

    /// <summary>The output-side normalization <c>W[..., unit, :] / abs(W[..., unit, :]).max()</c>:
    /// [W, W, C2] in [-1, 1].</summary>
    public static Tensor NormalizedOut(Tensor expanded, int unit)
    {
        Check(expanded, unit, incoming: false);
        using var scope = NewDisposeScope();
        var s = expanded.select(2, unit);
        return (s / s.abs().max()).MoveToOuterDisposeScope();
    }

    static IReadOnlyList<Connection> Top(Tensor expanded, int unit, int k, bool incoming)
    {
        Check(expanded, unit, incoming);
        if (k < 1)
            throw new ArgumentOutOfRangeException(nameof(k), $"k must be at least 1; got {k}.");
        using var scope = NewDisposeScope();
        var slices = incoming ? expanded.select(3, unit) : expanded.select(2, unit); // [W, W, C]
        var norms = slices.square().sum([0, 1]).sqrt().cpu().contiguous().data<float>().ToArray();
        var order = Enumerable
            .Range(0, norms.Length)
            .OrderByDescending(i => norms[i])
            .ThenBy(i => i)
            .Take(k)
            .ToList();
        return order
            .Select(i => new Connection(
                i,
                norms[i],
                slices.select(2, i).clone().MoveToOuterDisposeScope()
            ))
            .ToList();
    }

    static void Check(Tensor expanded, int unit, bool incoming)
    {
        if (expanded.dim() != 4)
            throw new ArgumentException(
                $"Expected [W, W, C1, C2] expanded weights; got shape [{string.Join(", ", expanded.shape)}].",
                nameof(expanded)
            );
        long n = expanded.shape[incoming ? 3 : 2];
        if (unit < 0 || unit >= n)
            throw new ArgumentOutOfRangeException(
                nameof(unit),
                $"unit {unit} is out of range for the {(incoming ? "output (C2)" : "input (C1)")} axis with {n} channels (valid 0..{n - 1})."
            );
    }
}
