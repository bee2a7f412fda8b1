using Notebooks.Weights.FeatureVis;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.FeatureVis;

public class ParameterizationTests
{
    /// <summary>
    /// Independent inverse real 2-D DFT (C2R semantics: complex inverse along H, then real inverse
    /// along W using only the real parts of the DC and Nyquist columns), unnormalized-inverse
    /// (1/(H·W')) like TF's irfft2d.
    /// </summary>
    static double[,] NaiveIrfft2(double[,] re, double[,] im, int h, int wOut)
    {
        int fw = re.GetLength(1);
        var yRe = new double[h, fw];
        var yIm = new double[h, fw];
        for (int m = 0; m < h; m++)
        for (int l = 0; l < fw; l++)
        for (int k = 0; k < h; k++)
        {
            double a = 2 * Math.PI * k * m / h;
            yRe[m, l] += re[k, l] * Math.Cos(a) - im[k, l] * Math.Sin(a);
            yIm[m, l] += re[k, l] * Math.Sin(a) + im[k, l] * Math.Cos(a);
        }
        var x = new double[h, wOut];
        for (int m = 0; m < h; m++)
        for (int n = 0; n < wOut; n++)
        {
            double s = yRe[m, 0];
            for (int l = 1; l < wOut / 2; l++)
            {
                double a = 2 * Math.PI * l * n / wOut;
                s += 2 * (yRe[m, l] * Math.Cos(a) - yIm[m, l] * Math.Sin(a));
            }
            s += yRe[m, wOut / 2] * (n % 2 == 0 ? 1 : -1);
            x[m, n] = s / (h * wOut);
        }
        return x;
    }

    [Theory]
    [InlineData(4, 6)]
    [InlineData(5, 5)]
    public void FftImageIsTheScaledInverseRealFftDividedByFour(int h, int w)
    {
        using var p = new FftImage(1, h, w, decorrelate: false, seed: 3);
        int fw = w % 2 == 1 ? w / 2 + 2 : w / 2 + 1;
        Assert.Equal(new long[] { 1, 3, h, fw, 2 }, p.Spectrum.shape);
        var spec = p.Spectrum.detach().contiguous().data<float>().ToArray();
        var raw = p.RawImage().detach().contiguous().data<float>().ToArray();
        int wOut = w % 2 == 1 ? w + 1 : w;
        for (int c = 0; c < 3; c++)
        {
            var re = new double[h, fw];
            var im = new double[h, fw];
            for (int y = 0; y < h; y++)
            for (int x = 0; x < fw; x++)
            {
                // Fidelity sheet: scale = sqrt(w h) / max(f, 1/max(w,h)), f from numpy fftfreq.
                double fy = (y < (h + 1) / 2 ? y : y - h) / (double)h,
                    fx = (x < (w + 1) / 2 ? x : x - w) / (double)w;
                double scale =
                    Math.Sqrt(w * h) / Math.Max(Math.Sqrt(fx * fx + fy * fy), 1.0 / Math.Max(w, h));
                int i = (((c * h) + y) * fw + x) * 2;
                re[y, x] = spec[i] * scale;
                im[y, x] = spec[i + 1] * scale;
            }
            var expected = NaiveIrfft2(re, im, h, wOut);
            for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                Assert.Equal(expected[y, x] / 4, raw[(c * h + y) * w + x], 5);
        }
    }

    [Fact]
    public void FftScaleMatchesTheFidelitySheetAtHandPickedFrequencies()
    {
        using var p = new FftImage(1, 4, 6, seed: 0);
        var s = p.Scale;
        Assert.Equal(6 * Math.Sqrt(24), s[0, 0].item<float>(), 3); // DC: floored at 1/max(w,h)
        Assert.Equal(Math.Sqrt(24) / Math.Sqrt(1 / 16.0 + 1 / 36.0), s[1, 1].item<float>(), 3);
        Assert.Equal(Math.Sqrt(24) / 0.5, s[0, 3].item<float>(), 4); // fx = -0.5 (Nyquist)
        Assert.Equal(-0.5, FftImage.FftFreq(3, 6));
        Assert.Equal(0.4, FftImage.FftFreq(2, 5), 12);
        Assert.Equal(-0.4, FftImage.FftFreq(3, 5), 12);
    }

    [Fact]
    public void FftInitIsSeededNormalWithSd001()
    {
        using var a = new FftImage(2, 64, 64, seed: 7);
        using var b = new FftImage(2, 64, 64, seed: 7);
        using var c = new FftImage(2, 64, 64, seed: 8);
        Assert.True(a.Spectrum.eq(b.Spectrum).all().item<bool>());
        Assert.False(a.Spectrum.eq(c.Spectrum).all().item<bool>());
        Assert.Equal(0.01, a.Spectrum.std().item<float>(), 3);
    }

    [Fact]
    public void ColorDecorrelationUsesLucidsMatrixOverItsLargestColumnNorm()
    {
        // A pixel (1, 0, 0) in decorrelated space maps to column 0 of the matrix over the max
        // column norm.
        double maxNorm = Math.Sqrt(0.26 * 0.26 + 0.27 * 0.27 + 0.27 * 0.27); // column 0 is the longest
        var t = zeros(1, 3, 1, 1);
        t[0, 0, 0, 0] = tensor(1f);
        var rgb = ImageParam.DecorrelateColors(t).contiguous().flatten().data<float>().ToArray();
        Assert.Equal(0.26 / maxNorm, rgb[0], 5);
        Assert.Equal(0.27 / maxNorm, rgb[1], 5);
        Assert.Equal(0.27 / maxNorm, rgb[2], 5);
        var t2 = zeros(1, 3, 1, 1);
        t2[0, 2, 0, 0] = tensor(2f);
        var rgb2 = ImageParam.DecorrelateColors(t2).contiguous().flatten().data<float>().ToArray();
        Assert.Equal(
            new[] { 0.04 / maxNorm, -0.10 / maxNorm, 0.06 / maxNorm },
            rgb2.Select(v => (double)v),
            new Tol(1e-5)
        );
    }

    [Fact]
    public void ImageIsSigmoidOfDecorrelatedRawImage()
    {
        using var p = new PixelImage(2, 5, 7, decorrelate: true, seed: 1);
        var img = p.Image();
        Assert.Equal(new long[] { 2, 3, 5, 7 }, img.shape);
        var expected = ImageParam.DecorrelateColors(p.RawImage()).sigmoid();
        Assert.True(img.allclose(expected));
        Assert.True(img.min().item<float>() > 0.45f && img.max().item<float>() < 0.55f); // N(0, 0.01) init → ~0.5 gray
    }

    internal sealed class Tol(double tol) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tol;

        public int GetHashCode(double d) => 0;
    }
}
