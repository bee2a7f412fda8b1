using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.FeatureVis;

/// <summary>
/// A stochastic image transform (Lucid's <c>transform</c> module) on NCHW batches: one random draw
/// per call, shared by every image of the batch (as Lucid). Randomness comes from the
/// <see cref="Random"/> passed in, so renders are seeded. Compose with <see cref="Then"/> or
/// <see cref="Transforms.Compose"/>.
/// </summary>
public sealed class ImageTransform
{
    readonly Func<Tensor, Random, Tensor> _apply;
    readonly Func<(long Height, long Width), IEnumerable<(long Height, long Width)>>? _sizes;

    /// <summary>Wraps a transform function; <paramref name="description"/> goes into cache keys and
    /// logs. <paramref name="outputSizes"/>, when given, lists every output size the transform can
    /// produce from an input size (see <see cref="OutputSizes"/>).</summary>
    public ImageTransform(
        string description,
        Func<Tensor, Random, Tensor> apply,
        Func<(long Height, long Width), IEnumerable<(long Height, long Width)>>? outputSizes = null
    ) => (Description, _apply, _sizes) = (description, apply, outputSizes);

    /// <summary>What the transform does, e.g. <c>jitter(8)</c>.</summary>
    public string Description { get; }

    /// <summary>Applies the transform to a [N, C, H, W] batch.</summary>
    public Tensor Apply(Tensor images, Random random)
    {
        if (images.dim() != 4)
            throw new ArgumentException(
                $"Transforms take NCHW image batches; got shape [{string.Join(", ", images.shape)}].",
                nameof(images)
            );
        return _apply(images, random);
    }

    /// <summary>Every output size (height, width) the transform can produce from a
    /// <paramref name="height"/> x <paramref name="width"/> input, whatever its random draws
    /// (distinct, in draw order); null when the transform does not declare its sizes. Lets a render
    /// fit the model's input sizes before its first step (<see cref="InputSizeFit"/>).</summary>
    public IReadOnlyList<(long Height, long Width)>? OutputSizes(long height, long width) =>
        _sizes?.Invoke((height, width)).Distinct().ToArray();

    /// <summary>Whether <see cref="OutputSizes"/> is known (not null).</summary>
    public bool DeclaresOutputSizes => _sizes is not null;

    /// <summary>This transform followed by <paramref name="next"/>.</summary>
    public ImageTransform Then(ImageTransform next) => Transforms.Compose(this, next);

    /// <inheritdoc/>
    public override string ToString() => Description;
}

/// <summary>Lucid's transforms with its values: <see cref="Standard"/> = pad(12, 0.5) → jitter(8) →
/// random_scale → random_rotate → jitter(4).</summary>
public static class Transforms
{
    /// <summary>No transform.</summary>
    public static ImageTransform Identity { get; } = new("identity", (x, _) => x.alias(), s => [s]);

    /// <summary>Lucid's <c>standard_transforms</c>.</summary>
    public static ImageTransform Standard { get; } =
        Compose(
            Pad(12, 0.5),
            Jitter(8),
            RandomScale(Enumerable.Range(0, 11).Select(i => 1 + (i - 5) / 50.0).ToArray()),
            RandomRotate(
                Enumerable
                    .Range(-10, 21)
                    .Select(i => (double)i)
                    .Concat(Enumerable.Repeat(0.0, 5))
                    .ToArray()
            ),
            Jitter(4)
        );

    /// <summary>Applies the transforms in order (Lucid's <c>compose</c>).</summary>
    public static ImageTransform Compose(params ImageTransform[] transforms)
    {
        var list = transforms.ToArray();
        return new ImageTransform(
            string.Join(" → ", list.Select(t => t.Description)),
            (x, r) =>
            {
                using var scope = NewDisposeScope();
                var y = x.alias();
                foreach (var t in list)
                    y = t.Apply(y, r);
                return y.MoveToOuterDisposeScope();
            },
            ComposeSizes(list)
        );
    }

    // The output sizes of transforms applied in order; null when one of them does not declare its
    // sizes.
    static Func<(long Height, long Width), IEnumerable<(long Height, long Width)>>? ComposeSizes(
        ImageTransform[] list
    ) =>
        list.Any(t => !t.DeclaresOutputSizes)
            ? null
            : s =>
                list.Aggregate((IEnumerable<(long Height, long Width)>)[s], (sizes, t) =>
                    sizes.SelectMany(z => t.OutputSizes(z.Height, z.Width)!).Distinct()
                );

    /// <summary>Lucid's <c>pad(w, mode="constant", constant_value)</c>: <paramref name="width"/>
    /// pixels on every side, filled with <paramref name="value"/>.</summary>
    public static ImageTransform Pad(int width, double value = 0.5)
    {
        if (width < 0)
            throw new ArgumentOutOfRangeException(
                nameof(width),
                $"Pad width must be non-negative; got {width}."
            );
        return new(
            $"pad({width}, {value})",
            (x, _) =>
                nn.functional.pad(
                    x,
                    new long[] { width, width, width, width },
                    PaddingModes.Constant,
                    value
                ),
            s => [(s.Height + 2 * width, s.Width + 2 * width)]
        );
    }

    /// <summary>Lucid's <c>pad(w, mode="REFLECT")</c>.</summary>
    public static ImageTransform PadReflect(int width) =>
        new(
            $"pad_reflect({width})",
            (x, _) =>
                nn.functional.pad(
                    x,
                    new long[] { width, width, width, width },
                    PaddingModes.Reflect
                ),
            s => [(s.Height + 2 * width, s.Width + 2 * width)]
        );

    /// <summary>
    /// Lucid's <c>jitter(d)</c>: a random crop of size (H-d, W-d); the offsets are uniform in [0,
    /// d] (TF's <c>random_crop</c>; lucent draws from [0, d)). The same offset for the whole batch.
    /// </summary>
    public static ImageTransform Jitter(int d)
    {
        if (d < 0)
            throw new ArgumentOutOfRangeException(
                nameof(d),
                $"Jitter must be non-negative; got {d}."
            );
        return new(
            $"jitter({d})",
            (x, r) =>
            {
                long h = x.shape[2],
                    w = x.shape[3];
                if (h <= d || w <= d)
                    throw new ArgumentException(
                        $"jitter({d}) needs images larger than {d} px; got {h}x{w}."
                    );
                int oy = r.Next(d + 1),
                    ox = r.Next(d + 1);
                return x[.., .., oy..(int)(oy + h - d), ox..(int)(ox + w - d)];
            },
            s => s.Height > d && s.Width > d ? [(s.Height - d, s.Width - d)] : []
        );
    }

    /// <summary>
    /// Lucid's <c>random_scale(scales)</c>: one scale s drawn uniformly from
    /// <paramref name="scales"/>, then TF1 <c>resize_bilinear</c> (align_corners=False, no
    /// half-pixel centers: source = dest · in/out) to <c>(int)(s·H) x (int)(s·W)</c>.
    /// </summary>
    public static ImageTransform RandomScale(params double[] scales)
    {
        if (scales.Length == 0 || scales.Any(s => !(s > 0)))
            throw new ArgumentException("random_scale needs positive scales.", nameof(scales));
        return new(
            $"random_scale({string.Join(",", scales.Select(s => s.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)))})",
            (x, r) =>
            {
                double s = scales[r.Next(scales.Length)];
                return ResizeBilinearTf1(
                    x,
                    (int)((float)s * (float)x.shape[2]),
                    (int)((float)s * (float)x.shape[3])
                ); // float32 math, as TF
            },
            z =>
                scales.Select(s =>
                    (
                        (long)(int)((float)s * (float)z.Height),
                        (long)(int)((float)s * (float)z.Width)
                    )
                )
        );
    }

    /// <summary>
    /// Lucid's <c>random_rotate(angles)</c>: one angle (degrees) drawn uniformly from
    /// <paramref name="angles"/>, converted with Lucid's <c>3.14 · a / 180</c>, rotated about the
    /// image center with nearest-neighbour sampling and zero fill (tfa.image.rotate's defaults).
    /// </summary>
    public static ImageTransform RandomRotate(params double[] angles)
    {
        if (angles.Length == 0)
            throw new ArgumentException("random_rotate needs at least one angle.", nameof(angles));
        return new(
            $"random_rotate({angles.Min()}..{angles.Max()}, n={angles.Length})",
            (x, r) =>
            {
                double a = angles[r.Next(angles.Length)];
                return RotateNearest(x, 3.14 * a / 180.0);
            },
            s => [s]
        );
    }

    /// <summary>TF1 <c>resize_bilinear</c> (align_corners=False, half_pixel_centers=False) of an
    /// NCHW batch; differentiable.</summary>
    public static Tensor ResizeBilinearTf1(Tensor x, int outH, int outW)
    {
        if (outH < 1 || outW < 1)
            throw new ArgumentException($"Resize target must be at least 1x1; got {outH}x{outW}.");
        using var scope = NewDisposeScope();
        var (y0, y1, fy) = Taps((int)x.shape[2], outH);
        var (x0, x1, fx) = Taps((int)x.shape[3], outW);
        var dt = x.dtype;
        var rows = x.index_select(2, y0)
            .mul(tensor(fy.Select(f => 1 - f).ToArray()).to(dt).reshape(1, 1, -1, 1))
            .add(x.index_select(2, y1).mul(tensor(fy).to(dt).reshape(1, 1, -1, 1)));
        var res = rows.index_select(3, x0)
            .mul(tensor(fx.Select(f => 1 - f).ToArray()).to(dt).reshape(1, 1, 1, -1))
            .add(rows.index_select(3, x1).mul(tensor(fx).to(dt).reshape(1, 1, 1, -1)));
        return res.MoveToOuterDisposeScope();
    }

    static (Tensor i0, Tensor i1, float[] frac) Taps(int inSize, int outSize)
    {
        float scale = inSize / (float)outSize;
        var i0 = new long[outSize];
        var i1 = new long[outSize];
        var f = new float[outSize];
        for (int o = 0; o < outSize; o++)
        {
            float src = o * scale;
            long lo = (long)Math.Floor(src);
            i0[o] = Math.Min(lo, inSize - 1);
            i1[o] = Math.Min(lo + 1, inSize - 1);
            f[o] = src - lo;
        }
        return (tensor(i0), tensor(i1), f);
    }

    // Source pixel of every output pixel, per (size, angle): Lucid's angle list is short and the
    // image size is fixed in a render, so these are computed once instead of every step.
    static readonly System.Collections.Concurrent.ConcurrentDictionary<
        (int H, int W, double Radians),
        long[]
    > RotationIndex = new();

    static long[] NearestRotationIndex(int h, int w, double radians)
    {
        float c = (float)Math.Cos(radians),
            s = (float)Math.Sin(radians);
        float ox = ((w - 1) - (c * (w - 1) - s * (h - 1))) / 2,
            oy = ((h - 1) - (s * (w - 1) + c * (h - 1))) / 2;
        var idx = new long[h * w];
        for (int y = 0; y < h; y++)
        for (int xx = 0; xx < w; xx++)
        {
            float sx = c * xx - s * y + ox,
                sy = s * xx + c * y + oy;
            long ix = (long)MathF.Round(sx, MidpointRounding.AwayFromZero),
                iy = (long)MathF.Round(sy, MidpointRounding.AwayFromZero);
            idx[y * w + xx] = ix >= 0 && ix < w && iy >= 0 && iy < h ? iy * w + ix : h * w; // h*w = the zero pixel
        }
        return idx;
    }

    /// <summary>
    /// Rotation by <paramref name="radians"/> about the center as <c>tfa.image.rotate</c> (nearest,
    /// zero fill): output pixel (x, y) reads input (cos·x − sin·y + ox, sin·x + cos·y + oy),
    /// rounded half away from zero, with ox = ((W−1) − (cos·(W−1) − sin·(H−1)))/2, oy = ((H−1) −
    /// (sin·(W−1) + cos·(H−1)))/2. Differentiable.
    /// </summary>
    public static Tensor RotateNearest(Tensor x, double radians)
    {
        if (radians == 0)
            return x.alias();
        using var scope = NewDisposeScope();
        int h = (int)x.shape[2],
            w = (int)x.shape[3];
        if (RotationIndex.Count > 512)
            RotationIndex.Clear(); // bounded: many sizes/angles only cost recomputation
        var idx = RotationIndex.GetOrAdd((h, w, radians), k =>
            NearestRotationIndex(k.H, k.W, k.Radians)
        );
        var flat = x.flatten(2);
        var withZero = cat([flat, zeros(x.shape[0], x.shape[1], 1, dtype: x.dtype)], 2);
        return withZero
            .index_select(2, tensor(idx))
            .reshape(x.shape[0], x.shape[1], h, w)
            .MoveToOuterDisposeScope();
    }
}
