using System.Globalization;
using System.Text;

namespace Notebooks.Weights.Rendering;

/// <summary>A small histogram of values (the 1-D tensor picture): equal-width bins over min..max,
/// drawn as inline SVG bars.</summary>
public sealed class Histogram : View
{
    /// <summary>Counts per bin.</summary>
    public IReadOnlyList<int> Counts { get; }

    /// <summary>Left edge of the first bin.</summary>
    public double Min { get; }

    /// <summary>Right edge of the last bin.</summary>
    public double Max { get; }

    /// <summary>Optional caption.</summary>
    public string? Label { get; init; }

    /// <summary>A histogram from precomputed counts over [min, max].</summary>
    public Histogram(IReadOnlyList<int> counts, double min, double max)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Count == 0)
            throw new ArgumentException("a histogram needs at least one bin", nameof(counts));
        if (counts.Any(c => c < 0))
            throw new ArgumentException("bin counts must be >= 0", nameof(counts));
        if (!double.IsFinite(min) || !double.IsFinite(max) || max < min)
            throw new ArgumentException(
                $"histogram range must be finite with min <= max, got [{min}, {max}]"
            );
        Counts = counts.ToList();
        Min = min;
        Max = max;
    }

    /// <summary>Bins finite <paramref name="values"/> into <paramref name="bins"/> equal
    /// bins.</summary>
    public Histogram(ReadOnlySpan<float> values, int bins = 40)
    {
        if (values.Length == 0)
            throw new ArgumentException("no values to histogram", nameof(values));
        if (bins < 1)
            throw new ArgumentOutOfRangeException(nameof(bins), bins, "bins must be >= 1");
        float lo = float.PositiveInfinity,
            hi = float.NegativeInfinity;
        foreach (var v in values)
        {
            if (!float.IsFinite(v))
                throw new ArgumentException(
                    $"values contain a non-finite value ({v})",
                    nameof(values)
                );
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
        }
        var counts = new int[bins];
        double range = hi > lo ? (double)hi - lo : 1;
        foreach (var v in values)
            counts[Math.Min(bins - 1, (int)(((double)v - lo) * bins / range))]++;
        Counts = counts;
        Min = lo;
        Max = hi;
    }

    /// <inheritdoc />
    public override string ToHtml()
    {
        const int w = 240,
            h = 48;
        double bw = (double)w / Counts.Count,
            max = Counts.Max();
        var sb = new StringBuilder(
            $"<div class=\"nw-histogram\" style=\"font:10px sans-serif\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" style=\"background:#fafafa\">"
        );
        for (int i = 0; i < Counts.Count; i++)
        {
            double bh = max > 0 ? h * Counts[i] / max : 0;
            sb.Append(
                CultureInfo.InvariantCulture,
                $"<rect x=\"{i * bw:0.##}\" y=\"{h - bh:0.##}\" width=\"{Math.Max(bw - 1, 0.5):0.##}\" height=\"{bh:0.##}\" fill=\"#4c78a8\"><title>{Counts[i]}</title></rect>"
            );
        }
        sb.Append("</svg>");
        sb.Append(
            CultureInfo.InvariantCulture,
            $"<div style=\"display:flex;justify-content:space-between;width:{w}px\"><span>{Html.Num(Min)}</span><span>{Html.Escape(Label ?? "")}</span><span>{Html.Num(Max)}</span></div></div>"
        );
        return sb.ToString();
    }

    /// <summary>PNG: bars on a light background, 240 x 48.</summary>
    public override byte[] ToPng()
    {
        const int w = 240,
            h = 48;
        var c = new Canvas(h, w, 250);
        double bw = (double)w / Counts.Count,
            max = Counts.Max();
        for (int i = 0; i < Counts.Count; i++)
        {
            int bh = max > 0 ? (int)Math.Round(h * Counts[i] / max) : 0;
            c.Fill((int)(i * bw), h - bh, Math.Max(1, (int)bw - 1), bh, 0x4c, 0x78, 0xa8);
        }
        return c.ToPng();
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"Histogram {Counts.Count} bins over [{Html.Num(Min)}, {Html.Num(Max)}]";
}
