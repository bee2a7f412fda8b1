using Notebooks.Weights.Runtime;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Runtime;

/// <summary>Guards against the oneDNN AVX2/AVX-512 conv-backward bug (see TorchRuntime).</summary>
public class ConvGradientCorrectnessTests
{
    [Fact]
    public void ConvInputGradientsAreExactForBatchesAndShapes()
    {
        TorchRuntime.EnsureLoaded();
        var wrong = new List<string>();
        foreach (var s in new[] { 6, 7, 9, 12 })
        foreach (var c in new[] { 1, 3, 8 })
            for (int b = 1; b <= 5; b++)
            {
                using var scope = NewDisposeScope();
                var x = ones(b, c, s, s).requires_grad_(true);
                var y = nn.functional.conv2d(x, ones(2, c, 3, 3));
                y.backward([ones_like(y)]);
                // Analytic: pixel i is covered by min(i+1, 3, s-i, s-2) windows per axis; 2 output
                // channels.
                var cover = Enumerable
                    .Range(0, s)
                    .Select(i => (float)Math.Min(Math.Min(i + 1, 3), Math.Min(s - i, s - 2)))
                    .ToArray();
                var expected = Enumerable
                    .Range(0, s * s)
                    .Select(k => 2 * cover[k / s] * cover[k % s])
                    .ToArray();
                for (int n = 0; n < b; n++)
                for (int ch = 0; ch < c; ch++)
                    if (!x.grad![n, ch].clone().data<float>().ToArray().SequenceEqual(expected))
                    {
                        wrong.Add($"b{b} c{c} s{s} sample {n} channel {ch}");
                        goto next;
                    }
                next:
                ;
            }
        Assert.True(
            wrong.Count == 0,
            $"{wrong.Count} wrong conv gradients (DNNL_MAX_CPU_ISA={Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA")}): {string.Join("; ", wrong.Take(5))}\n{string.Join("\n", TorchRuntime.Log)}"
        );
    }
}
