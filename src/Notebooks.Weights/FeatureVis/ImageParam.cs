using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.FeatureVis;

/// <summary>
/// An optimizable image (Lucid's <c>param.image</c>): a raw parameterization (FFT spectrum or
/// pixels) mapped through Lucid's color decorrelation and a sigmoid to a batch of RGB images in
/// [0,1]. <see cref="Image"/> is NCHW (what models take); <see cref="Optvis.ToHwc"/> gives Lucid's
/// NHWC.
/// </summary>
public abstract class ImageParam : IDisposable
{
    /// <summary>Lucid's <c>color_correlation_svd_sqrt</c> (square root of ImageNet color
    /// correlations).</summary>
    public static readonly float[,] ColorCorrelationSvdSqrt =
    {
        { 0.26f, 0.09f, 0.02f },
        { 0.27f, 0.00f, -0.05f },
        { 0.27f, -0.09f, 0.03f },
    };

    /// <summary>Batch size, height and width of the images.</summary>
    public int Batch { get; }

    /// <inheritdoc cref="Batch"/>
    public int Height { get; }

    /// <inheritdoc cref="Batch"/>
    public int Width { get; }

    /// <summary>Colors are in Lucid's decorrelated space (mapped back by
    /// <see cref="ColorCorrelationSvdSqrt"/> / max column norm).</summary>
    public bool Decorrelate { get; }

    /// <summary>Base constructor: validates sizes.</summary>
    protected ImageParam(int batch, int height, int width, bool decorrelate)
    {
        if (batch < 1)
            throw new ArgumentOutOfRangeException(
                nameof(batch),
                $"Batch must be at least 1; got {batch}."
            );
        if (height < 2 || width < 2)
            throw new ArgumentOutOfRangeException(
                nameof(width),
                $"Image size must be at least 2x2; got {height}x{width}."
            );
        (Batch, Height, Width, Decorrelate) = (batch, height, width, decorrelate);
    }

    /// <summary>The leaf tensors the optimizer updates.</summary>
    public abstract IReadOnlyList<TorchSharp.Modules.Parameter> Parameters { get; }

    /// <summary>The raw (pre-color) image [batch, 3, H, W] computed from
    /// <see cref="Parameters"/>.</summary>
    public abstract Tensor RawImage();

    /// <summary>The RGB images in [0,1], NCHW [batch, 3, H, W], differentiable w.r.t.
    /// <see cref="Parameters"/>.</summary>
    public Tensor Image()
    {
        using var scope = NewDisposeScope();
        var t = RawImage();
        if (Decorrelate)
            t = DecorrelateColors(t);
        return t.sigmoid().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Lucid's <c>_linear_decorelate_color</c> on NCHW: <c>rgb_i = Σ_j (M / max_k |M[:,k]|)[i, j]
    /// t_j</c> with M = <see cref="ColorCorrelationSvdSqrt"/> (Lucid multiplies NHWC pixels by the
    /// transpose on the right: the same map).
    /// </summary>
    public static Tensor DecorrelateColors(Tensor nchw)
    {
        using var scope = NewDisposeScope();
        var m = tensor(
                new[]
                {
                    ColorCorrelationSvdSqrt[0, 0],
                    ColorCorrelationSvdSqrt[0, 1],
                    ColorCorrelationSvdSqrt[0, 2],
                    ColorCorrelationSvdSqrt[1, 0],
                    ColorCorrelationSvdSqrt[1, 1],
                    ColorCorrelationSvdSqrt[1, 2],
                    ColorCorrelationSvdSqrt[2, 0],
                    ColorCorrelationSvdSqrt[2, 1],
                    ColorCorrelationSvdSqrt[2, 2],
                }
            )
            .reshape(3, 3);
        var maxNorm = m.pow(2).sum(dim: 0L).sqrt().max();
        var mn = m.div(maxNorm).to(nchw.dtype);
        return nchw.permute(0, 2, 3, 1)
            .matmul(mn.t())
            .permute(0, 3, 1, 2)
            .MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Lucid's <c>param.image(w, h, batch, sd, decorrelate, fft)</c>: an FFT (default) or pixel
    /// image, initialized with N(0, <paramref name="sd"/>) noise drawn from <paramref name="seed"/>
    /// (same seed, same image).
    /// </summary>
    public static ImageParam Create(
        int width,
        int? height = null,
        int batch = 1,
        bool fft = true,
        bool decorrelate = true,
        double sd = 0.01,
        int seed = 0,
        double decayPower = 1
    ) =>
        fft
            ? new FftImage(batch, height ?? width, width, decorrelate, sd, seed, decayPower)
            : new PixelImage(batch, height ?? width, width, decorrelate, sd, seed);

    /// <summary>
    /// Like <see cref="Create(int, int?, int, bool, bool, double, int, double)"/> with one seed per
    /// image: image i is initialized from <paramref name="imageSeeds"/>[i] alone, so it does not
    /// depend on which other images share the batch.
    /// </summary>
    public static ImageParam Create(
        int width,
        IReadOnlyList<int> imageSeeds,
        int? height = null,
        bool fft = true,
        bool decorrelate = true,
        double sd = 0.01,
        double decayPower = 1
    ) =>
        fft
            ? new FftImage(
                imageSeeds.Count,
                height ?? width,
                width,
                decorrelate,
                sd,
                0,
                decayPower,
                imageSeeds
            )
            : new PixelImage(
                imageSeeds.Count,
                height ?? width,
                width,
                decorrelate,
                sd,
                0,
                imageSeeds
            );

    /// <summary>N(0, sd) noise of <paramref name="shape"/> (batch first) from one seed, or one seed
    /// per batch element.</summary>
    internal static Tensor Noise(long[] shape, double sd, int seed, IReadOnlyList<int>? imageSeeds)
    {
        if (!(sd > 0))
            throw new ArgumentOutOfRangeException(nameof(sd), $"sd must be positive; got {sd}.");
        if (imageSeeds is null)
        {
            using var g = new Generator((ulong)seed);
            return normal(0, sd, shape, generator: g);
        }
        if (imageSeeds.Count != shape[0])
            throw new ArgumentException(
                $"Expected {shape[0]} image seeds; got {imageSeeds.Count}.",
                nameof(imageSeeds)
            );
        using var scope = NewDisposeScope();
        var one = shape.ToArray();
        one[0] = 1;
        var parts = imageSeeds
            .Select(s =>
            {
                using var g = new Generator((ulong)s);
                return normal(0, sd, one, generator: g);
            })
            .ToArray();
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Frees the parameter tensors.</summary>
    public virtual void Dispose()
    {
        foreach (var p in Parameters)
            p.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>Lucid's <c>pixel_image</c>: one free parameter per pixel and channel, N(0, sd)
/// initialized.</summary>
public sealed class PixelImage : ImageParam
{
    readonly TorchSharp.Modules.Parameter _pixels;

    /// <summary>Creates a [batch, 3, height, width] pixel parameter from
    /// <paramref name="seed"/>.</summary>
    public PixelImage(
        int batch,
        int height,
        int width,
        bool decorrelate = true,
        double sd = 0.01,
        int seed = 0,
        IReadOnlyList<int>? imageSeeds = null
    )
        : base(batch, height, width, decorrelate)
    {
        _pixels = new TorchSharp.Modules.Parameter(
            Noise([batch, 3, height, width], sd, seed, imageSeeds)
        );
        Parameters[0].DetachFromDisposeScope();
    }

    /// <inheritdoc/>
    public override IReadOnlyList<TorchSharp.Modules.Parameter> Parameters => [_pixels];

    /// <inheritdoc/>
    public override Tensor RawImage() => _pixels.alias();
}

/// <summary>
/// Lucid's <c>fft_image</c>: a spectrum <c>[batch, 3, H, W']</c> (stored as real/imaginary pairs
/// <c>[batch, 3, H, W', 2]</c>, lucent's layout) with <c>W' = W/2+1</c> (<c>W/2+2</c> for odd W,
/// cropped after, as Lucid), scaled per frequency by <see cref="Scale"/> = <c>sqrt(W H) / max(f,
/// 1/max(W,H))^decay</c>, inverse real 2-D FFT (unnormalized inverse, i.e. divided by H·W', like
/// TF's irfft2d), cropped to H x W, divided by 4.
/// </summary>
public sealed class FftImage : ImageParam
{
    readonly TorchSharp.Modules.Parameter _spectrum;
    readonly Tensor _scale;
    readonly int _fftWidth;

    /// <summary>Creates the spectrum parameter from <paramref name="seed"/> (N(0, sd) real and
    /// imaginary parts).</summary>
    public FftImage(
        int batch,
        int height,
        int width,
        bool decorrelate = true,
        double sd = 0.01,
        int seed = 0,
        double decayPower = 1,
        IReadOnlyList<int>? imageSeeds = null
    )
        : base(batch, height, width, decorrelate)
    {
        DecayPower = decayPower;
        var freqs = Rfft2dFreqs(height, width);
        _fftWidth = width % 2 == 1 ? width + 1 : width;
        int fw = freqs.GetLength(1);
        var scale = new float[height * fw];
        double floor = 1.0 / Math.Max(width, height),
            norm = Math.Sqrt((double)width * height);
        for (int y = 0; y < height; y++)
        for (int x = 0; x < fw; x++)
            scale[y * fw + x] = (float)(norm / Math.Pow(Math.Max(freqs[y, x], floor), decayPower));
        _scale = tensor(scale).reshape(height, fw).DetachFromDisposeScope();
        _spectrum = new TorchSharp.Modules.Parameter(
            Noise([batch, 3, height, fw, 2], sd, seed, imageSeeds)
        );
        Parameters[0].DetachFromDisposeScope();
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _scale.Dispose();
        base.Dispose();
    }

    /// <summary>The spectrum's decay power (1 = Lucid's default).</summary>
    public double DecayPower { get; }

    /// <summary>The per-frequency scale [H, W'] (a copy).</summary>
    public Tensor Scale => _scale.clone();

    /// <summary>The spectrum parameter [batch, 3, H, W', 2] (real, imaginary).</summary>
    public Tensor Spectrum => _spectrum;

    /// <inheritdoc/>
    public override IReadOnlyList<TorchSharp.Modules.Parameter> Parameters => [_spectrum];

    /// <summary>
    /// Lucid's <c>rfft2d_freqs</c>: <c>sqrt(fx² + fy²)</c> with numpy's <c>fftfreq</c> (fy over H,
    /// fx over the first W/2+1 columns, W/2+2 for odd W).
    /// </summary>
    public static double[,] Rfft2dFreqs(int h, int w)
    {
        int fw = w % 2 == 1 ? w / 2 + 2 : w / 2 + 1;
        var f = new double[h, fw];
        for (int y = 0; y < h; y++)
        {
            double fy = FftFreq(y, h);
            for (int x = 0; x < fw; x++)
            {
                double fx = FftFreq(x, w);
                f[y, x] = Math.Sqrt(fx * fx + fy * fy);
            }
        }
        return f;
    }

    /// <summary>numpy's <c>fftfreq(n)[k]</c>: k/n for k &lt; ceil(n/2), else (k-n)/n.</summary>
    public static double FftFreq(int k, int n) => (k < (n + 1) / 2 ? k : k - n) / (double)n;

    /// <inheritdoc/>
    public override Tensor RawImage()
    {
        using var scope = NewDisposeScope();
        var complexSpec = view_as_complex(_spectrum).mul(_scale);
        var img = fft.irfft2(
            complexSpec,
            s: new long[] { Height, _fftWidth },
            norm: FFTNormType.Backward
        );
        if (_fftWidth != Width)
            img = img[.., .., .., ..Width];
        return img.div(4.0).MoveToOuterDisposeScope();
    }
}
