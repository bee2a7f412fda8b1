using Notebooks.Weights.Models;
using Notebooks.Weights.Models.InceptionV1;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.InceptionV1;

/// <summary>The TF ops of InceptionV1 checked against direct formulas written out here.</summary>
public class OpsTests
{
    [Fact]
    public void LrnMatchesTheTfFormulaDepthRadius5Bias2Alpha1e4Beta05()
    {
        using var scope = NewDisposeScope();
        var x = randn(new long[] { 1, 24, 3, 2 }, generator: new Generator(7)).mul(20); // large values so alpha matters
        var got = InceptionV1Net.Lrn().call(x);
        var xs = x.contiguous().data<float>().ToArray();
        var gs = got.contiguous().data<float>().ToArray();
        int C = 24,
            HW = 6;
        for (int c = 0; c < C; c++)
        for (int p = 0; p < HW; p++)
        {
            double sq = 0;
            for (int d = Math.Max(0, c - 5); d <= Math.Min(C - 1, c + 5); d++)
                sq += (double)xs[d * HW + p] * xs[d * HW + p];
            double want = xs[c * HW + p] / Math.Pow(2 + 1e-4 * sq, 0.5);
            Assert.True(
                Math.Abs(want - gs[c * HW + p]) <= 1e-5 * Math.Max(1, Math.Abs(want)),
                $"c={c} p={p}: {gs[c * HW + p]} vs {want}"
            );
        }
        // lucent's constants (size 9, alpha 1e-4, k 1) give visibly different values: the test can
        // tell them apart.
        var lucent = nn.functional.local_response_norm(x, 9, 1e-4, 0.5, 1.0);
        Assert.False(lucent.allclose(got, rtol: 1e-3, atol: 1e-3));
    }

    [Theory]
    [InlineData(224, 112, 2, 3)]
    [InlineData(225, 113, 3, 3)]
    [InlineData(17, 9, 3, 3)]
    public void TfSamePaddingMatchesTheTfRule(int size, int outSize, int before, int after)
    {
        Assert.Equal(((long)before, (long)after), TfSame.Pads(size, 7, 2));
        Assert.Equal(outSize, (size + 2 - 1) / 2);
        Assert.Equal((0L, 1L), TfSame.Pads(112, 3, 2));
        Assert.Equal((1L, 1L), TfSame.Pads(28, 3, 1));
    }

    [Fact]
    public void Conv2d0PadsTwoThenThreeLikeTfSame()
    {
        using var scope = NewDisposeScope();
        var block = new ConvRelu(3, 4, 7, stride: 2);
        var x = randn(new long[] { 1, 3, 16, 16 }, generator: new Generator(2));
        var got = block.call(x);
        var padded = nn.functional.pad(x, [2, 3, 2, 3]);
        var want = nn
            .functional.conv2d(padded, block.Conv.weight!, block.Conv.bias!, strides: [2, 2])
            .relu();
        Assert.Equal(new long[] { 1, 4, 8, 8 }, got.shape);
        Assert.True(got.allclose(want, atol: 1e-5));
    }

    [Fact]
    public void StrideTwoMaxPoolPadsRightAndBottomWithMinusInfinity()
    {
        using var scope = NewDisposeScope();
        // All-negative input: zero padding would leak 0 into the last row/column; -inf padding must
        // not.
        var x = rand(new long[] { 1, 2, 6, 6 }, generator: new Generator(3)).sub(2);
        var got = new TfSamePool2d(3, 2).call(x);
        Assert.Equal(new long[] { 1, 2, 3, 3 }, got.shape);
        var xs = x.contiguous().data<float>().ToArray();
        var gs = got.contiguous().data<float>().ToArray();
        for (int c = 0; c < 2; c++)
        for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
        {
            float want = float.NegativeInfinity;
            for (int u = 2 * i; u < Math.Min(6, 2 * i + 3); u++) // pads (0, 1): window starts at 2i
            for (int v = 2 * j; v < Math.Min(6, 2 * j + 3); v++)
                want = Math.Max(want, xs[c * 36 + u * 6 + v]);
            Assert.Equal(want, gs[c * 9 + i * 3 + j]);
        }
    }

    [Fact]
    public void PoolSurrogateIsTfSameAveragePoolCountingOnlyRealCells()
    {
        using var scope = NewDisposeScope();
        var x = randn(new long[] { 1, 1, 5, 5 }, generator: new Generator(4));
        foreach (var (k, s) in new[] { (3L, 2L), (3L, 1L) })
        {
            var pool = new TfSamePool2d(k, s);
            var got = pool.LinearSurrogate(x);
            var (pt, _) = TfSame.Pads(5, k, s);
            long o = (5 + s - 1) / s;
            Assert.Equal(new long[] { 1, 1, o, o }, got.shape);
            var xs = x.contiguous().data<float>().ToArray();
            var gs = got.contiguous().data<float>().ToArray();
            for (long i = 0; i < o; i++)
            for (long j = 0; j < o; j++)
            {
                double sum = 0;
                int n = 0;
                for (long u = i * s - pt; u < i * s - pt + k; u++)
                for (long v = j * s - pt; v < j * s - pt + k; v++)
                    if (u >= 0 && u < 5 && v >= 0 && v < 5)
                    {
                        sum += xs[u * 5 + v];
                        n++;
                    }
                Assert.Equal(sum / n, gs[i * o + j], 5);
            }
        }
    }

    [Fact]
    public void MixedBlockOutputIsTheConcatOfRelu1x1_3x3_5x5_PoolReduce()
    {
        using var m = InceptionV1Model.Create(seed: 5);
        var img = rand(new long[] { 1, 3, 64, 64 }, generator: new Generator(6));
        using var scope = NewDisposeScope();
        var a = m.Activations(
            img,
            "mixed3a",
            "mixed3a_1x1",
            "mixed3a_3x3",
            "mixed3a_5x5",
            "mixed3a_pool_reduce",
            "mixed3a_3x3_pre_relu",
            "maxpool1",
            "mixed3a_pool"
        );
        Assert.True(
            a["mixed3a"]
                .allclose(
                    cat(
                        [
                            a["mixed3a_1x1"],
                            a["mixed3a_3x3"],
                            a["mixed3a_5x5"],
                            a["mixed3a_pool_reduce"],
                        ],
                        1
                    )
                )
        );
        Assert.True(a["mixed3a_3x3"].allclose(a["mixed3a_3x3_pre_relu"].relu()));
        Assert.True(a["mixed3a_3x3_pre_relu"].min().item<float>() < 0); // pre-relu really is before the relu
        // The branch pool is a 3x3 stride-1 SAME max pool of the block input (-inf padding, so
        // border = max over real cells).
        Assert.True(
            a["mixed3a_pool"]
                .allclose(nn.functional.max_pool2d(a["maxpool1"], [3, 3], [1, 1], [1, 1]))
        );
        Assert.Equal(new long[] { 1, 256, 8, 8 }, a["mixed3a"].shape);
    }

    [Fact]
    public void DenseFlattensInTfNhwcOrder()
    {
        using var scope = NewDisposeScope();
        var d = new Dense(2 * 2 * 3, 5, softmax: false);
        var x = randn(new long[] { 2, 3, 2, 2 }, generator: new Generator(8));
        var nhwc = x.permute(0, 2, 3, 1).reshape(2, 12); // TF reshape of an NHWC tensor
        var want = nn.functional.linear(nhwc, d.MatMul.weight!, d.MatMul.bias!).relu();
        Assert.True(d.call(x).allclose(want, atol: 1e-6));
        var e = Assert.Throws<ArgumentException>(() => d.call(randn(1, 3, 3, 3)));
        Assert.Contains("27 values) to [-1, 12] as TF does; 27 is not a multiple of 12", e.Message);
    }

    [Fact]
    public void ASmallInputRunsThroughMixed5bAndSoftmax2FailsWithTfsReason()
    {
        using var m = InceptionV1Model.Create();
        using var scope = NewDisposeScope();
        var img = rand(1, 3, 128, 128);
        Assert.Equal(new long[] { 1, 1024, 4, 4 }, m.Activation(img, "mixed5b").shape);
        var e = Assert.Throws<ArgumentException>(() => m.Forward(img));
        Assert.Contains(
            "InceptionV1 cannot compute softmax2: avgpool0 is a 7x7 VALID average pool of mixed5b, which is 4x4 at a 128x128 input",
            e.Message
        );
        Assert.Equal(new long[] { 1, 508, 2, 2 }, m.Activation(img, "head0_pool").shape); // TF computes head0_pool at 128 px
    }
}

public class LinearizationTests
{
    /// <summary>
    /// Expanded weights replace max-pool gradients by TF "SAME" average-pool gradients. Through
    /// VisionModel.Run with Linearize, the gradient of sum(maxpool0) w.r.t. conv2d0 must be that of
    /// the SAME average pool: each cell gets sum over the windows containing it of 1 / (real cells
    /// in the window), computed here by counting.
    /// </summary>
    [Fact]
    public void LinearizedMaxpool0BackpropagatesTheSameAveragePoolGradient()
    {
        using var m = InceptionV1Model.Create(seed: 9);
        using var scope = NewDisposeScope();
        const int n = 9; // conv2d0 map 9x9 → maxpool0 5x5 with SAME pads (1, 1)
        var x = randn(new long[] { 1, 64, n, n }, generator: new Generator(10)).requires_grad_();
        var input = zeros(1, 3, 18, 18);
        var outLin = m.Run(
            input,
            new RunOptions
            {
                Capture = ["maxpool0"],
                Replace = new Dictionary<string, Tensor> { ["conv2d0"] = x },
                Linearize = true,
            }
        )["maxpool0"];
        Assert.True(outLin.allclose(new TfSamePool2d(3, 2).call(x))); // forward value unchanged
        outLin.sum().backward();
        var g = x.grad!.contiguous().data<float>().ToArray();
        var (pt, _) = TfSame.Pads(n, 3, 2);
        var want = new double[n, n];
        for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++)
        {
            var cells = new List<(int, int)>();
            for (int u = 2 * i - (int)pt; u < 2 * i - pt + 3; u++)
            for (int v = 2 * j - (int)pt; v < 2 * j - pt + 3; v++)
                if (u >= 0 && u < n && v >= 0 && v < n)
                    cells.Add((u, v));
            foreach (var (u, v) in cells)
                want[u, v] += 1.0 / cells.Count;
        }
        for (int c = 0; c < 64; c += 21)
        for (int u = 0; u < n; u++)
        for (int v = 0; v < n; v++)
            Assert.Equal(want[u, v], g[c * n * n + u * n + v], 5);
        // Without linearization the gradient is the max pool's: 0 or 1-per-window, not the average.
        x.grad!.zero_();
        m.Run(
                input,
                new RunOptions
                {
                    Capture = ["maxpool0"],
                    Replace = new Dictionary<string, Tensor> { ["conv2d0"] = x },
                }
            )["maxpool0"]
            .sum()
            .backward();
        Assert.Equal(0f, x.grad!.min().item<float>());
    }
}
