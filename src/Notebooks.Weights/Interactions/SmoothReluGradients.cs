using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Notebooks.Weights.Interactions;

/// <summary>
/// For the best-case search: ∂B/∂A through ReLUs is piecewise constant in the input (a product of
/// kernels and 0/1 masks), so its own gradient is zero almost everywhere and gradient ascent on it
/// cannot move. While registered, every <c>nn.ReLU</c> module (except the excluded ones) keeps its
/// forward value and takes the gradient of softplus(βx)/β, i.e. σ(βx) instead of the 0/1 step:
/// <c>out = s(x) + (relu(x) − s(x)).detach()</c>. The reported best-case gradient is always
/// re-measured without it.
/// </summary>
public sealed class SmoothReluGradients : IDisposable
{
    readonly List<Action> _removers = [];

    /// <summary>Registers the smoothing on <paramref name="module"/>'s ReLU modules except
    /// <paramref name="exclude"/>; β ≤ 0 registers nothing.</summary>
    public SmoothReluGradients(nn.Module module, double beta, IEnumerable<nn.Module?> exclude)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!(beta > 0))
            return;
        var skip = exclude.Where(m => m is not null).ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var (_, m) in module.named_modules())
        {
            if (m is not ReLU relu || skip.Contains(m))
                continue;
            var h = relu.register_forward_hook(
                (_, input, output) =>
                {
                    var s = nn.functional.softplus(input, beta);
                    return s.add(output.sub(s).detach());
                }
            );
            _removers.Add(h.remove);
            Count++;
        }
    }

    /// <summary>Number of ReLU modules smoothed.</summary>
    public int Count { get; private set; }

    /// <summary>Removes the hooks.</summary>
    public void Dispose()
    {
        foreach (var r in _removers)
            r();
        _removers.Clear();
    }
}
