using Notebooks.Weights.Decomposition;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Decomposition;

public class LayerFactorGridTests
{
    static BatchedNmfResult Permuted(BatchedNmfResult fit, int[][] perms)
    {
        // Factor f' of the new fit is factor perms[n][f'] of the old one.
        var idx = perms.SelectMany(p => p.Select(v => (long)v)).ToArray();
        long N = fit.W.shape[0],
            S = fit.W.shape[1],
            K = fit.W.shape[2],
            D = fit.H.shape[2];
        var wIdx = tensor(idx, [N, 1, K]).expand(N, S, K);
        var hIdx = tensor(idx, [N, K, 1]).expand(N, K, D);
        return new BatchedNmfResult
        {
            W = fit.W.gather(2, wIdx).contiguous(),
            H = fit.H.gather(1, hIdx).contiguous(),
            ReconstructionError = fit.ReconstructionError,
            RelativeError = fit.RelativeError,
            Iterations = fit.Iterations,
            Converged = fit.Converged,
        };
    }

    [Fact]
    public void ColorsAndOrderAreStableUnderPermutingEachNeuronsFactors()
    {
        using var scope = NewDisposeScope();
        var weight = SyntheticWeights.ConvLayer(40, 32, seed: 11);
        var fit = LayerNmf.Fit(weight, new NmfOptions { Components = 3 });
        var rng = new Random(3);
        var perms = Enumerable
            .Range(0, 40)
            .Select(_ => Enumerable.Range(0, 3).OrderBy(_ => rng.Next()).ToArray())
            .ToArray();
        Assert.Contains(perms, p => !p.SequenceEqual([0, 1, 2]));
        var permuted = Permuted(fit, perms);
        using var a = LayerFactorGrid.FromFactors(fit, 3, 3);
        using var b = LayerFactorGrid.FromFactors(permuted, 3, 3);
        Assert.True(a.Images.allclose(b.Images, 0, 1e-12));
        Assert.Equal(a.Order, b.Order);
        Assert.Equal(a.DominantSlot, b.DominantSlot);
        for (int n = 0; n < 40; n++)
        for (int f = 0; f < 3; f++)
            Assert.Equal(a.Colors.Slots[n][perms[n][f]], b.Colors.Slots[n][f]);
    }

    [Fact]
    public void FactorsBuiltFromTheSamePatternGetTheSameSlot()
    {
        // 30 neurons; neuron n's channel factors are 3 shared non-negative patterns in a random
        // order, plus noise.
        using var scope = NewDisposeScope();
        var g = new Generator(17);
        var patterns = rand(3, 50, generator: g, dtype: ScalarType.Float64).pow(4); // distinct, fairly sparse
        var rng = new Random(5);
        int N = 30;
        var which = new int[N][];
        var h = zeros(N, 3, 50, dtype: ScalarType.Float64);
        for (int n = 0; n < N; n++)
        {
            which[n] = Enumerable.Range(0, 3).OrderBy(_ => rng.Next()).ToArray();
            for (int f = 0; f < 3; f++)
                h[n, f] = patterns[which[n][f]] * (0.5 + rng.NextDouble());
        }
        h = h + 0.05 * rand(N, 3, 50, generator: g, dtype: ScalarType.Float64);
        var strength = 0.5 + rand(N, 3, generator: g, dtype: ScalarType.Float64);
        using var colors = FactorColorAssignment.Fit(h, strength);
        var slotOfPattern = new int[3];
        for (int f = 0; f < 3; f++)
            slotOfPattern[which[0][f]] = colors.Slots[0][f];
        Assert.Equal(3, slotOfPattern.Distinct().Count());
        for (int n = 0; n < N; n++)
        for (int f = 0; f < 3; f++)
            Assert.Equal(slotOfPattern[which[n][f]], colors.Slots[n][f]);
        Assert.All(colors.Agreement, a => Assert.True(a > 0.9, $"agreement {a}"));
    }

    [Fact]
    public void OrderGroupsNeuronsByDominantFactor()
    {
        // Two kinds of neurons interleaved by index: kind 0 mostly uses channel pattern A, kind 1
        // pattern B.
        using var scope = NewDisposeScope();
        var g = new Generator(23);
        int N = 20,
            S = 9,
            K = 2,
            D = 30;
        var pa = rand(D, generator: g, dtype: ScalarType.Float64).pow(4);
        var pb = rand(D, generator: g, dtype: ScalarType.Float64).pow(4);
        var W = rand(N, S, K, generator: g, dtype: ScalarType.Float64) * 0.1;
        var H = zeros(N, K, D, dtype: ScalarType.Float64);
        for (int n = 0; n < N; n++)
        {
            H[n, 0] = pa;
            H[n, 1] = pb;
            W[n, TensorIndex.Colon, n % 2] += 1.0; // kind = n % 2 dominates with its pattern
        }
        var fit = new BatchedNmfResult
        {
            W = W,
            H = H,
            ReconstructionError = new double[N],
            RelativeError = new double[N],
            Iterations = new int[N],
            Converged = new bool[N],
        };
        using var grid = LayerFactorGrid.FromFactors(fit, 3, 3);
        Assert.Equal(Enumerable.Range(0, N), grid.Order.Order());
        var kinds = grid.Order.Select(n => n % 2).ToArray();
        Assert.Equal(1, Enumerable.Range(1, N - 1).Count(i => kinds[i] != kinds[i - 1])); // exactly one boundary
        Assert.All(Enumerable.Range(0, N), n =>
            Assert.Equal(grid.DominantSlot[n], grid.DominantSlot[n % 2])
        );
    }

    [Fact]
    public void ImagesAreCollapseChannelsOfMaxNormalizedAlignedFactorsAndMosaicPlacesThem()
    {
        using var scope = NewDisposeScope();
        var weight = SyntheticWeights.ConvLayer(7, 16, seed: 2);
        using var grid = LayerFactorGrid.Compute(weight, 3);
        Assert.Equal(new long[] { 7, 3, 3, 3 }, grid.Images.shape);
        for (int n = 0; n < 7; n++)
        {
            var aligned = grid.AlignedFactors[n];
            Assert.Equal(1.0, aligned.max().item<double>(), 12);
            Assert.True(grid.Images[n].allclose(CollapseChannels.Collapse(aligned), 0, 1e-12));
        }
        var mosaic = grid.Mosaic(columns: 3, pad: 1);
        Assert.Equal(new long[] { 3 * 4 - 1, 3 * 4 - 1, 3 }, mosaic.shape);
        // Grid position 4 = row 1, column 1.
        var cell = mosaic.narrow(0, 4, 3).narrow(1, 4, 3);
        Assert.True(cell.allclose(grid.Images[grid.Order[4]]));
        Assert.Equal(1.0, mosaic[3, 0, 0].item<double>());
    }
}
