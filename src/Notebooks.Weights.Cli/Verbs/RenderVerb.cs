namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// <c>weights render</c>: the companion notebook's "weights to previous layer" / "weights to next
/// layer" rows for one unit, as a standalone HTML page (or a PNG). The weights are the model's
/// expanded weights (<see cref="ExpandedWeights.Get"/>) or saved expanded-weight arrays (<c>[H, W,
/// C_from, C_to]</c> .npy, the notebook's <c>get_expanded_weights</c> layout).
/// </summary>
public sealed class RenderVerb()
    : Verb(
        "render",
        "draw a unit's top connections in and out (the notebook's weight rows) as a standalone page"
    )
{
    readonly LayerPairOptions _pair = new(modelRequired: false);
    readonly Option<string> _out = Opt.Out(
        "report.html or .png: the page (or picture) to write",
        required: true
    );
    readonly Option<int> _unit = Opt.Unit();
    readonly Option<string?> _weights = Opt.OptionalText(
        "--weights",
        "PREV.npy: saved expanded weights --from -> --to, [H, W, C_from, C_to] (instead of --model)"
    );
    readonly Option<string?> _next = Opt.OptionalText(
        "--next",
        "L3: also draw the unit's weights into this later layer"
    );
    readonly Option<string?> _nextWeights = Opt.OptionalText(
        "--next-weights",
        "NEXT.npy: saved expanded weights --to -> --next, [H, W, C_to, C_next] (with --weights)"
    );
    readonly Option<string?> _nextFrom = Opt.OptionalText(
        "--next-from",
        "expand the --next row from this layer holding the same units (e.g. maxpool4 for mixed3b -> mixed4a)"
    );
    readonly Option<int> _top = Opt.Int(
        "--top",
        "connections drawn per row, strongest first by L2 norm",
        10
    );
    public override string Notes =>
        "  weights render --model M --from L1 --to L2 --unit N [--next L3 [--next-from L2b]] [--width 5] [--top 10] --out report.html|.png\n"
        + "    N is a unit of L2; rows: expanded weights L1 -> L2 into N, and (with --next) N's weights into L3\n"
        + "    (--next-from: expand from another layer holding the same units, e.g. maxpool4 for mixed3b -> mixed4a).\n"
        + "  weights render --weights PREV.npy --from L1 --to L2 --unit N [--next L3 --next-weights NEXT.npy] [--top 10] --out report.html|.png\n"
        + "    PREV.npy: expanded weights L1 -> L2, shape [H, W, C_L1, C_L2]; N is a unit of L2.\n"
        + "    NEXT.npy: expanded weights L2 -> L3, shape [H, W, C_L2, C_L3] (rows of unit N's uses in L3).";

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var (modelName, from, to, width) = _pair.Read(args);
        var (prevPath, next, nextPath, nextFrom) = (
            args.Get(_weights),
            args.Get(_next),
            args.Get(_nextWeights),
            args.Get(_nextFrom)
        );
        var (unit, top, outPath) = (args.Get(_unit), args.Get(_top), args.Get(_out));
        if ((modelName is null) == (prevPath is null))
            throw new CliUsageException(
                "give either --model (expanded weights computed from the model) or --weights (a saved .npy)"
            );
        if (modelName is not null && nextPath is not null)
            throw new CliUsageException(
                "--next-weights goes with --weights; with --model the next-layer weights are computed"
            );
        if (prevPath is not null && nextFrom is not null)
            throw new CliUsageException("--next-from goes with --model");
        if (prevPath is not null && (next is null) != (nextPath is null))
            throw new CliUsageException("--next and --next-weights go together");
        if (top < 1)
            throw new CliUsageException($"option --top: expected a positive count, got {top}");
        var ext = Path.GetExtension(outPath).ToLowerInvariant();
        if (ext is not (".html" or ".htm" or ".png"))
            throw new CliUsageException(
                $"option --out: expected a .html or .png file, got '{outPath}'"
            );

        OutputPaths.File(outPath);
        using var scope = NewDisposeScope();
        string source;
        Tensor toPrevious;
        Tensor? toNext = null;
        if (modelName is not null)
        {
            using var model = args.Models.LoadModel(modelName);
            var c2 = model.LayerInfo(to).Channels;
            if (unit < 0 || unit >= c2)
                throw new ArgumentException(
                    $"option --unit: unit {unit} is out of range for layer {to} of {model.Name} with {c2} units (0..{c2 - 1})"
                );
            toPrevious = ExpandedWeights
                .Get(model, from, to, width, units: [unit])[.., .., .., 0]
                .contiguous();
            if (next is not null)
            {
                var src = nextFrom ?? to;
                var cs = model.LayerInfo(src).Channels;
                if (cs != c2)
                    throw new ArgumentException(
                        $"--next-from {src} has {cs} units but {to} has {c2}; it must hold the same units"
                    );
                toNext = ExpandedWeights
                    .Get(model, src, next, width)[.., .., unit, ..]
                    .contiguous();
            }
            source =
                $"model {model.Name} (weights {model.WeightsHash}), expanded weights {from} → {to}"
                + (next is null ? "" : $" and {nextFrom ?? to} → {next}")
                + $", width {width}";
        }
        else
        {
            var prev = LoadExpanded(prevPath!, "--weights", from, to);
            if (unit < 0 || unit >= prev.shape[3])
                throw new ArgumentException(
                    $"option --unit: unit {unit} is out of range for layer {to}: {prevPath} has {prev.shape[3]} units of {to} (0..{prev.shape[3] - 1})"
                );
            toPrevious = prev[.., .., .., unit].contiguous();
            if (nextPath is not null)
            {
                var nw = LoadExpanded(nextPath, "--next-weights", to, next!);
                if (nw.shape[2] != prev.shape[3])
                    throw new ArgumentException(
                        $"{nextPath} has {nw.shape[2]} units of {to} on axis 2 but {prevPath} has {prev.shape[3]}; both must describe layer {to}"
                    );
                toNext = nw[.., .., unit, ..].contiguous();
            }
            source =
                $"expanded weights {from} → {to} from {prevPath}"
                + (nextPath is null ? "" : $"; {to} → {next} from {nextPath}");
        }
        var pictures = NotebookPictures.TopConnections(
            to,
            unit,
            from,
            toPrevious,
            next,
            toNext,
            top
        );
        var full = Path.GetFullPath(outPath);
        if (ext == ".png")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, pictures.ToPng());
        }
        else
        {
            var report = new HtmlReport($"{to}:{unit} — top connections");
            report.AddText($"{source}; top {top} by L2 norm");
            report.Add(pictures);
            report.Save(full);
        }
        stdout.WriteLine(full);
        return 0;
    }

    static Tensor LoadExpanded(string path, string option, string l1, string l2)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"{option}: file not found: {Path.GetFullPath(path)}",
                path
            );
        var t = Npy.Load(path);
        if (t.dim() != 4)
            throw new ArgumentException(
                $"{option} {path}: expanded weights {l1} -> {l2} must be [H, W, C_{l1}, C_{l2}]; got shape [{string.Join(", ", t.shape)}]"
            );
        return t.to_type(ScalarType.Float32);
    }
}
