using static TorchSharp.torch;

namespace Notebooks.Weights.Rendering;

/// <summary>The notebook's <c>build_img_grid</c>: a spatial grid of per-position images with
/// magnitude fade and padding.</summary>
public static class ImgGrid
{
    /// <summary>
    /// <paramref name="images"/> [A, B, S, S, 3] (one image per spatial position, values in [0, 1])
    /// → one image. With <paramref name="magnitudes"/> [A, B] (≥ 0), each cell fades toward 0.9
    /// gray: <c>img·m + 0.9·(1 − m)</c> with m = mag / max(mag). The grid is padded by
    /// <paramref name="padding"/> ((top, bottom), (left, right)) cells of 0.9, each cell gets one
    /// white (1.0) row and column at its bottom/right, and cells are tiled row-major.
    /// </summary>
    public static Image Build(
        Tensor images,
        Tensor? magnitudes = null,
        ((int Top, int Bottom) Rows, (int Left, int Right) Cols) padding = default,
        int? displayWidth = null
    )
    {
        TensorData.RequireRank(
            images,
            nameof(images),
            "[A, B, S, S, 3]: one RGB image per spatial position",
            5
        );
        if (images.shape[4] != 3 || images.shape[2] != images.shape[3])
            throw new ArgumentException(
                $"images must be [A, B, S, S, 3]; got {TensorData.Shape(images)}",
                nameof(images)
            );
        var (rows, cols) = padding;
        if (rows.Top < 0 || rows.Bottom < 0 || cols.Left < 0 || cols.Right < 0)
            throw new ArgumentOutOfRangeException(nameof(padding), "padding must be >= 0");
        int a = (int)images.shape[0],
            b = (int)images.shape[1],
            s = (int)images.shape[2];
        var px = TensorData.Floats(images, nameof(images));
        float[]? m = null;
        if (magnitudes is not null)
        {
            if (magnitudes.numel() != a * b)
                throw new ArgumentException(
                    $"magnitudes must have A*B = {a * b} values (shape [{a}, {b}]); got {TensorData.Shape(magnitudes)}",
                    nameof(magnitudes)
                );
            m = TensorData.Floats(magnitudes, nameof(magnitudes));
            if (m.Any(v => v < 0))
                throw new ArgumentException("magnitudes must be >= 0", nameof(magnitudes));
            float max = m.Max();
            if (max <= 0)
                throw new ArgumentException(
                    "magnitudes are all zero; cannot normalize by their max",
                    nameof(magnitudes)
                );
            m = m.Select(v => v / max).ToArray();
        }
        int ga = a + rows.Top + rows.Bottom,
            gb = b + cols.Left + cols.Right,
            cell = s + 1;
        int h = ga * cell,
            w = gb * cell;
        var dst = new float[h * w * 3];
        for (int gi = 0; gi < ga; gi++)
        for (int gj = 0; gj < gb; gj++)
        {
            int i = gi - rows.Top,
                j = gj - cols.Left;
            bool inside = i >= 0 && i < a && j >= 0 && j < b;
            for (int y = 0; y < cell; y++)
            for (int x = 0; x < cell; x++)
            for (int c = 0; c < 3; c++)
            {
                float v;
                if (y == s || x == s)
                    v = 1f;
                else if (!inside)
                    v = 0.9f;
                else
                {
                    v = px[((((i * b) + j) * s + y) * s + x) * 3 + c];
                    if (m is not null)
                    {
                        float mm = m[i * b + j];
                        v = v * mm + 0.9f * (1 - mm);
                    }
                }
                dst[((gi * cell + y) * w + gj * cell + x) * 3 + c] = v;
            }
        }
        return new Image(h, w, 3, dst, ImageDomain.Unit) { DisplayWidth = displayWidth ?? w };
    }
}
