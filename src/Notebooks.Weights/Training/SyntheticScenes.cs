using static TorchSharp.torch;

namespace Notebooks.Weights.Training;

/// <summary>
/// The training data of the default model: 64x64 RGB images in [0, 1], generated from a seed, in
/// ten classes that look a little like natural images and carry vertical-position structure.
/// <list type="number">
/// <item><c>0 stripes_horizontal</c>, <c>1 stripes_vertical</c>, <c>2 stripes_diagonal</c> (45°),
/// <c>3 stripes_antidiagonal</c> (135°): gratings between two random colors, orientation jittered
/// ±10°, 2.5–7 cycles per image, random phase, soft to hard edges.</item>
/// <item><c>4 color_blobs</c>: two to four Gaussian blobs of random saturated colors on a muted
/// background.</item>
/// <item><c>5 checkerboard</c>: two-color checkerboard, 3–8 cells per side, rotated ±15°.</item>
/// <item><c>6 sky_over_ground</c>: a landscape: blue sky gradient above a green/brown textured
/// ground, horizon at 35–65% of the height, dark objects standing on the ground (lower
/// half).</item>
/// <item><c>7 ground_over_sky</c>: the same landscapes flipped upside down: only the vertical order
/// tells 6 and 7 apart.</item>
/// <item><c>8 sun_high</c>: a landscape with a bright disc high in the sky (top 30%).</item>
/// <item><c>9 ball_low</c>: a landscape with the same kind of disc low on the ground (bottom
/// 30%).</item>
/// </list>
/// Every image gets a random brightness/contrast jitter and Gaussian pixel noise (σ 0.02–0.12).
/// Image <c>i</c> of a stream depends only on (seed, stream, i) through <see cref="SplitMix64"/>,
/// so batches can be regenerated in any order. The class of image i is drawn uniformly. Bump
/// <see cref="Version"/> whenever the output changes.
/// <para><b>Vertical-position structure</b> (what the weight-banding lab needs): in natural images
/// "up" differs from "down" (sky above, ground below, light from above) while left and right are
/// interchangeable. Classes 6–9 carry that asymmetry: every landscape has sky above ground; 6 and 7
/// differ only in vertical order, 8 and 9 only in the height of the disc, so a classifier must know
/// where along y things are, while no class depends on x position. Classes 0–5 are position-free
/// textures (their statistics are the same everywhere). A network whose head averages away position
/// (global average pooling) has to encode vertical position in its convolutions to tell 6/7 and 8/9
/// apart; that is the condition under which the article expects banding. Rotating the images by 90°
/// (<c>rotate90</c>) moves this structure from y to x, so the same argument predicts vertical
/// bands.</para>
/// </summary>
public static class SyntheticScenes
{
    /// <summary>Version of the generator; recorded with trained weights.</summary>
    public const int Version = 1;

    /// <summary>Stream id of training images.</summary>
    public const ulong TrainStream = 1;

    /// <summary>Stream id of validation images (disjoint from training).</summary>
    public const ulong ValidationStream = 2;

    /// <summary>Class names, by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
    [
        "stripes_horizontal",
        "stripes_vertical",
        "stripes_diagonal",
        "stripes_antidiagonal",
        "color_blobs",
        "checkerboard",
        "sky_over_ground",
        "ground_over_sky",
        "sun_high",
        "ball_low",
    ];

    /// <summary>Number of classes.</summary>
    public static int Classes => ClassNames.Count;

    /// <summary>
    /// Images <paramref name="start"/> .. start+count-1 of <paramref name="stream"/>: a [count, 3,
    /// size, size] float tensor in [0, 1] and their int64 labels. <paramref name="rotate90"/>
    /// rotates every image by 90° counter-clockwise (the "rotated data" banding variant).
    /// </summary>
    public static (Tensor Images, Tensor Labels) Batch(
        ulong seed,
        ulong stream,
        long start,
        int count,
        int size = 64,
        bool rotate90 = false
    )
    {
        if (count <= 0)
            throw new ArgumentOutOfRangeException(
                nameof(count),
                $"Batch size must be positive; got {count}."
            );
        if (size < 8)
            throw new ArgumentOutOfRangeException(
                nameof(size),
                $"Image size must be at least 8; got {size}."
            );
        if (start < 0)
            throw new ArgumentOutOfRangeException(
                nameof(start),
                $"Start index must be non-negative; got {start}."
            );
        int plane = size * size;
        var pixels = new float[count * 3 * plane];
        var labels = new long[count];
        Parallel.For(0, count, i =>
        {
            var img = Render(seed, stream, (ulong)(start + i), size, out int label);
            if (rotate90)
                img = Rotate90(img, size);
            Array.Copy(img, 0, pixels, i * 3 * plane, 3 * plane);
            labels[i] = label;
        });
        return (tensor(pixels, [count, 3, size, size]), tensor(labels));
    }

    /// <summary>One image (CHW floats in [0,1]) and its label.</summary>
    public static float[] Render(ulong seed, ulong stream, ulong index, int size, out int label)
    {
        var rng = SplitMix64.For(seed, stream, index);
        label = rng.Next(Classes);
        var img = new float[3 * size * size];
        switch (label)
        {
            case 0:
                Stripes(img, size, rng, 0);
                break;
            case 1:
                Stripes(img, size, rng, 90);
                break;
            case 2:
                Stripes(img, size, rng, 45);
                break;
            case 3:
                Stripes(img, size, rng, 135);
                break;
            case 4:
                Blobs(img, size, rng);
                break;
            case 5:
                Checkerboard(img, size, rng);
                break;
            case 6:
                Landscape(img, size, rng);
                break;
            case 7:
                Landscape(img, size, rng);
                FlipVertical(img, size);
                break;
            case 8:
                Landscape(img, size, rng);
                Disc(img, size, rng, rng.Uniform(0.08, 0.3));
                break;
            default:
                Landscape(img, size, rng);
                Disc(img, size, rng, rng.Uniform(0.7, 0.92));
                break;
        }
        Finish(img, rng);
        return img;
    }

    static double[] RandomColor(SplitMix64 rng) =>
        [rng.NextDouble(), rng.NextDouble(), rng.NextDouble()];

    static (double[] A, double[] B) ContrastingColors(SplitMix64 rng)
    {
        while (true)
        {
            var a = RandomColor(rng);
            var b = RandomColor(rng);
            double d = Math.Sqrt(
                (a[0] - b[0]) * (a[0] - b[0])
                    + (a[1] - b[1]) * (a[1] - b[1])
                    + (a[2] - b[2]) * (a[2] - b[2])
            );
            if (d > 0.45)
                return (a, b);
        }
    }

    static void Set(float[] img, int size, int x, int y, double[] c)
    {
        int plane = size * size,
            p = y * size + x;
        img[p] = (float)c[0];
        img[plane + p] = (float)c[1];
        img[2 * plane + p] = (float)c[2];
    }

    static void Blend(float[] img, int size, int x, int y, double[] c, double alpha)
    {
        int plane = size * size,
            p = y * size + x;
        for (int k = 0; k < 3; k++)
            img[k * plane + p] = (float)((1 - alpha) * img[k * plane + p] + alpha * c[k]);
    }

    static double[] Mix(double[] a, double[] b, double t) =>
        [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];

    static void Stripes(float[] img, int size, SplitMix64 rng, double degrees)
    {
        var (a, b) = ContrastingColors(rng);
        double theta = (degrees + rng.Uniform(-10, 10)) * Math.PI / 180;
        double cycles = rng.Uniform(2.5, 7),
            phase = rng.Uniform(0, 2 * Math.PI),
            sharp = rng.Uniform(1, 8);
        // Stripes run along direction theta (0° = horizontal); intensity varies along the normal.
        double nx = -Math.Sin(theta),
            ny = Math.Cos(theta);
        for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
        {
            double u = (double)x / size - 0.5,
                v = (double)y / size - 0.5;
            double s = Math.Sin(2 * Math.PI * cycles * (u * nx + v * ny) + phase);
            Set(img, size, x, y, Mix(a, b, 0.5 + 0.5 * Math.Tanh(sharp * s)));
        }
    }

    static void Blobs(float[] img, int size, SplitMix64 rng)
    {
        var bg = Mix(RandomColor(rng), [0.5, 0.5, 0.5], 0.6);
        for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
            Set(img, size, x, y, bg);
        int n = 2 + rng.Next(3);
        for (int i = 0; i < n; i++)
        {
            var c = Saturated(rng);
            double cx = rng.Uniform(0.1, 0.9),
                cy = rng.Uniform(0.1, 0.9),
                r = rng.Uniform(0.07, 0.18);
            for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double dx = (double)x / size - cx,
                    dy = (double)y / size - cy;
                Blend(img, size, x, y, c, Math.Exp(-(dx * dx + dy * dy) / (2 * r * r)));
            }
        }
    }

    static double[] Saturated(SplitMix64 rng)
    {
        // A random hue at full saturation, value 0.7-1.
        double h = rng.NextDouble() * 6,
            v = rng.Uniform(0.7, 1),
            f = h - Math.Floor(h);
        return ((int)h % 6) switch
        {
            0 => [v, v * f, 0],
            1 => [v * (1 - f), v, 0],
            2 => [0, v, v * f],
            3 => [0, v * (1 - f), v],
            4 => [v * f, 0, v],
            _ => [v, 0, v * (1 - f)],
        };
    }

    static void Checkerboard(float[] img, int size, SplitMix64 rng)
    {
        var (a, b) = ContrastingColors(rng);
        double cells = rng.Uniform(3, 8),
            theta = rng.Uniform(-15, 15) * Math.PI / 180,
            ox = rng.NextDouble(),
            oy = rng.NextDouble();
        double c = Math.Cos(theta),
            s = Math.Sin(theta);
        for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
        {
            double u = (double)x / size - 0.5,
                v = (double)y / size - 0.5;
            double ru = (c * u + s * v) * cells + ox,
                rv = (-s * u + c * v) * cells + oy;
            bool odd = ((long)Math.Floor(ru) + (long)Math.Floor(rv)) % 2 != 0;
            Set(img, size, x, y, odd ? a : b);
        }
    }

    static void Landscape(float[] img, int size, SplitMix64 rng)
    {
        double horizon = rng.Uniform(0.35, 0.65),
            tilt = rng.Uniform(-0.08, 0.08);
        double[] skyTop = [rng.Uniform(0.05, 0.3), rng.Uniform(0.2, 0.45), rng.Uniform(0.55, 0.95)];
        double[] skyLow = Mix(skyTop, [0.85, 0.9, 1.0], rng.Uniform(0.3, 0.8));
        double[] ground =
            rng.NextDouble() < 0.5
                ? [rng.Uniform(0.1, 0.35), rng.Uniform(0.35, 0.65), rng.Uniform(0.05, 0.25)] // grass
                : [rng.Uniform(0.35, 0.6), rng.Uniform(0.25, 0.4), rng.Uniform(0.1, 0.2)]; // soil
        // Low-frequency ground texture: a few random sinusoids.
        var waves = Enumerable
            .Range(0, 3)
            .Select(_ =>
                (fx: rng.Uniform(1, 6), fy: rng.Uniform(2, 10), ph: rng.Uniform(0, 2 * Math.PI))
            )
            .ToArray();
        double texture = rng.Uniform(0.03, 0.12);
        for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
        {
            double u = (double)x / size,
                v = (double)y / size;
            double h = horizon + tilt * (u - 0.5);
            if (v < h)
                Set(img, size, x, y, Mix(skyTop, skyLow, v / h));
            else
            {
                double t = waves.Sum(w => Math.Sin(2 * Math.PI * (w.fx * u + w.fy * v) + w.ph)) / 3;
                double shade = 1 + texture * t - 0.25 * (v - h);
                Set(img, size, x, y, [ground[0] * shade, ground[1] * shade, ground[2] * shade]);
            }
        }
        // Dark objects standing on the ground (trees, rocks), their base below the horizon.
        int n = rng.Next(4);
        for (int i = 0; i < n; i++)
        {
            double cx = rng.Uniform(0.05, 0.95),
                w = rng.Uniform(0.03, 0.1),
                ht = rng.Uniform(0.05, 0.2);
            double baseY = rng.Uniform(horizon + 0.05, 0.98);
            double[] c = [rng.Uniform(0.05, 0.3), rng.Uniform(0.05, 0.3), rng.Uniform(0.02, 0.2)];
            for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double u = (double)x / size,
                    v = (double)y / size;
                if (Math.Abs(u - cx) < w && v <= baseY && v > baseY - ht)
                    Set(img, size, x, y, c);
            }
        }
    }

    static void Disc(float[] img, int size, SplitMix64 rng, double cy)
    {
        double[] c = [rng.Uniform(0.85, 1), rng.Uniform(0.3, 0.95), rng.Uniform(0, 0.3)];
        double cx = rng.Uniform(0.15, 0.85),
            r = rng.Uniform(0.05, 0.1);
        for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
        {
            double dx = (double)x / size - cx,
                dy = (double)y / size - cy;
            double d = Math.Sqrt(dx * dx + dy * dy);
            Blend(img, size, x, y, c, Math.Clamp((r - d) * size + 0.5, 0, 1));
        }
    }

    static void FlipVertical(float[] img, int size)
    {
        for (int k = 0; k < 3; k++)
        for (int y = 0; y < size / 2; y++)
        for (int x = 0; x < size; x++)
        {
            int a = k * size * size + y * size + x,
                b = k * size * size + (size - 1 - y) * size + x;
            (img[a], img[b]) = (img[b], img[a]);
        }
    }

    static float[] Rotate90(float[] img, int size)
    {
        // Counter-clockwise: out[y, x] = in[x, size-1-y].
        var r = new float[img.Length];
        for (int k = 0; k < 3; k++)
        for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
            r[k * size * size + y * size + x] = img[k * size * size + x * size + (size - 1 - y)];
        return r;
    }

    static void Finish(float[] img, SplitMix64 rng)
    {
        double gain = rng.Uniform(0.8, 1.15),
            offset = rng.Uniform(-0.08, 0.08),
            sigma = rng.Uniform(0.02, 0.12);
        for (int i = 0; i < img.Length; i++)
            img[i] = (float)Math.Clamp(gain * img[i] + offset + sigma * rng.Normal(), 0, 1);
    }
}
