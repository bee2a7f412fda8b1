using SkiaSharp;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// <c>weights banding</c>: the weight-banding analysis of one conv weight: horizontal / vertical
/// banding scores and the color-consistent, similarity-sorted grid of per-neuron one-sided NMF
/// images.
/// </summary>
public sealed class BandingVerb()
    : Verb(
        "banding",
        "banding score of a conv layer and its sorted, color-consistent NMF grid (weight-banding article)"
    )
{
    readonly LayerOptions _layer = new();
    readonly Option<string?> _out = Opt.OptionalOut(
        "grid.npy: also write the NMF grid (RGB [H, W, 3]) as .npy"
    );
    readonly Option<string?> _png = Opt.OptionalText(
        "--png",
        "also write the NMF grid as a PNG image to this file"
    );
    readonly Option<int> _components = Opt.Int("--components", "NMF components", 3, min: 1);
    readonly Option<int> _columns = Opt.Int("--columns", "units per grid row", 32, min: 1);
    readonly Option<int> _scale = Opt.Int(
        "--scale",
        "pixels per weight in the PNG",
        8,
        min: 1,
        max: 64
    );
    readonly Option<bool> _json = Opt.Json();
    public override string Notes =>
        "  weights banding --model M --layer L [--components 3] [--columns 32] [--out grid.npy] [--png grid.png] [--scale 8] [--json]\n"
        + "  L: a conv layer (layer4.2.conv2, mixed5b_3x3), a layer alias (Convolution387) or a conv weight name (mixed5b_3x3_w, Parameter10)";

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var (modelName, layer) = _layer.Read(args);
        int k = args.Get(_components),
            columns = args.Get(_columns),
            scale = args.Get(_scale);
        var (outNpy, outPng) = (args.Get(_out), args.Get(_png));

        if (outNpy is not null)
            OutputPaths.File(outNpy);
        if (outPng is not null)
            OutputPaths.File(outPng, "--png");
        using var model = args.Models.LoadModel(modelName);
        using var scope = NewDisposeScope();
        var (weightName, weight) = ResolveWeight(model, layer);
        var sw = Stopwatch.StartNew();
        var banding = BandingScore.ForLayer(weight);
        using var grid = LayerFactorGrid.Compute(weight, k);
        double ms = sw.Elapsed.TotalMilliseconds;
        var mosaic = grid.Mosaic(columns);
        if (outNpy is not null)
            Npy.Save(outNpy, mosaic.to_type(ScalarType.Float32).contiguous());
        if (outPng is not null)
            SavePng(outPng, mosaic, scale);

        var slotCounts = Enumerable
            .Range(0, k)
            .Select(j => grid.DominantSlot.Count(d => d == j))
            .ToArray();
        var topH = banding
            .Neurons.Select((s, i) => (s, i))
            .OrderByDescending(p => p.s.Horizontal)
            .Take(10)
            .ToList();
        if (args.Get(_json))
        {
            var o = new Dictionary<string, object?>
            {
                ["model"] = model.Name,
                ["weight"] = weightName,
                ["shape"] = weight.shape,
                ["horizontal"] = banding.Horizontal,
                ["vertical"] = banding.Vertical,
                ["baseline_horizontal"] = banding.BaselineHorizontal,
                ["baseline_vertical"] = banding.BaselineVertical,
                ["mean_neuron_horizontal"] = banding.MeanNeuronHorizontal,
                ["mean_neuron_vertical"] = banding.MeanNeuronVertical,
                ["neuron_horizontal"] = banding.Neurons.Select(n => n.Horizontal).ToArray(),
                ["neuron_vertical"] = banding.Neurons.Select(n => n.Vertical).ToArray(),
                ["components"] = k,
                ["order"] = grid.Order,
                ["dominant_slot"] = grid.DominantSlot,
                ["palette"] = Enumerable
                    .Range(0, k)
                    .Select(j => CollapseChannels.HueToRgb(360.0 * j / k))
                    .ToArray(),
                ["nmf_mean_relative_error"] = grid.Nmf.RelativeError.Average(),
                ["nmf_not_converged"] = grid.Nmf.Converged.Count(c => !c),
                ["milliseconds"] = ms,
                ["out"] = outNpy,
                ["png"] = outPng,
            };
            stdout.WriteLine(JsonSerializer.Serialize(o, CliJson.Indented));
            return 0;
        }
        stdout.WriteLine($"{model.Name} {weightName} [{string.Join(", ", weight.shape)}]");
        stdout.WriteLine(
            $"  horizontal banding {banding.Horizontal:F3} (random weights: {banding.BaselineHorizontal:F3}; mean per neuron {banding.MeanNeuronHorizontal:F3})"
        );
        stdout.WriteLine(
            $"  vertical banding   {banding.Vertical:F3} (random weights: {banding.BaselineVertical:F3}; mean per neuron {banding.MeanNeuronVertical:F3})"
        );
        stdout.WriteLine(
            $"  one-sided NMF K={k} per neuron: mean rel. error {grid.Nmf.RelativeError.Average():F4}, {grid.Nmf.Converged.Count(c => !c)} not converged; {ms:F0} ms"
        );
        stdout.WriteLine(
            $"  neurons per dominant color: {string.Join(", ", slotCounts.Select((c, j) => $"{HueName(360.0 * j / k)} {c}"))}"
        );
        stdout.WriteLine(
            $"  most horizontally banded neurons: {string.Join(", ", topH.Select(p => $"{p.i} ({p.s.Horizontal:F2})"))}"
        );
        stdout.WriteLine(
            $"  grid order (first 32): {string.Join(" ", grid.Order.Take(32))}{(grid.Order.Length > 32 ? " ..." : "")}"
        );
        if (outNpy is not null)
            stdout.WriteLine($"  wrote {outNpy} [{string.Join(", ", mosaic.shape)}]");
        if (outPng is not null)
            stdout.WriteLine(
                $"  wrote {outPng} ({mosaic.shape[1] * scale}x{mosaic.shape[0] * scale} px)"
            );
        return 0;
    }

    /// <summary>A conv weight [O, I, kH, kW] by parameter name/alias, alias + "_w", or layer name
    /// (see <see cref="VisionModel.WeightByName"/>).</summary>
    internal static (string name, Tensor weight) ResolveWeight(VisionModel model, string layer)
    {
        var (name, weight) = model.WeightByName(layer);
        if (weight.dim() != 4)
            throw new ArgumentException(
                $"'{layer}' of {model.Name} resolves to weight '{name}' of shape [{string.Join(", ", weight.shape)}]; banding needs a conv weight [C_out, C_in, kH, kW]. Conv layers: {string.Join(", ", model.ConvLayers.Take(12))}{(model.ConvLayers.Count > 12 ? ", ..." : "")}."
            );
        return (name, weight);
    }

    static string HueName(double hue) =>
        hue switch
        {
            < 30 => "red",
            < 90 => "yellow",
            < 150 => "green",
            < 210 => "cyan",
            < 270 => "blue",
            < 330 => "magenta",
            _ => "red",
        };

    /// <summary>Writes an RGB [H, W, 3] image, clipped to [0, 1] like Lucid's show, upscaled by
    /// nearest neighbour.</summary>
    static void SavePng(string path, Tensor rgb, int scale)
    {
        using var scope = NewDisposeScope();
        int h = (int)rgb.shape[0],
            w = (int)rgb.shape[1];
        var data = (rgb.clamp(0, 1) * 255)
            .to_type(ScalarType.Float64)
            .contiguous()
            .data<double>()
            .ToArray();
        using var bmp = new SKBitmap(
            w * scale,
            h * scale,
            SKColorType.Rgba8888,
            SKAlphaType.Opaque
        );
        for (int y = 0; y < h * scale; y++)
        for (int x = 0; x < w * scale; x++)
        {
            int i = ((y / scale) * w + x / scale) * 3;
            bmp.SetPixel(x, y, new SKColor((byte)data[i], (byte)data[i + 1], (byte)data[i + 2]));
        }
        using var img = SKImage.FromBitmap(bmp);
        using var png = img.Encode(SKEncodedImageFormat.Png, 100);
        using var fs = File.Create(path);
        png.SaveTo(fs);
    }
}
