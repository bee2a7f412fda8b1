using System.Globalization;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights layers</c>: the layer table of a model (name, kind, channels, H×W) or
/// JSON.</summary>
public sealed class LayersVerb()
    : Verb("layers", "list a model's layers: name, kind, channels, height x width")
{
    readonly Option<string> _model = Opt.Model("default");
    readonly Option<string?> _size = Opt.OptionalText(
        "--size",
        "PIXELS: input size the layer shapes are computed for (default: the model's)"
    );
    readonly Option<bool> _json = Opt.Json();
    public override string Notes =>
        "  weights layers [--model default|inceptionv1|PATH] [--size PIXELS] [--json]";

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var sizeText = args.Get(_size);
        int? size = null;
        if (sizeText is not null)
        {
            if (!int.TryParse(sizeText, out var s) || s < 1)
                throw new CliUsageException(
                    $"option --size: expected a positive integer (pixels), got '{sizeText}'"
                );
            size = s;
        }
        using var model = args.Models.LoadModel(args.Get(_model));
        var layers = model.Layers(size);
        if (args.Get(_json))
        {
            var rows = layers.Select(l => new
            {
                name = l.Name,
                kind = l.Kind,
                channels = l.Channels,
                height = l.Height,
                width = l.Width,
                shape = l.Shape,
            });
            stdout.WriteLine(JsonSerializer.Serialize(rows, CliJson.Indented));
            return 0;
        }
        var table = layers
            .Select(l =>
                (
                    l.Name,
                    l.Kind,
                    Channels: l.Channels.ToString(CultureInfo.InvariantCulture),
                    Size: l.IsSpatial ? $"{l.Height}x{l.Width}" : "-"
                )
            )
            .ToList();
        int wn = Math.Max(4, table.Max(r => r.Name.Length)),
            wk = Math.Max(4, table.Max(r => r.Kind.Length)),
            wc = Math.Max(8, table.Max(r => r.Channels.Length));
        stdout.WriteLine($"{model} at {size ?? model.Input.DefaultSize} px");
        stdout.WriteLine(
            $"{"name".PadRight(wn)}  {"kind".PadRight(wk)}  {"channels".PadLeft(wc)}  HxW"
        );
        foreach (var r in table)
            stdout.WriteLine(
                $"{r.Name.PadRight(wn)}  {r.Kind.PadRight(wk)}  {r.Channels.PadLeft(wc)}  {r.Size}"
            );
        return 0;
    }
}
