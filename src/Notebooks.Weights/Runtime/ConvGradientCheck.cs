using static TorchSharp.torch;

namespace Notebooks.Weights.Runtime;

/// <summary>
/// Checks that libtorch's conv2d computes exact input gradients, the computation oneDNN 3.7.1's
/// AVX2/AVX-512 kernels got wrong on some CPUs (see <see cref="TorchRuntime"/>). A 3x3 all-ones
/// kernel with 2 output channels over an all-ones input has an integer gradient known in closed
/// form (<see cref="ExpectedInputGradient"/>), so every case is compared exactly. The sweep covers
/// sizes 6, 7, 9, 12, channels 1, 3, 8, batches 1-5, at 1 and 2 threads: 120 cases, well under a
/// second. Used by the test suite, <c>weights doctor</c> and its per-ISA probe.
/// </summary>
public static class ConvGradientCheck
{
    /// <summary>Input sizes (square) checked.</summary>
    public static IReadOnlyList<int> Sizes { get; } = [6, 7, 9, 12];

    /// <summary>Input channel counts checked.</summary>
    public static IReadOnlyList<int> Channels { get; } = [1, 3, 8];

    /// <summary>Batches 1..<see cref="MaxBatch"/> are checked.</summary>
    public const int MaxBatch = 5;

    /// <summary>Torch intra-op thread counts checked.</summary>
    public static IReadOnlyList<int> Threads { get; } = [1, 2];

    /// <summary>Output channels of the all-ones kernel.</summary>
    public const int OutputChannels = 2;

    /// <summary>The number of cases <see cref="Run"/> checks.</summary>
    public static int CaseCount => Sizes.Count * Channels.Count * MaxBatch * Threads.Count;

    /// <summary>
    /// The gradient of sum(conv2d(x, ones(2, c, 3, 3))) with respect to one channel of an s x s
    /// input, row-major: pixel (i, j) is covered by min(i+1, 3, s-i, s-2) windows along each axis,
    /// times 2 output channels.
    /// </summary>
    public static float[] ExpectedInputGradient(int size)
    {
        if (size < 3)
            throw new ArgumentOutOfRangeException(
                nameof(size),
                size,
                "size: expected at least 3 (a 3x3 kernel)"
            );
        var cover = Enumerable
            .Range(0, size)
            .Select(i => (float)Math.Min(Math.Min(i + 1, 3), Math.Min(size - i, size - 2)))
            .ToArray();
        return Enumerable
            .Range(0, size * size)
            .Select(k => OutputChannels * cover[k / size] * cover[k % size])
            .ToArray();
    }

    /// <summary>Runs every case at every thread count of <see cref="Threads"/> (restoring torch's
    /// thread count afterwards) and returns the wrong ones.</summary>
    public static ConvGradientCheckResult Run()
    {
        TorchRuntime.EnsureLoaded();
        var wrong = new List<string>();
        int before = get_num_threads();
        try
        {
            foreach (var t in Threads)
            {
                set_num_threads(t);
                foreach (var s in Sizes)
                {
                    var expected = ExpectedInputGradient(s);
                    foreach (var c in Channels)
                        for (int b = 1; b <= MaxBatch; b++)
                            if (FirstWrong(b, c, s, expected) is { } where)
                                wrong.Add($"b{b} c{c} s{s} t{t} {where}");
                }
            }
        }
        finally
        {
            set_num_threads(before);
        }
        return new ConvGradientCheckResult(CaseCount, wrong);
    }

    static string? FirstWrong(int batch, int channels, int size, float[] expected)
    {
        using var scope = NewDisposeScope();
        var x = ones(batch, channels, size, size).requires_grad_(true);
        var y = nn.functional.conv2d(x, ones(OutputChannels, channels, 3, 3));
        y.backward([ones_like(y)]);
        var grad = x.grad!.contiguous().data<float>().ToArray();
        int plane = size * size;
        for (int n = 0; n < batch; n++)
        for (int ch = 0; ch < channels; ch++)
            if (!grad.AsSpan((n * channels + ch) * plane, plane).SequenceEqual(expected))
                return $"sample {n} channel {ch}";
        return null;
    }
}
