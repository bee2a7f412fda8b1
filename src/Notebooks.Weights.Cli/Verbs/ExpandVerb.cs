using Notebooks.Weights.IO;
using Notebooks.Weights.Models;
using Notebooks.Weights.Weights;
using static TorchSharp.torch;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights expand</c>: expanded weights between two layers, saved as a [W, W, C1, C2] .npy (notebook layout).</summary>
[Flags("linearize-clip")]
public sealed class ExpandVerb : IVerb
{
    public string Name => "expand";
    public string Summary => "expanded weights between two layers (get_expanded_weights) to a [W,W,C1,C2] .npy";
    public string Usage => "  weights expand --model M --from L1 --to L2 [--width 5] [--units a,b,c] [--method auto|autograd|closed-form] [--linearize-clip] --out W.npy\n" +
        "  ReLU is linearized (identity gradient) and max pooling becomes average pooling, as in Lucid; clamps (ONNX Clip, i.e.\n" +
        "  exported ReLU6) keep their real gradient unless --linearize-clip gives them ReLU's identity gradient too.";

    public int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var modelName = args.Require("model");
        var from = args.Require("from");
        var to = args.Require("to");
        int width = args.GetInt("width", 5);
        var units = args.GetIntList("units");
        var outPath = args.Require("out");
        var methodName = args.Get("method") ?? "auto";
        bool linearizeClip = args.Flag("linearize-clip");
        args.EnsureAllUsed();
        var method = methodName switch
        {
            "auto" => ExpandedWeightsMethod.Auto,
            "autograd" => ExpandedWeightsMethod.Autograd,
            "closed-form" => ExpandedWeightsMethod.ClosedForm,
            _ => throw new CliUsageException($"option --method: expected auto, autograd or closed-form; got '{methodName}'"),
        };
        using var model = ModelRegistry.Load(modelName);
        using var scope = NewDisposeScope();
        var w = ExpandedWeights.Get(model, from, to, width, units, useCache: false, method: method, linearizeClip: linearizeClip);
        Npy.Save(outPath, w);
        stdout.WriteLine($"{model.Name} {from} -> {to}: [{string.Join(", ", w.shape)}] (W[x=row, y=column, in, out]) -> {outPath}");
        return 0;
    }
}
