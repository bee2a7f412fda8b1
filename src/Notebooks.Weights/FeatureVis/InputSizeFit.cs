using Notebooks.Weights.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.FeatureVis;

/// <summary>
/// Keeps transformed images at input sizes a model's graph accepts. Random scaling makes every
/// step's image a slightly different size; graphs with fixed explicit padding (e.g. CNTK's ResNet18
/// export, where a residual branch's padded 3x3 stride-2 conv and its 1x1 stride-2 shortcut agree
/// only for some sizes) or fixed-size dense layers compute only at some of them. For each size it
/// meets, the fit probes once (a no-grad forward on zeros, up to the layers the objective reads, at
/// the render's batch size) whether the model computes those layers; a size it refuses is replaced
/// by the nearest accepted size (ties: the smaller, i.e. crop) by a center crop or a center pad
/// with gray 0.5 (the value of Lucid's <c>pad</c> transform). Height and width are fitted
/// independently (probed as squares: conv, pool and add graphs constrain both axes alike) and the
/// pair is checked. Probe results live in this object (one per render).
/// </summary>
public sealed class InputSizeFit
{
    readonly VisionModel _model;
    readonly string[] _layers;
    readonly Dictionary<(long H, long W, long N), string?> _probes = [];

    /// <summary>A fit for computing <paramref name="layers"/> of <paramref name="model"/> (the
    /// pseudo-layer "input" needs no fit).</summary>
    public InputSizeFit(VisionModel model, IEnumerable<string> layers)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _layers = layers.Where(l => l != VisionModel.InputLayer).Distinct().ToArray();
        foreach (var l in _layers)
            model.Layer(l);
    }

    /// <summary>Largest crop or pad per side considered for <paramref name="size"/>: max(16,
    /// size/4) pixels.</summary>
    public static int MaxShift(long size) => (int)Math.Max(16, size / 4);

    /// <summary>Number of probe forwards run so far.</summary>
    public int Probes => _probes.Count;

    /// <summary>Null when the model computes the layers for a [batch, C, height, width] input;
    /// otherwise the first line of its error.</summary>
    public string? Refusal(long height, long width, long batch)
    {
        if (_layers.Length == 0)
            return null;
        if (_probes.TryGetValue((height, width, batch), out var known))
            return known;
        string? why = null;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            try
            {
                _model.Run(
                    _model.Preprocess(full(batch, _model.Input.Channels, height, width, 0.5f)),
                    new RunOptions { Capture = _layers }
                );
            }
            catch (Exception e)
                when (e
                        is ArgumentException
                            or InvalidOperationException
                            or System.Runtime.InteropServices.ExternalException
                )
            {
                why = e.Message.Split('\n')[0];
            }
        }
        return _probes[(height, width, batch)] = why;
    }

    /// <summary>The accepted size nearest to <paramref name="height"/> x <paramref name="width"/>
    /// for a batch of <paramref name="batch"/>.</summary>
    public (long Height, long Width) Nearest(long height, long width, long batch)
    {
        if (Refusal(height, width, batch) is null)
            return (height, width);
        long h = NearestSide(height, batch),
            w = width == height ? h : NearestSide(width, batch);
        if (h < 0 || w < 0 || Refusal(h, w, batch) is not null)
            throw new ArgumentException(
                $"{_model.Name} cannot compute {string.Join(", ", _layers)} on a {height}x{width} input ({Refusal(height, width, batch)}), "
                    + $"and no input size within {MaxShift(Math.Max(height, width))} px of it works either"
                    + (h >= 0 && w >= 0 ? $" ({h}x{w}: {Refusal(h, w, batch)})" : "")
                    + $". Render at the model's input size {_model.Input.DefaultSize} or choose an earlier layer."
            );
        return (h, w);
    }

    /// <summary>
    /// Probes every one of <paramref name="sizes"/> (and, for a refused one, its nearest accepted
    /// size) now, so that <see cref="Apply"/> runs no probe for them later: a render calls this
    /// before its first step with the transforms' <see cref="ImageTransform.OutputSizes"/>, which
    /// keeps the probes out of the optimization steps. Returns the number of probes run. A size
    /// with no accepted size near it is not an error here: <see cref="Apply"/> reports it if a step
    /// meets it.
    /// </summary>
    public int Prefit(IEnumerable<(long Height, long Width)> sizes, long batch)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        int before = Probes;
        foreach (var (h, w) in sizes)
        {
            try
            {
                Nearest(h, w, batch);
            }
            catch (ArgumentException) { } // the same error is thrown by Apply at this size
        }
        return Probes - before;
    }

    // The accepted side nearest to size (probed as squares: conv graphs constrain both axes alike);
    // -1 when none within MaxShift.
    long NearestSide(long size, long batch)
    {
        if (Refusal(size, size, batch) is null)
            return size;
        for (long d = 1; d <= MaxShift(size); d++)
            foreach (var s in new[] { size - d, size + d })
                if (s >= 1 && Refusal(s, s, batch) is null)
                    return s;
        return -1;
    }

    /// <summary>Crops or pads (center, gray 0.5) an NCHW batch to the nearest accepted size;
    /// returns an alias when it already fits.</summary>
    public Tensor Apply(Tensor images)
    {
        if (images.dim() != 4)
            throw new ArgumentException(
                $"InputSizeFit takes NCHW image batches; got shape [{string.Join(", ", images.shape)}].",
                nameof(images)
            );
        long n = images.shape[0],
            h = images.shape[2],
            w = images.shape[3];
        var (th, tw) = Nearest(h, w, n);
        if (th == h && tw == w)
            return images.alias();
        return Resize(images, th, tw);
    }

    /// <summary>Center crop or center pad with 0.5 to <paramref name="height"/> x
    /// <paramref name="width"/> (extra pixel of an odd difference: bottom/right).</summary>
    public static Tensor Resize(Tensor images, long height, long width)
    {
        using var scope = NewDisposeScope();
        var x = images.alias();
        long dh = height - x.shape[2],
            dw = width - x.shape[3];
        if (dh < 0)
        {
            long top = -dh / 2;
            x = x[.., .., (int)top..(int)(top + height), ..];
        }
        if (dw < 0)
        {
            long left = -dw / 2;
            x = x[.., .., .., (int)left..(int)(left + width)];
        }
        if (dh > 0 || dw > 0)
        {
            long ph = Math.Max(dh, 0),
                pw = Math.Max(dw, 0);
            x = nn.functional.pad(
                x,
                [pw / 2, pw - pw / 2, ph / 2, ph - ph / 2],
                PaddingModes.Constant,
                0.5
            );
        }
        return x.MoveToOuterDisposeScope();
    }
}
