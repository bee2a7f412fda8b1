using System.Diagnostics;
using Notebooks.Weights.Connections;
using Notebooks.Weights.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Connections;

[Collection("WeightsSerial")]
public class ExpandedWeightsTests
{
    /// <summary>Two branches (conv+relu+maxpool / depthwise-separable conv) concatenated, then a
    /// residual add and a conv.</summary>
    sealed class BranchyBlock : nn.Module<Tensor, Tensor>
    {
        readonly nn.Module<Tensor, Tensor> a,
            b_dw,
            b_pw,
            pool,
            post;

        public BranchyBlock()
            : base("branchy")
        {
            a = nn.Conv2d(4, 3, 3, padding: 1);
            pool = nn.MaxPool2d(3, stride: 1, padding: 1);
            b_dw = nn.Conv2d(4, 4, 3, padding: 1, groups: 4);
            b_pw = nn.Conv2d(4, 3, 1);
            post = nn.Conv2d(6, 4, 3);
            register_module("a", a);
            register_module("pool", pool);
            register_module("b_dw", b_dw);
            register_module("b_pw", b_pw);
            register_module("post", post);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var left = pool.call(nn.functional.relu(a.call(x)));
            var right = nn.functional.relu(b_pw.call(b_dw.call(x)));
            var c = cat([left, right], 1);
            var res = c + cat([x[.., ..3], x[.., 1..]], 1); // residual add (6 channels)
            return post.call(res);
        }
    }

    static VisionModel BranchyModel(int seed)
    {
        manual_seed(seed);
        var seq = nn.Sequential(
            ("stem", nn.Conv2d(3, 4, 3, padding: 1)),
            ("stem_relu", nn.ReLU()),
            ("block", new BranchyBlock()),
            ("head", nn.Conv2d(4, 5, 3)),
            ("head_relu", nn.ReLU())
        );
        return new VisionModel("branchy", seq, new InputSpec(3, 12, -1, 1));
    }

    /// <summary>conv(3→4,k3) → relu → conv(4→5,k3,stride 2) → relu → conv(5→6,k3).</summary>
    static VisionModel LinearStack(int seed)
    {
        manual_seed(seed);
        var seq = nn.Sequential(
            ("c1", nn.Conv2d(3, 4, 3)),
            ("r1", nn.ReLU()),
            ("c2", nn.Conv2d(4, 5, 3, stride: 2)),
            ("r2", nn.ReLU()),
            ("c3", nn.Conv2d(5, 6, 3))
        );
        return new VisionModel("linear", seq, new InputSpec(3, 16, -1, 1));
    }

    internal static VisionModel Branchy(int seed) => BranchyModel(seed);

    static float[] Data(Tensor t) => t.detach().cpu().contiguous().data<float>().ToArray();

    [Fact]
    public void LinearConvStackEqualsTheAnalyticKernelComposition()
    {
        using var m = LinearStack(3);
        const int W = 9; // r1 crop 9x9 → c2 (stride 2) 4x4 → c3 2x2, center (0,0)
        var got = ExpandedWeights.Get(m, "r1", "c3", W);
        Assert.Equal(new long[] { W, W, 4, 6 }, got.shape);
        var k2 = Data(m.Parameters["c2.weight"]); // [5,4,3,3]
        var k3 = Data(m.Parameters["c3.weight"]); // [6,5,3,3]
        // Independent composition: y[j,0,0] = Σ_m Σ_ab k3[j,m,a,b] · h[m,a,b]; h[m,u,v] = Σ_i Σ_pq
        // k2[m,i,p,q] x[i,2u+p,2v+q].
        var expected = new double[W, W, 4, 6];
        for (int j = 0; j < 6; j++)
        for (int mm = 0; mm < 5; mm++)
        for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
        for (int i = 0; i < 4; i++)
        for (int p = 0; p < 3; p++)
        for (int q = 0; q < 3; q++)
            expected[2 * a + p, 2 * b + q, i, j] +=
                k3[((j * 5 + mm) * 3 + a) * 3 + b] * k2[((mm * 4 + i) * 3 + p) * 3 + q];
        var g = Data(got);
        double maxErr = 0,
            maxAbs = 0;
        for (int x = 0; x < W; x++)
        for (int y = 0; y < W; y++)
        for (int i = 0; i < 4; i++)
        for (int j = 0; j < 6; j++)
        {
            maxErr = Math.Max(
                maxErr,
                Math.Abs(g[((x * W + y) * 4 + i) * 6 + j] - expected[x, y, i, j])
            );
            maxAbs = Math.Max(maxAbs, Math.Abs(expected[x, y, i, j]));
        }
        Assert.True(maxAbs > 1e-2);
        Assert.True(maxErr < 1e-5, $"max error {maxErr}");
        // Row 8 / column 8 are reachable only through (a=2,p=2); rows beyond the receptive field
        // are impossible here, but the [C2, C1, W, W] view must be the same numbers.
        Assert.True(ExpandedWeights.ToOutInHw(got)[5, 2, 4, 7].allclose(got[4, 7, 2, 5]));
    }

    /// <summary>The notebook's loop: one fresh forward and one gradient per output
    /// channel.</summary>
    static Tensor SlowReference(VisionModel m, string layer1, string layer2, int w)
    {
        using var scope = NewDisposeScope();
        int s = m.Input.DefaultSize;
        Tensor crop;
        using (no_grad())
            crop = m.Run(m.Preprocess(zeros(1, 3, s, s)), new RunOptions { Capture = [layer1] })[
                    layer1
                ][.., .., ..w, ..w]
                .clone();
        var c2 = m.LayerInfo(layer2).Channels;
        var grads = new List<Tensor>();
        for (int c = 0; c < c2; c++)
        {
            var x = crop.clone().requires_grad_(true);
            var input = layer1 == "input" ? x : m.Preprocess(zeros(1, 3, s, s));
            var y = m.Run(
                input,
                new RunOptions
                {
                    Capture = [layer2],
                    Replace = new Dictionary<string, Tensor> { [layer1] = x },
                    Linearize = true,
                }
            )[layer2];
            long ch = (y.shape[2] - 1) / 2,
                cw = (y.shape[3] - 1) / 2;
            y[0, c, ch, cw].backward();
            grads.Add(x.grad!.clone()[0]); // [C1, W, W]
        }
        return stack(grads, 0).permute(2, 3, 1, 0).contiguous().MoveToOuterDisposeScope();
    }

    [Theory]
    [InlineData("stem_relu", "head", 7)]
    [InlineData("stem_relu", "block", 5)]
    [InlineData("input", "head_relu", 9)]
    public void NonlinearBlockMatchesThePerChannelReference(string l1, string l2, int w)
    {
        using var m = BranchyModel(7);
        var got = ExpandedWeights.Get(m, l1, l2, w, chunk: 2); // chunking exercised too
        var expected = SlowReference(m, l1, l2, w);
        Assert.Equal(expected.shape, got.shape);
        Assert.True(expected.abs().max().item<float>() > 1e-3);
        Assert.True(
            got.allclose(expected, rtol: 1e-4, atol: 1e-6),
            $"max diff {(got - expected).abs().max().item<float>()}"
        );
    }

    [Fact]
    public void UnitSubsetIsTheMatchingSliceInTheGivenOrder()
    {
        using var m = BranchyModel(8);
        var all = ExpandedWeights.Get(m, "stem_relu", "head", 7);
        var sub = ExpandedWeights.Get(m, "stem_relu", "head", 7, units: [4, 1]);
        Assert.Equal(new long[] { 7, 7, 4, 2 }, sub.shape);
        Assert.True(sub[.., .., .., 0].allclose(all[.., .., .., 4]));
        Assert.True(sub[.., .., .., 1].allclose(all[.., .., .., 1]));
    }

    [Fact]
    public void InputToStrideTwoSevenBySevenConvIsTheRawKernelEmbeddedInZeros()
    {
        manual_seed(11);
        var seq = nn.Sequential(("conv2d0", nn.Conv2d(3, 6, 7, stride: 2)), ("relu", nn.ReLU()));
        using var m = new VisionModel("first", seq, new InputSpec(3, 32, -117, 138));
        var got = ExpandedWeights.Get(m, "input", "conv2d0", 8); // 8x8 crop → 1x1 output
        var hwio = m.Parameters["conv2d0.weight"].permute(2, 3, 1, 0); // [7,7,3,6]
        Assert.True(got[..7, ..7].allclose(hwio, atol: 1e-6));
        Assert.Equal(0f, got[7].abs().max().item<float>());
        Assert.Equal(0f, got[.., 7].abs().max().item<float>());
    }

    [Fact]
    public void CacheHandsOutIndependentCopiesKeyedByWeights()
    {
        using var m = BranchyModel(9);
        using var cache = new ExpandedWeightsCache();
        var a = cache.Get(m, "stem_relu", "head", 5);
        var before = a.clone();
        a.zero_();
        var b = cache.Get(m, "stem_relu", "head", 5);
        Assert.True(b.allclose(before));
        Assert.Equal(1, cache.Count);
        m.Parameters.Edit("head.weight", w => w.mul_(2));
        var c = cache.Get(m, "stem_relu", "head", 5);
        Assert.True(c.allclose(before * 2, atol: 1e-6));
        Assert.Equal(2, cache.Count);
        cache.Clear();
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void BadInputsGetClearErrors()
    {
        using var m = BranchyModel(12);
        var order = Assert.Throws<ArgumentException>(() =>
            ExpandedWeights.Get(m, "head", "stem_relu")
        );
        Assert.Contains("layer2 'stem_relu'", order.Message);
        Assert.Contains("comes before layer1 'head'", order.Message);
        var unknown = Assert.ThrowsAny<Exception>(() => ExpandedWeights.Get(m, "stem_rel", "head"));
        Assert.Contains("stem_relu", unknown.Message);
        var wide = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ExpandedWeights.Get(m, "stem_relu", "head", 13)
        );
        Assert.Contains("between 1 and 12", wide.Message);
        Assert.Contains("got 13", wide.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            ExpandedWeights.Get(m, "stem_relu", "head", 0)
        );
        var unit = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ExpandedWeights.Get(m, "stem_relu", "head", 5, units: [5])
        );
        Assert.Contains("valid 0..4", unit.Message);
    }
}
