namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights top</c>: the notebook's "top connections" of one unit, by the L2 norm of its
/// expanded weights.</summary>
public sealed class TopVerb()
    : Verb("top", "strongest input (or output) neurons of a unit by expanded-weight norm")
{
    readonly LayerOptions _layer = new();
    readonly Option<int> _unit = Opt.Unit();
    readonly Option<string> _direction = Opt.Text(
        "--direction",
        "in: the unit's strongest inputs; out: its strongest outputs",
        "in"
    );
    readonly Option<string?> _from = Opt.OptionalFrom();
    readonly Option<string?> _to = Opt.OptionalTo();
    readonly Option<int> _k = Opt.Int("--k", "how many connections to list", 10);
    readonly Option<int> _width = Opt.Width(5);
    readonly Option<bool> _json = Opt.Json();
    public override string Notes =>
        "  weights top --model M --layer L2 --unit N [--k 10] [--direction in|out] [--from L1 | --to L3] [--width 5] [--json]\n"
        + "    in: layer1 defaults to the previous top-level layer; out: layer2 defaults to the next top-level\n"
        + "    layer that is not a pooling layer (a pooling layer right after L2 becomes layer1, as in the notebook's maxpool4->mixed4a).";

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var (modelName, layer) = _layer.Read(args);
        var (direction, from, to) = (args.Get(_direction), args.Get(_from), args.Get(_to));
        if (direction is not ("in" or "out"))
            throw new CliUsageException(
                $"option --direction: expected 'in' or 'out', got '{direction}'"
            );
        if (direction == "in" && to is not null)
            throw new CliUsageException("option --to only applies to --direction out");
        if (direction == "out" && from is not null)
            throw new CliUsageException("option --from only applies to --direction in");

        using var model = args.Models.LoadModel(modelName);
        model.Layer(layer);
        var table = model
            .Layers()
            .Where(l =>
                l.Name == VisionModel.InputLayer || !model.Layer(l.Name).ModulePath.Contains('.')
            )
            .ToList();
        int pos = table.FindIndex(l => l.Name == layer);
        string l1,
            l2;
        if (direction == "in")
        {
            l2 = layer;
            l1 = from
                ?? (
                    pos > 0
                        ? table[pos - 1].Name
                        : throw new ArgumentException(
                            $"'{layer}' has no previous top-level layer in {model.Name}; pass --from."
                        )
                );
        }
        else
        {
            l1 = layer;
            int next = pos + 1;
            while (
                to is null
                && next < table.Count
                && IsPool(table[next])
                && table[next].Channels == table[pos].Channels
            )
            {
                l1 = table[next].Name;
                next++;
            }
            l2 = to
                ?? (
                    next < table.Count && pos >= 0
                        ? table[next].Name
                        : throw new ArgumentException(
                            $"'{layer}' has no next top-level layer in {model.Name}; pass --to."
                        )
                );
        }
        using var scope = NewDisposeScope();
        int unit = args.Get(_unit),
            k = args.Get(_k),
            width = args.Get(_width);
        var w = ExpandedWeights.Get(model, l1, l2, width);
        var top =
            direction == "in" ? TopConnections.In(w, unit, k) : TopConnections.Out(w, unit, k);
        var norm =
            direction == "in"
                ? TopConnections.NormalizedIn(w, unit)
                : TopConnections.NormalizedOut(w, unit);
        var rows = top.Select(c => new
            {
                index = c.Index,
                norm = c.Norm,
                weights = Rows(c.Weights),
                normalized = Rows(norm.select(2, c.Index)),
            })
            .ToList();
        if (args.Get(_json))
            stdout.WriteLine(
                JsonSerializer.Serialize(
                    new
                    {
                        model = model.Name,
                        layer1 = l1,
                        layer2 = l2,
                        direction,
                        unit,
                        width,
                        top = rows,
                    }
                )
            );
        else
        {
            stdout.WriteLine(
                $"{model.Name} {l1} -> {l2}, width {width}: top {rows.Count} {(direction == "in" ? $"inputs of {l2}:{unit}" : $"outputs of {l1}:{unit}")}"
            );
            foreach (var r in rows)
                stdout.WriteLine($"  {r.index, 5}  |W| = {r.norm:G6}");
        }
        return 0;
    }

    static bool IsPool(LayerInfo l) =>
        l.Kind.Contains("Pool", StringComparison.OrdinalIgnoreCase)
        || l.Name.StartsWith("maxpool", StringComparison.Ordinal);

    static float[][] Rows(Tensor t)
    {
        var d = t.contiguous().data<float>().ToArray();
        int h = (int)t.shape[0],
            wd = (int)t.shape[1];
        return Enumerable.Range(0, h).Select(r => d[(r * wd)..((r + 1) * wd)]).ToArray();
    }
}
