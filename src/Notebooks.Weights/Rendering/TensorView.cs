using System.Globalization;
using static TorchSharp.torch;

namespace Notebooks.Weights.Rendering;

/// <summary>
/// The picture of a raw tensor (what the kernel extension shows for <c>torch.Tensor</c>): a
/// one-line summary (shape, dtype, min/max/mean) plus 1-D → <see cref="Histogram"/>; 2-D → weight
/// heatmap; [3, H, W] or [H, W, 3] → RGB image (min..max); other 3-D → heatmaps of the first
/// slices; 4-D conv weights [O, I, kH, kW] → per-unit filters (RGB when I = 3; a unit ×
/// input-channel grid otherwise; the [O, I] matrix for 1×1 kernels). Large tensors are downsampled
/// (average pooling to at most <see cref="MaxSide"/> per side) or truncated to the first units, and
/// the caption says so; values are never dumped.
/// </summary>
public sealed class TensorView : View
{
    /// <summary>Largest picture side in pixels before downsampling.</summary>
    public const int MaxSide = 256;

    /// <summary>Most units / slices drawn.</summary>
    public const int MaxUnits = 16;

    /// <summary>The text/plain summary.</summary>
    public string Summary { get; }

    /// <summary>The picture, or null (scalars, empty, non-finite, rank &gt; 4).</summary>
    public View? Picture { get; }

    /// <summary>Notes such as "downsampled from 1000x1000".</summary>
    public IReadOnlyList<string> Notes { get; }

    TensorView(string summary, View? picture, List<string> notes)
    {
        Summary = summary;
        Picture = picture;
        Notes = notes;
    }

    /// <summary>Builds the view of <paramref name="t"/>.</summary>
    public static TensorView Of(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        using var scope = NewDisposeScope();
        var summary = Summarize(t, out bool drawable);
        var notes = new List<string>();
        View? pic = null;
        if (drawable)
        {
            var f = t.detach().cpu().to_type(ScalarType.Float32);
            pic = f.dim() switch
            {
                1 => Hist(f),
                2 => Heat2D(f, notes),
                3 when f.shape[0] == 3 || f.shape[2] == 3 => Rgb(f, notes),
                3 => Slices(f, notes),
                4 => Conv(f, notes),
                _ => null,
            };
            if (f.dim() > 4)
                notes.Add($"rank {f.dim()}: no picture; index it down to ≤ 4 dimensions");
        }
        return new TensorView(summary, pic, notes);
    }

    /// <summary>"Tensor [64, 3, 7, 7] Float32 cpu · min … max … mean …" (with NaN/Inf counts when
    /// present).</summary>
    public static string Summarize(Tensor t, out bool drawable)
    {
        var head = $"Tensor [{string.Join(", ", t.shape)}] {t.dtype} {t.device}";
        drawable = false;
        if (t.numel() == 0)
            return head + " · empty";
        if (t.dtype is ScalarType.ComplexFloat32 or ScalarType.ComplexFloat64)
            return head + " · complex (no statistics)";
        using var scope = NewDisposeScope();
        var f = t.detach().cpu().to_type(ScalarType.Float64);
        var finite = f.isfinite();
        long nonFinite = f.numel() - finite.sum().item<long>();
        string Fmt(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
        if (nonFinite == f.numel())
            return head + $" · all {nonFinite} values are NaN/Inf";
        var vals = f.masked_select(finite);
        var s =
            head
            + $" · min {Fmt(vals.min().item<double>())} max {Fmt(vals.max().item<double>())} mean {Fmt(vals.mean().item<double>())}";
        if (vals.numel() > 1)
            s += $" std {Fmt(vals.std().item<double>())}";
        if (nonFinite > 0)
            s += $" · {nonFinite} NaN/Inf value(s): no picture";
        drawable = nonFinite == 0 && t.dim() >= 1;
        return s;
    }

    static Histogram Hist(Tensor f)
    {
        // binned natively (bincount), so a 10^8-element vector never becomes a managed array; same
        // rule as Histogram
        double lo = f.min().item<float>(),
            hi = f.max().item<float>();
        const int bins = 40;
        if (hi == lo)
            return new Histogram(
                [.. Enumerable.Repeat(0, bins - 1).Prepend((int)f.numel())],
                lo,
                hi
            );
        var idx = ((f.to_type(ScalarType.Float64) - lo) * bins / (hi - lo))
            .floor()
            .clamp(0, bins - 1)
            .to_type(ScalarType.Int64);
        var counts = bincount(idx, minlength: bins).data<long>().Select(c => (int)c).ToArray();
        return new Histogram(counts, lo, hi);
    }

    static Tensor Shrink(Tensor hw, List<string> notes)
    {
        long h = hw.shape[^2],
            w = hw.shape[^1];
        if (h <= MaxSide && w <= MaxSide)
            return hw;
        long nh = Math.Min(h, MaxSide),
            nw = Math.Min(w, MaxSide);
        notes.Add($"downsampled from {h}x{w} to {nh}x{nw} by average pooling");
        var x = hw.dim() == 2 ? hw.unsqueeze(0).unsqueeze(0) : hw.unsqueeze(0);
        var y = nn.functional.adaptive_avg_pool2d(x, [nh, nw]);
        return hw.dim() == 2 ? y[0, 0] : y[0];
    }

    static View Heat2D(Tensor f, List<string> notes)
    {
        var small = Shrink(f, notes);
        var h = WeightColorScale.Heatmap(small, WeightNormalization.MaxAbs);
        int cw = (int)Math.Min(MaxSide, Math.Max(small.shape[1] * 8, 64));
        return new ImageRow([h.Image.With(displayWidth: cw, label: h.RangeText)])
        {
            Legend = new ColorLegend(h.Scale),
        };
    }

    static View Rgb(Tensor f, List<string> notes)
    {
        var chw = f.shape[0] == 3 ? f : f.permute(2, 0, 1);
        var small = Shrink(chw, notes);
        var img = Image.FromTensor(small, ImageDomain.MinMax);
        notes.Add(
            $"RGB, domain min..max ({Html.Num(img.EffectiveDomain.Lo)}, {Html.Num(img.EffectiveDomain.Hi)})"
        );
        return img.With(displayWidth: (int)Math.Min(MaxSide, Math.Max(small.shape[2] * 4, 64)));
    }

    static View Slices(Tensor f, List<string> notes)
    {
        long n = f.shape[0];
        if (n > MaxUnits)
            notes.Add($"first {MaxUnits} of {n} slices along dim 0");
        var take = f[..(int)Math.Min(n, MaxUnits)];
        var small = Shrink(take, notes);
        var scale = WeightNormalization.MaxAbs.Divisor(small.contiguous().data<float>().ToArray());
        var norm = WeightNormalization.DivideBy(scale);
        var imgs = Enumerable
            .Range(0, (int)small.shape[0])
            .Select(i =>
                WeightColorScale
                    .Heatmap(small[i], norm)
                    .Image.With(displayWidth: 64, label: $"[{i}]")
            )
            .ToList();
        return new ImageRow(imgs) { Legend = new ColorLegend(scale) };
    }

    static View Conv(Tensor f, List<string> notes)
    {
        long o = f.shape[0],
            i = f.shape[1];
        int units = (int)Math.Min(o, f.shape[1] == 3 ? 64 : MaxUnits);
        if (o > units)
            notes.Add($"first {units} of {o} units");
        if (f.shape[2] == 1 && f.shape[3] == 1)
            return Heat2D(f[.., .., 0, 0], notes);
        if (i == 3)
        {
            // per-unit contrast as the notebook's first cell: 0.5 + 0.5 w / max|w_unit|
            var w = f[..units].permute(0, 2, 3, 1);
            var m = w.abs().amax([1, 2, 3], keepdim: true).clamp_min(1e-30f);
            notes.Add("RGB filters, gray = 0, each unit scaled by its own max |w|");
            return ImageRow.FromTensor(
                0.5f + 0.5f * w / m,
                Enumerable
                    .Range(0, units)
                    .Select(u => u.ToString(CultureInfo.InvariantCulture))
                    .ToList(),
                ImageDomain.Unit,
                48
            );
        }
        int ins = (int)Math.Min(i, MaxUnits);
        if (i > ins)
            notes.Add($"first {ins} of {i} input channels");
        // [O, I, kH, kW] → [kH, kW, I, O] for SmallMultiples (rows: units, cols: input channels)
        var hwio = f[..units, ..ins].permute(2, 3, 0, 1).contiguous();
        return SmallMultiples.Create(
            hwio,
            "unit",
            Enumerable.Range(0, units).ToList(),
            "in",
            Enumerable.Range(0, ins).ToList(),
            cellSize: 24
        );
    }

    /// <inheritdoc />
    public override string ToHtml() =>
        $"<div class=\"nw-tensor\"><div class=\"nw-summary\" style=\"font:12px monospace;margin-bottom:4px\">{Html.Escape(Summary)}</div>"
        + (Picture?.ToHtml() ?? "")
        + string.Concat(
            Notes.Select(n =>
                $"<div class=\"nw-note\" style=\"font:11px sans-serif;color:#666\">{Html.Escape(n)}</div>"
            )
        )
        + "</div>";

    /// <inheritdoc />
    public override byte[] ToPng() =>
        Picture?.ToPng()
        ?? throw new InvalidOperationException($"no picture for this tensor: {Summary}");

    /// <inheritdoc />
    public override string ToString() => Summary;
}
