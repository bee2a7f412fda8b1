using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests;

/// <summary>
/// Re-initializes a test module's parameters from a private generator, so test models do not depend
/// on torch's global RNG (which tests running in parallel would otherwise race on). Uses PyTorch's
/// default layer init distribution: U(−1/√fan_in, 1/√fan_in) for weights and biases, where fan_in =
/// in_channels·kH·kW (or in_features).
/// </summary>
static class SeededInit
{
    public static T Apply<T>(T module, long seed)
        where T : nn.Module
    {
        using var g = new Generator((ulong)seed, device: CPU);
        using var _ = no_grad();
        // Parameters in registration order; fan_in from the weight that precedes a bias.
        long fanIn = 1;
        foreach (var (name, p) in module.named_parameters())
        {
            if (p.dim() >= 2)
                fanIn = p.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            double bound = 1.0 / Math.Sqrt(fanIn);
            using var v = rand(p.shape, generator: g).mul_(2 * bound).sub_(bound);
            p.copy_(v);
        }
        return module;
    }
}
