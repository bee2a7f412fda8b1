namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights expand</c>: expanded weights between two layers, saved as a [W, W, C1, C2]
/// .npy (notebook layout).</summary>
public sealed class ExpandVerb()
    : Verb(
        "expand",
        "expanded weights between two layers (get_expanded_weights) to a [W,W,C1,C2] .npy"
    )
{
    readonly LayerPairOptions _pair = new();
    readonly Option<string> _out = Opt.Out(
        "W.npy: the expanded weights, [W, W, C1, C2] float32",
        required: true
    );
    readonly Option<string> _method = Opt.Choice(
        "--method",
        "how to compute them",
        "auto",
        "auto",
        "autograd",
        "closed-form"
    );
    readonly Option<int[]?> _units = Opt.Units();
    readonly Option<bool> _linearizeClip = Opt.Flag(
        "--linearize-clip",
        "give clamps (ONNX Clip, exported ReLU6) ReLU's identity gradient too"
    );
    public override string Notes =>
        "  weights expand --model M --from L1 --to L2 [--width 5] [--units a,b,c] [--method auto|autograd|closed-form] [--linearize-clip] --out W.npy\n"
        + "  ReLU is linearized (identity gradient) and max pooling becomes average pooling, as in Lucid; clamps (ONNX Clip, i.e.\n"
        + "  exported ReLU6) keep their real gradient unless --linearize-clip gives them ReLU's identity gradient too.";

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var (modelName, from, to, width) = _pair.Read(args);
        var outPath = args.Get(_out);
        OutputPaths.File(outPath);
        var method = args.Get(_method) switch
        {
            "autograd" => ExpandedWeightsMethod.Autograd,
            "closed-form" => ExpandedWeightsMethod.ClosedForm,
            _ => ExpandedWeightsMethod.Auto,
        };
        using var model = args.Models.LoadModel(modelName);
        using var scope = NewDisposeScope();
        var w = ExpandedWeights.Get(
            model,
            from,
            to,
            width,
            args.Get(_units), // absent: null, every output channel
            method: method,
            linearizeClip: args.Get(_linearizeClip)
        );
        Npy.Save(outPath, w);
        stdout.WriteLine(
            $"{model.Name} {from} -> {to}: [{string.Join(", ", w.shape)}] (W[x=row, y=column, in, out]) -> {outPath}"
        );
        return 0;
    }
}
