using Notebooks.Weights.Runtime;

namespace Notebooks.Weights.Tests.Runtime;

/// <summary>Guards against the oneDNN AVX2/AVX-512 conv-backward bug (see TorchRuntime).</summary>
public class ConvGradientCorrectnessTests
{
    [Fact]
    public void ConvInputGradientsAreExactForBatchesShapesAndThreads()
    {
        var result = ConvGradientCheck.Run();
        Assert.Equal(4 * 3 * 5 * 2, result.Cases);
        Assert.True(
            result.Correct,
            $"{result.Wrong.Count} of {result.Cases} wrong conv gradients (DNNL_MAX_CPU_ISA={TorchRuntime.OneDnnIsa}): {string.Join("; ", result.Wrong.Take(5))}\n{string.Join("\n", TorchRuntime.Log)}"
        );
    }

    [Fact]
    public void TheExpectedGradientCountsTheWindowsCoveringEachPixel()
    {
        // Independent of the closed form: count, for every pixel, the 3x3 windows of a valid
        // convolution that contain it, times the 2 output channels.
        foreach (var s in ConvGradientCheck.Sizes)
        {
            var counted = new float[s * s];
            for (int oy = 0; oy + 3 <= s; oy++)
            for (int ox = 0; ox + 3 <= s; ox++)
            for (int dy = 0; dy < 3; dy++)
            for (int dx = 0; dx < 3; dx++)
                counted[(oy + dy) * s + ox + dx] += ConvGradientCheck.OutputChannels;
            Assert.Equal(counted, ConvGradientCheck.ExpectedInputGradient(s));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            ConvGradientCheck.ExpectedInputGradient(2)
        );
    }
}
