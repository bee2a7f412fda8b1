using Notebooks.Weights.Connections;
using Notebooks.Weights.Models;
using Notebooks.Weights.Models.InceptionV1;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Connections;

/// <summary>
/// The closed-form route of expanded weights (products of kernels, <see cref="ICenterJacobian"/>)
/// against the backpropagated definition, which <see cref="ExpandedWeightsTests"/> checks against
/// the notebook's per-channel loop.
/// </summary>
[Collection("WeightsSerial")]
public class ClosedFormExpandedWeightsTests
{
    /// <summary>stem (3x3 conv) → pool (3x3 stride-2 SAME max pool) → mixed (a small Inception
    /// block) → after (3x3 conv).</summary>
    static VisionModel BlockModel(long seed)
    {
        var seq = nn.Sequential(
            ("stem", new ConvRelu(3, 6, 3)),
            ("pool", new TfSamePool2d(3, 2)),
            ("mixed", new InceptionMixedBlock(6, 3, 4, 5, 2, 3, 2)),
            ("after", new ConvRelu(13, 4, 3))
        );
        return new VisionModel("block", SeededInit.Apply(seq, seed), new InputSpec(3, 16, -1, 1));
    }

    /// <summary>Plain and strided TF-SAME convs: 7x7 stride 2, 3x3, 1x1, 5x5.</summary>
    static VisionModel ConvModel(long seed)
    {
        var seq = nn.Sequential(
            ("c7", new ConvRelu(3, 4, 7, stride: 2)),
            ("c3", new ConvRelu(4, 5, 3)),
            ("c1", new ConvRelu(5, 3, 1)),
            ("c5", new ConvRelu(3, 2, 5))
        );
        return new VisionModel("convs", SeededInit.Apply(seq, seed), new InputSpec(3, 20, -1, 1));
    }

    static void AssertSame(Tensor expected, Tensor got, string what)
    {
        Assert.Equal(expected.shape, got.shape);
        double scale = expected.abs().max().item<float>();
        Assert.True(scale > 1e-4, $"{what}: reference is all zero");
        double diff = (got - expected).abs().max().item<float>();
        Assert.True(diff <= 1e-5 * scale, $"{what}: max diff {diff:G3} (scale {scale:G3})");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(8)]
    public void MixedBlockClosedFormEqualsBackpropagationAtEveryWidth(int width)
    {
        // Widths below 5 cut the 5x5 branch's kernel and the pool window at the crop's edge; even
        // widths put the center off the middle. Both routes must agree everywhere.
        using var m = BlockModel(11);
        var closed = ExpandedWeights.Get(
            m,
            "pool",
            "mixed",
            width,
            method: ExpandedWeightsMethod.ClosedForm
        );
        var backprop = ExpandedWeights.Get(
            m,
            "pool",
            "mixed",
            width,
            method: ExpandedWeightsMethod.Autograd
        );
        AssertSame(backprop, closed, $"pool→mixed W={width}");
    }

    [Theory]
    [InlineData("input", "c7", 1)]
    [InlineData("input", "c7", 4)]
    [InlineData("input", "c7", 8)]
    [InlineData("input", "c7", 11)]
    [InlineData("c7", "c3", 1)]
    [InlineData("c7", "c3", 2)]
    [InlineData("c7", "c3", 5)]
    [InlineData("c3", "c1", 3)]
    [InlineData("c1", "c5", 3)]
    [InlineData("c1", "c5", 4)]
    [InlineData("c1", "c5", 7)]
    public void ConvClosedFormEqualsBackpropagation(string layer1, string layer2, int width)
    {
        using var m = ConvModel(5);
        var closed = ExpandedWeights.Get(
            m,
            layer1,
            layer2,
            width,
            method: ExpandedWeightsMethod.ClosedForm
        );
        var backprop = ExpandedWeights.Get(
            m,
            layer1,
            layer2,
            width,
            method: ExpandedWeightsMethod.Autograd
        );
        AssertSame(backprop, closed, $"{layer1}→{layer2} W={width}");
    }

    [Fact]
    public void AutoUsesTheClosedFormOnlyWhereItApplies()
    {
        using var m = BlockModel(3);
        Assert.Equal("closed form", ExpandedWeights.Profile(m, "pool", "mixed", 5).Method);

        // stem → mixed passes through the pool: the block does not take stem's output as its input.
        var indirect = ExpandedWeights.Profile(m, "stem", "mixed", 5);
        Assert.StartsWith("autograd (", indirect.Method);
        Assert.Contains("does not take layer1 'stem' directly", indirect.Method);
        var e = Assert.Throws<InvalidOperationException>(() =>
            ExpandedWeights.Get(m, "stem", "mixed", 5, method: ExpandedWeightsMethod.ClosedForm)
        );
        Assert.Contains("'stem'", e.Message);
        AssertSame(
            ExpandedWeights.Get(m, "stem", "mixed", 5, method: ExpandedWeightsMethod.Autograd),
            ExpandedWeights.Get(m, "stem", "mixed", 5),
            "stem→mixed (auto)"
        );

        // A max pool has no center Jacobian of its own.
        Assert.Contains(
            "not a module with a known center Jacobian",
            ExpandedWeights.Profile(m, "stem", "pool", 4).Method
        );
        Assert.Equal(
            "autograd (requested)",
            ExpandedWeights
                .Profile(m, "pool", "mixed", 5, method: ExpandedWeightsMethod.Autograd)
                .Method
        );
    }

    /// <summary>A conv whose advertised center Jacobian is 1% off: the check against
    /// backpropagation must catch it.</summary>
    sealed class WrongJacobianConv : nn.Module<Tensor, Tensor>, ICenterJacobian
    {
        readonly ConvRelu inner;

        public WrongJacobianConv()
            : base("wrong")
        {
            inner = new ConvRelu(6, 4, 3);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => inner.call(input);

        public Tensor CenterJacobian(int width) => inner.CenterJacobian(width) * 1.01;
    }

    [Fact]
    public void AWrongClosedFormIsCaughtAndAutoFallsBackToBackpropagation()
    {
        var seq = nn.Sequential(
            ("stem", new ConvRelu(3, 6, 3)),
            ("wrong", new WrongJacobianConv())
        );
        using var m = new VisionModel(
            "wrong",
            SeededInit.Apply(seq, 2),
            new InputSpec(3, 12, -1, 1)
        );
        var profile = ExpandedWeights.Profile(m, "stem", "wrong", 5);
        Assert.StartsWith(
            "autograd (the closed form of WrongJacobianConv differs from backpropagation",
            profile.Method
        );
        AssertSame(
            ExpandedWeights.Get(m, "stem", "wrong", 5, method: ExpandedWeightsMethod.Autograd),
            ExpandedWeights.Get(m, "stem", "wrong", 5),
            "fallback"
        );
        var e = Assert.Throws<InvalidOperationException>(() =>
            ExpandedWeights.Get(m, "stem", "wrong", 5, method: ExpandedWeightsMethod.ClosedForm)
        );
        Assert.Contains("differs from backpropagation", e.Message);
    }

    [Theory]
    [InlineData("maxpool1", "mixed3a")]
    [InlineData("mixed3a", "mixed3b")]
    [InlineData("maxpool4", "mixed4a")]
    public void NotebookPairsOfInceptionV1UseTheClosedFormAndAgreeWithBackpropagation(
        string layer1,
        string layer2
    )
    {
        using var m = InceptionV1Model.Create(seed: 4);
        Assert.Equal("closed form", ExpandedWeights.Profile(m, layer1, layer2).Method);
        // The first and last channel of every concatenated branch (1x1, 3x3, 5x5, pool),
        // backpropagated, against the closed form's same channels.
        var b = InceptionV1Net.MixedBlocks.Single(x => x.Name == layer2);
        long[] widths = [b.C1, b.C3, b.C5, b.Cp];
        var units = new List<int>();
        long start = 0;
        foreach (var w in widths)
        {
            units.Add((int)start);
            units.Add((int)(start + w - 1));
            start += w;
        }
        Assert.Equal(m.LayerInfo(layer2).Channels, start);
        // ...and the channels the library's own check picks cover every branch too.
        var checkedUnits = Notebooks.Weights.Connections.ExpandedWeights.ClosedFormCheckUnits(
            start
        );
        long lo = 0;
        foreach (var w in widths)
        {
            Assert.Contains(checkedUnits, u => u >= lo && u < lo + w);
            lo += w;
        }
        AssertSame(
            ExpandedWeights.Get(
                m,
                layer1,
                layer2,
                units: units,
                method: ExpandedWeightsMethod.Autograd
            ),
            ExpandedWeights.Get(
                m,
                layer1,
                layer2,
                units: units,
                method: ExpandedWeightsMethod.ClosedForm
            ),
            $"{layer1}→{layer2}"
        );
    }

    [Fact]
    public void ClosedFormMemoryStaysFlatOver200Calls()
    {
        using var m = BlockModel(8);
        static long Rss()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return System.Diagnostics.Process.GetCurrentProcess().WorkingSet64;
        }
        Assert.Equal("closed form", ExpandedWeights.Profile(m, "pool", "mixed", 5).Method);
        for (int i = 0; i < 20; i++)
            ExpandedWeights.Get(m, "pool", "mixed", 5).Dispose();
        long liveBefore = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        long start = Rss();
        for (int i = 0; i < 200; i++)
        {
            using var scope = NewDisposeScope();
            ExpandedWeights.Get(m, "pool", "mixed", 5);
            ExpandedWeights.Get(
                m,
                "pool",
                "mixed",
                5,
                units: [i % 13],
                method: ExpandedWeightsMethod.ClosedForm
            );
        }
        long growth = Rss() - start;
        Assert.Equal(0, DisposeScopeManager.Statistics.ThreadTotalLiveCount - liveBefore);
        Assert.True(growth < 24L << 20, $"RSS grew by {growth >> 20} MiB");
    }

    [Fact]
    public void TheCheckBackpropagatesAChannelInEveryBranchOfEveryInceptionBlock()
    {
        foreach (var b in InceptionV1Net.MixedBlocks)
        {
            long[] widths = [b.C1, b.C3, b.C5, b.Cp];
            var units = ExpandedWeights.ClosedFormCheckUnits(widths.Sum());
            long lo = 0;
            foreach (var w in widths)
            {
                Assert.True(
                    units.Any(u => u >= lo && u < lo + w),
                    $"{b.Name}: no checked channel in [{lo}, {lo + w})"
                );
                lo += w;
            }
        }
    }

    /// <summary>A conv whose closed form misbehaves in a chosen way.</summary>
    sealed class BrokenJacobianConv : nn.Module<Tensor, Tensor>, ICenterJacobian
    {
        readonly ConvRelu inner;
        readonly string how;

        public BrokenJacobianConv(string how)
            : base("broken")
        {
            this.how = how;
            inner = new ConvRelu(6, 4, 3);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => inner.call(input);

        public Tensor CenterJacobian(int width) =>
            how switch
            {
                "nan" => inner
                    .CenterJacobian(width)
                    .index_fill(0, tensor(new long[] { 3 }), double.NaN),
                "throws" => throw new InvalidOperationException("no closed form today"),
                _ => inner.CenterJacobian(width)[..2],
            };
    }

    [Theory]
    [InlineData("nan", "differs from backpropagation by NaN")]
    [InlineData("throws", "failed: no closed form today")]
    [InlineData("shape", "returned shape [2, 6, 5, 5]; expected [4, 6, 5, 5]")]
    public void AutoFallsBackWhenTheClosedFormIsNaNThrowsOrHasTheWrongShape(
        string how,
        string reason
    )
    {
        var seq = nn.Sequential(
            ("stem", new ConvRelu(3, 6, 3)),
            ("broken", new BrokenJacobianConv(how))
        );
        using var m = new VisionModel(
            "broken",
            SeededInit.Apply(seq, 6),
            new InputSpec(3, 12, -1, 1)
        );
        var profile = ExpandedWeights.Profile(m, "stem", "broken", 5);
        Assert.StartsWith("autograd (", profile.Method);
        Assert.Contains(reason, profile.Method);
        var auto = ExpandedWeights.Get(m, "stem", "broken", 5);
        Assert.False(auto.isnan().any().item<bool>());
        AssertSame(
            ExpandedWeights.Get(m, "stem", "broken", 5, method: ExpandedWeightsMethod.Autograd),
            auto,
            how
        );
        var e = Assert.Throws<InvalidOperationException>(() =>
            ExpandedWeights.Get(m, "stem", "broken", 5, method: ExpandedWeightsMethod.ClosedForm)
        );
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void AFewRequestedUnitsAreBackpropagatedDirectly()
    {
        using var m = BlockModel(9);
        var w = ExpandedWeights.Get(m, "pool", "mixed", 5, units: [12, 0]);
        var all = ExpandedWeights.Get(
            m,
            "pool",
            "mixed",
            5,
            method: ExpandedWeightsMethod.ClosedForm
        );
        AssertSame(all.index_select(3, tensor(new long[] { 12, 0 })), w, "units [12, 0]");
    }

    [Fact]
    public void TheCheckCoversEveryBranchOfAUserBlockHoweverNarrow()
    {
        // 1x1: 200 channels, 3x3: 1, 5x5: 1, pool: 200 — the even spread alone would miss both
        // one-channel branches.
        var block = new InceptionMixedBlock(4, 200, 2, 1, 2, 1, 200);
        var units = ExpandedWeights.ClosedFormCheckUnits(block, 402);
        Assert.Contains(200, units);
        Assert.Contains(201, units);
        Assert.DoesNotContain(200, ExpandedWeights.ClosedFormCheckUnits(402));
    }
}
