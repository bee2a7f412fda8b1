using Notebooks.Weights.Decomposition;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Decomposition;

/// <summary>CollapseChannels against a straightforward scalar transcription of the fidelity-sheet
/// formula.</summary>
public class CollapseChannelsTests
{
    // ---- independent scalar reference (fidelity sheet, "collapse_channels") ----
    static double[] RefHue(double h)
    {
        double[][] c =
        [
            [1, 0, 0],
            [1, 1, 0],
            [0, 1, 0],
            [0, 1, 1],
            [0, 0, 1],
            [1, 0, 1],
        ];
        for (int i = 0; i < 6; i++)
        {
            double nn = Math.Sqrt(c[i][0] * c[i][0] + c[i][1] * c[i][1] + c[i][2] * c[i][2]);
            for (int j = 0; j < 3; j++)
                c[i][j] /= nn;
        }
        h %= 360;
        int n = (int)Math.Floor(h / 60);
        double d = (h - 60 * n) / 60;
        if (n % 2 == 0)
            d = Math.Sin(d * Math.PI / 2);
        else
            d = 1 - Math.Sin((1 - d) * Math.PI / 2);
        var v = new double[3];
        for (int j = 0; j < 3; j++)
            v[j] = (1 - d) * c[n][j] + d * c[(n + 1) % 6][j];
        double len = Math.Sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        return [v[0] / len, v[1] / len, v[2] / len];
    }

    static double[] RefPixel(double[] x)
    {
        if (x.Any(v => v < 0))
            x = x.Select(v => Math.Max(0, v)).Concat(x.Select(v => Math.Max(0, -v))).ToArray();
        int k = x.Length;
        var rgb = new double[3];
        for (int i = 0; i < k; i++)
        {
            var hue = RefHue(360.0 * i / k);
            for (int j = 0; j < 3; j++)
                rgb[j] += x[i] * hue[j];
        }
        double extra = x.Sum() - x.Max();
        for (int j = 0; j < 3; j++)
            rgb[j] += extra;
        double rn = Math.Sqrt(rgb.Sum(v => v * v)),
            xn = Math.Sqrt(x.Sum(v => v * v));
        return rgb.Select(v => v / (1e-4 + rn) * xn).ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(7)]
    public void MatchesFormulaOnRandomNonNegativeInputs(int k) =>
        Check(k, signed: false, seed: 10 + k);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void SignedInputsAreSplitPosNegFirst(int k) => Check(k, signed: true, seed: 20 + k);

    static void Check(int k, bool signed, int seed)
    {
        using var scope = NewDisposeScope();
        var g = new Generator((ulong)seed);
        var x = signed
            ? randn(6, 5, k, dtype: ScalarType.Float64, generator: g)
            : rand(6, 5, k, dtype: ScalarType.Float64, generator: g);
        var rgb = CollapseChannels.Collapse(x);
        Assert.Equal(new long[] { 6, 5, 3 }, rgb.shape);
        var xs = x.contiguous().data<double>().ToArray();
        var ys = rgb.contiguous().data<double>().ToArray();
        // If any value anywhere is negative, every pixel is split (Lucid checks the whole array).
        bool anyNeg = xs.Any(v => v < 0);
        for (int p = 0; p < 30; p++)
        {
            var px = xs.Skip(p * k).Take(k).ToArray();
            var expected = RefPixel(anyNeg ? SplitAlways(px) : px);
            for (int j = 0; j < 3; j++)
                Assert.True(
                    Math.Abs(expected[j] - ys[p * 3 + j]) <= 1e-6,
                    $"pixel {p} ch {j}: {expected[j]} vs {ys[p * 3 + j]}"
                );
        }
    }

    static double[] SplitAlways(double[] x) =>
        x.Select(v => Math.Max(0, v)).Concat(x.Select(v => Math.Max(0, -v))).ToArray();

    [Fact]
    public void PrimaryHuesAreTheAnchors()
    {
        Assert.Equal(new[] { 1.0, 0, 0 }, CollapseChannels.HueToRgb(0), (a, b) =>
            Math.Abs(a - b) < 1e-12
        );
        Assert.Equal(new[] { 0.0, 1, 0 }, CollapseChannels.HueToRgb(120), (a, b) =>
            Math.Abs(a - b) < 1e-12
        );
        Assert.Equal(new[] { 0.0, 0, 1 }, CollapseChannels.HueToRgb(240), (a, b) =>
            Math.Abs(a - b) < 1e-12
        );
        for (double h = 0; h < 720; h += 17)
            Assert.Equal(RefHue(h), CollapseChannels.HueToRgb(h), (a, b) =>
                Math.Abs(a - b) < 1e-12
            );
    }
}
