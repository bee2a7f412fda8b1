using Notebooks.Weights.Models.Onnx;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// <c>weights onnx --model m.onnx</c>: what the ONNX importer makes of a file — producer, opset,
/// input layout, every layer with its operator, friendly aliases and output shape, and the
/// parameter aliases.
/// </summary>
public sealed class OnnxVerb()
    : Verb(
        "onnx",
        "import an .onnx file and list its layers (node names, op types, aliases, shapes) and parameters"
    )
{
    readonly Option<int?> _size = Opt.OptionalInt(
        "--size",
        "N: input size in pixels the layer shapes are computed for (default: the model's)"
    );
    readonly Option<string> _model = Opt.Model();
    readonly Option<string?> _layout = Opt.OptionalText(
        "--layout",
        "input layout NCHW or NHWC (default: decided from the graph)"
    );
    readonly Option<bool> _json = Opt.Json();
    public override string Notes =>
        "  weights onnx --model path/to/model.onnx [--size N] [--layout NCHW|NHWC] [--json]";

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var (path, size) = (args.Get(_model), args.Get(_size));
        var onnx = OnnxModel.Load(path, args.Get(_layout));
        using var model = onnx.ToVisionModel();
        var shapes = model.Layers(size).ToDictionary(l => l.Name, l => l.Shape);
        var aliasOf = onnx
            .LayerAliases.GroupBy(kv => kv.Value)
            .ToDictionary(
                g => g.Key,
                g => string.Join(", ", g.Select(kv => kv.Key).OrderByDescending(a => a.Length))
            );
        var rows = onnx
            .Layers.Select(l => new
            {
                name = l.Name,
                op = l.OpType,
                alias = aliasOf.GetValueOrDefault(l.Name),
                shape = shapes.GetValueOrDefault(l.Name),
            })
            .ToList();
        var folded = OnnxBatchNormFolding.Find(onnx);
        var foldedParams = folded
            ?.SelectMany(f => new[] { f.Weight, f.Bias })
            .ToHashSet(StringComparer.Ordinal)
            ?? [];
        int clips = onnx.Layers.Count(l => l.OpType == "Clip");
        var parameters = onnx
            .Module.named_parameters()
            .Select(p => new
            {
                path = p.name,
                shape = p.parameter.shape,
                aliases = onnx
                    .ParameterAliases.Where(kv => kv.Value == p.name)
                    .Select(kv => kv.Key)
                    .ToArray(),
                foldedBatchNorm = foldedParams.Contains(p.name),
            })
            .ToList();
        string foldNote =
            folded is null
                ? $"BatchNormalization folding: unknown (producer '{onnx.Producer}' does not record it; PyTorch exports do)"
            : folded.Count == 0
                ? "BatchNormalization folding: none (no convolution holds a folded BatchNormalization)"
            : $"BatchNormalization folded by the exporter into {folded.Count} convolution(s): their weights are W·γ/√(σ²+ε) and biases "
                + "β + (b − μ)·γ/√(σ²+ε), not the framework module's tensors (marked [folded BN] above)";
        string clipNote =
            clips == 0
                ? ""
                : $"Clip: {clips} node(s) (how ReLU6 is exported); expanded weights keep their real gradient (zero where clipped), "
                    + "`weights expand --linearize-clip` gives them ReLU's identity gradient as Lucid's linearization does for ReLU";

        if (args.Get(_json))
        {
            stdout.WriteLine(
                JsonSerializer.Serialize(
                    new
                    {
                        file = path,
                        producer = onnx.Producer,
                        opset = onnx.Opset,
                        input = onnx.InputName,
                        inputShape = onnx.InputShape,
                        layout = onnx.InputLayout,
                        output = onnx.OutputName,
                        layers = rows,
                        parameters,
                        clipNodes = clips,
                        foldedConvs = folded?.Select(f => f.Layer).ToArray(),
                        foldedNote = foldNote,
                    },
                    CliJson.Indented
                )
            );
            return 0;
        }

        stdout.WriteLine(
            $"{Path.GetFileName(path)}: {onnx.Producer}, opset {onnx.Opset}, input '{onnx.InputName}' [{string.Join(", ", onnx.InputShape)}] {onnx.InputLayout}, output '{onnx.OutputName}'"
        );
        stdout.WriteLine(
            $"layers ({rows.Count}, execution order, input {size ?? model.Input.DefaultSize}x{size ?? model.Input.DefaultSize}):"
        );
        int wName = Math.Max(4, rows.Max(r => r.name.Length)),
            wOp = Math.Max(2, rows.Max(r => r.op.Length)),
            wAlias = Math.Max(5, rows.Max(r => r.alias?.Length ?? 0));
        stdout.WriteLine(
            $"  {"name".PadRight(wName)}  {"op".PadRight(wOp)}  {"alias".PadRight(wAlias)}  shape"
        );
        foreach (var r in rows)
            stdout.WriteLine(
                $"  {r.name.PadRight(wName)}  {r.op.PadRight(wOp)}  {(r.alias ?? "").PadRight(wAlias)}  [{string.Join(", ", r.shape ?? [])}]"
            );
        stdout.WriteLine($"parameters ({parameters.Count}):");
        foreach (var p in parameters)
            stdout.WriteLine(
                $"  {p.path} [{string.Join(", ", p.shape)}]{(p.aliases.Length > 0 ? "  = " + string.Join(", ", p.aliases) : "")}{(p.foldedBatchNorm ? "  [folded BN]" : "")}"
            );
        stdout.WriteLine("expanded-weights semantics:");
        stdout.WriteLine($"  {foldNote}");
        if (clipNote.Length > 0)
            stdout.WriteLine($"  {clipNote}");
        return 0;
    }
}
