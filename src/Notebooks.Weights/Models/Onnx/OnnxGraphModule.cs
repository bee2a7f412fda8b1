using Notebooks.Weights.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models.Onnx;

/// <summary>
/// An imported ONNX graph as a TorchSharp module. Every node is a child module (named after the
/// node, sanitized), called in topological order, so forward hooks on a child see that node's
/// output; weights are registered parameters named after the ONNX initializers (sanitized; see
/// <see cref="OnnxModel.ParameterAliases"/> for the original names). Forward takes the graph's
/// first input and returns its first output.
/// </summary>
public sealed class OnnxGraphModule : nn.Module<Tensor, Tensor>, IModuleGraph
{
    internal sealed record Step(
        string ModuleName,
        nn.Module<Tensor, Tensor> Module,
        string[] Inputs,
        int Primary,
        string Output,
        Proto.OnnxNodeProto Node,
        string NodeName,
        int Opset,
        string Source
    );

    readonly List<Step> _steps;
    readonly string _input;
    readonly string _output;
    readonly Dictionary<string, string> _initializerPaths; // ONNX name → parameter/buffer name on this module

    internal OnnxGraphModule(
        string name,
        List<Step> steps,
        string input,
        string output,
        Dictionary<string, string> initializerPaths,
        bool inputIsNhwc
    )
        : base(name)
    {
        _steps = steps;
        _input = input;
        _output = output;
        _initializerPaths = initializerPaths;
        InputIsNhwc = inputIsNhwc;
        foreach (var s in steps)
            register_module(s.ModuleName, s.Module);
    }

    /// <summary>
    /// True when the ONNX graph takes NHWC images (TensorFlow exports); the module still takes NCHW
    /// and permutes before the graph, so every model looks alike to the rest of the library.
    /// </summary>
    public bool InputIsNhwc { get; }

    /// <summary>The imported nodes in execution order (for graph-level analyses such as expanded
    /// weights' closed form).</summary>
    internal IReadOnlyList<Step> Steps => _steps;

    /// <summary>The ONNX name of the graph input the module takes.</summary>
    internal string InputName => _input;

    /// <summary>Every ONNX initializer by its ONNX name: the parameters and buffers holding them
    /// now.</summary>
    internal Dictionary<string, Tensor> Initializers()
    {
        var named = named_parameters(recurse: false)
            .ToDictionary(p => p.name, p => (Tensor)p.parameter);
        foreach (var (n, b) in named_buffers(recurse: false))
            named[n] = b;
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (onnx, path) in _initializerPaths)
            values[onnx] = named[path];
        return values;
    }

    /// <summary>
    /// Runs steps after <paramref name="first"/> up to <paramref name="last"/> (indices into
    /// <see cref="Steps"/>) that
    /// <paramref name="needed"/> lists, from <paramref name="value"/> = <paramref name="x"/> and
    /// the initializers alone; null when one of them needs another value (one computed before
    /// <paramref name="first"/> from the graph input).
    /// </summary>
    internal Dictionary<string, Tensor>? RunSlice(
        string value,
        Tensor x,
        int first,
        int last,
        IReadOnlySet<string> needed,
        IReadOnlyDictionary<string, Tensor> initializers
    )
    {
        var values = new Dictionary<string, Tensor>(initializers, StringComparer.Ordinal)
        {
            [value] = x,
        };
        for (int i = first + 1; i <= last; i++)
        {
            var step = _steps[i];
            if (!needed.Contains(step.Output))
                continue;
            var ins = new Tensor?[step.Inputs.Length];
            for (int j = 0; j < ins.Length; j++)
            {
                if (step.Inputs[j].Length == 0)
                    continue;
                if (!values.TryGetValue(step.Inputs[j], out var t))
                    return null;
                ins[j] = t;
            }
            if (step.Module is OnnxNode node)
                node.SetInputs(ins);
            var primary = step.Primary < ins.Length ? ins[step.Primary] : null;
            values[step.Output] = step.Module.call(primary ?? empty(0));
        }
        return values;
    }

    internal void AddParameter(string path, Tensor value) =>
        register_parameter(path, new TorchSharp.Modules.Parameter(value, requires_grad: true));

    internal void AddBuffer(string path, Tensor value) => register_buffer(path, value);

    /// <inheritdoc/>
    public IReadOnlyList<(string Module, IReadOnlyList<string> Inputs)> ModuleInputs
    {
        get
        {
            var producer = new Dictionary<string, string>(StringComparer.Ordinal) { [_input] = "" };
            var result = new List<(string, IReadOnlyList<string>)>(_steps.Count);
            foreach (var s in _steps)
            {
                result.Add(
                    (
                        s.ModuleName,
                        s.Inputs.Where(producer.ContainsKey)
                            .Select(i => producer[i])
                            .Distinct()
                            .ToList()
                    )
                );
                producer[s.Output] = s.ModuleName;
            }
            return result;
        }
    }

    /// <summary>Runs the graph on its input (NCHW; see <see cref="InputIsNhwc"/>); returns its
    /// first output.</summary>
    public override Tensor forward(Tensor input)
    {
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var named = named_parameters(recurse: false)
            .ToDictionary(p => p.name, p => (Tensor)p.parameter);
        foreach (var (n, b) in named_buffers(recurse: false))
            named[n] = b;
        foreach (var (onnx, path) in _initializerPaths)
            values[onnx] = named[path];
        values[_input] = InputIsNhwc ? input.permute(0, 2, 3, 1) : input;
        foreach (var step in _steps)
        {
            var ins = new Tensor?[step.Inputs.Length];
            for (int i = 0; i < ins.Length; i++)
                ins[i] = step.Inputs[i].Length == 0 ? null : values[step.Inputs[i]];
            if (step.Module is OnnxNode node)
                node.SetInputs(ins);
            var primary = step.Primary < ins.Length ? ins[step.Primary] : null;
            values[step.Output] = step.Module.call(primary ?? empty(0));
        }
        return values[_output];
    }
}
