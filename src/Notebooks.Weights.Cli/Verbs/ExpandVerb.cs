using Notebooks.Weights.IO;
using Notebooks.Weights.Models;
using Notebooks.Weights.Weights;
using static TorchSharp.torch;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights expand</c>: expanded weights between two layers, saved as a [W, W, C1, C2] .npy (notebook layout).</summary>
public sealed class ExpandVerb : IVerb
{
    public string Name => "expand";
    public string Summary => "expanded weights between two layers (get_expanded_weights) to a [W,W,C1,C2] .npy";
    readonly Option<string> _model = Opt.Model();
    readonly Option<string> _from = Opt.From();
    readonly Option<string> _to = Opt.To();
    readonly Option<string> _out = Opt.Out("output path", required: true);
    readonly Option<string?> _method = Opt.Text("--method", "");
    readonly Option<int> _width = Opt.Width(5);
    readonly Option<int[]?> _units = Opt.Units();
    readonly Option<bool> _linearizeClip = Opt.Flag("--linearize-clip", "");
    public string Notes => "  weights expand --model M --from L1 --to L2 [--width 5] [--units a,b,c] [--method auto|autograd|closed-form] [--linearize-clip] --out W.npy\n" +
        "  ReLU is linearized (identity gradient) and max pooling becomes average pooling, as in Lucid; clamps (ONNX Clip, i.e.\n" +
        "  exported ReLU6) keep their real gradient unless --linearize-clip gives them ReLU's identity gradient too.";

    public int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var modelName = args.Get(_model);
        var from = args.Get(_from);
        var to = args.Get(_to);
        int width = args.Get(_width);
        var units = args.Given(_units) ? args.Get(_units) : null; // not given: all channels (System.CommandLine gives an empty array)
        var outPath = args.Get(_out);
        var methodName = args.Get(_method) ?? "auto";
        bool linearizeClip = args.Get(_linearizeClip);
        var method = methodName switch
        {
            "auto" => ExpandedWeightsMethod.Auto,
            "autograd" => ExpandedWeightsMethod.Autograd,
            "closed-form" => ExpandedWeightsMethod.ClosedForm,
            _ => throw new CliUsageException($"option --method: expected auto, autograd or closed-form; got '{methodName}'"),
        };
        OutputPaths.File(outPath);
        using var model = args.Models.LoadModel(modelName);
        using var scope = NewDisposeScope();
        var w = ExpandedWeights.Get(model, from, to, width, units, method: method, linearizeClip: linearizeClip);
        Npy.Save(outPath, w);
        stdout.WriteLine($"{model.Name} {from} -> {to}: [{string.Join(", ", w.shape)}] (W[x=row, y=column, in, out]) -> {outPath}");
        return 0;
    }
}
