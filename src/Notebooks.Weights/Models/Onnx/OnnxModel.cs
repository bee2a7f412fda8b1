using System.Text;
using Notebooks.Weights.Models.Onnx.Proto;
using Notebooks.Weights.Runtime;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models.Onnx;

/// <summary>One imported node: its layer name (the ONNX node name), module name, op type and output
/// value.</summary>
public sealed record OnnxLayer(
    string Name,
    string ModuleName,
    string OpType,
    string Output,
    bool IsLayer
)
{
    /// <summary>The node's ONNX inputs (value names; "" for omitted optional inputs).</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];

    /// <summary>
    /// Parameter path (on <see cref="OnnxModel.Module"/>) of the node's kernel: input 1 of a Conv,
    /// Gemm or MatMul node when it is a float initializer; null otherwise.
    /// </summary>
    public string? Weight { get; init; }

    /// <summary>True when <see cref="Weight"/> is stored [in, out] (Gemm without transB,
    /// MatMul).</summary>
    public bool WeightTransposed { get; init; }
}

/// <summary>
/// An ONNX file imported as a TorchSharp module (<see cref="OnnxGraphModule"/>) plus what the file
/// says about it: layers (node outputs) in topological order, friendly aliases
/// (<c>/layer4/layer4.2/conv3/Conv</c> → <c>layer4.2.conv3</c>), parameter names, and the input
/// shape. Supports ai.onnx opsets 7–18 and the operators in <see cref="SupportedOperators"/>;
/// anything else is an error naming the operator and node. Differences from ONNX Runtime: values
/// are computed in float32 (float16/bfloat16/double initializers are converted; integer tensors
/// become int64), Dropout is the identity (inference), only a node's first output may be used,
/// convolutions and pools are 2-D, and LRN accepts even sizes (the ONNX formula; ONNX Runtime
/// rejects them).
/// </summary>
public sealed class OnnxModel
{
    /// <summary>Oldest and newest ai.onnx opset this importer implements.</summary>
    public const int MinOpset = 7,
        MaxOpset = 18;

    OnnxModel(
        string path,
        OnnxGraphModule module,
        long opset,
        string producer,
        List<OnnxLayer> nodes,
        Dictionary<string, string> aliases,
        Dictionary<string, string> parameterAliases,
        string inputName,
        long[] inputShape,
        string outputName
    )
    {
        Path = path;
        Module = module;
        Opset = opset;
        Producer = producer;
        Nodes = nodes;
        LayerAliases = aliases;
        ParameterAliases = parameterAliases;
        InputName = inputName;
        InputShape = inputShape;
        OutputName = outputName;
    }

    /// <summary>The file this was read from.</summary>
    public string Path { get; }

    /// <summary>The executable graph.</summary>
    public OnnxGraphModule Module { get; }

    /// <summary>ai.onnx opset version of the file.</summary>
    public long Opset { get; }

    /// <summary>producer_name and producer_version, e.g. "pytorch 1.13.1".</summary>
    public string Producer { get; }

    /// <summary>Every node in execution order (<see cref="OnnxLayer.IsLayer"/>: its output depends
    /// on the model input, so it is a layer).</summary>
    public IReadOnlyList<OnnxLayer> Nodes { get; }

    /// <summary>Layers (graph-input-dependent node outputs) in execution order.</summary>
    public IReadOnlyList<OnnxLayer> Layers => Nodes.Where(n => n.IsLayer).ToList();

    /// <summary>Friendly layer name → layer name, derived from exporter scopes
    /// (<c>layer4.2.conv3</c>, <c>layer4.2</c>, <c>features.0</c>).</summary>
    public IReadOnlyDictionary<string, string> LayerAliases { get; }

    /// <summary>Parameter alias → parameter path on <see cref="Module"/>: the initializers' own
    /// names, and <c>{alias}.weight</c>/<c>.bias</c> of Conv/Gemm/BatchNormalization
    /// layers.</summary>
    public IReadOnlyDictionary<string, string> ParameterAliases { get; }

    /// <summary>Parameter paths on <see cref="Module"/> (sanitized initializer names).</summary>
    public IReadOnlyList<string> ParameterNames =>
        Module.named_parameters().Select(p => p.name).ToList();

    /// <summary>Name of the graph input fed by the module's argument.</summary>
    public string InputName { get; }

    /// <summary>Declared input shape (-1 for symbolic dimensions), in the file's layout.</summary>
    public long[] InputShape { get; }

    /// <summary>"NCHW", or "NHWC" for graphs taking channels-last images (the module then takes
    /// NCHW and permutes).</summary>
    public string InputLayout => Module.InputIsNhwc ? "NHWC" : "NCHW";

    /// <summary>The input shape as the module takes it: [N, C, H, W] (-1 for symbolic
    /// dimensions).</summary>
    public long[] ImageShape =>
        Module.InputIsNhwc && InputShape.Length == 4
            ? [InputShape[0], InputShape[3], InputShape[1], InputShape[2]]
            : InputShape;

    /// <summary>Name of the graph output returned by the module.</summary>
    public string OutputName { get; }

    /// <summary>Operators the importer supports.</summary>
    public static IReadOnlyList<string> SupportedOperators => OnnxOps.Supported;

    /// <summary>
    /// A <see cref="VisionModel"/> over the imported graph. Layers: every node output that depends
    /// on the input, named after its node (e.g. <c>/layer4/layer4.2/conv3/Conv</c>), then the
    /// friendly aliases (<c>layer4.2.conv3</c>, <c>layer4.2</c>); parameters: sanitized initializer
    /// names with the original names and <c>{layer}.weight</c> as aliases; Conv/Gemm/MatMul layers
    /// know their kernel (<see cref="VisionModel.LayerWeight"/>). Input: channels and size from the
    /// file's input shape (224 when symbolic); images in [0, 1] are fed as they are unless
    /// <paramref name="input"/> says otherwise (an ONNX file does not record its preprocessing).
    /// </summary>
    public VisionModel ToVisionModel(InputSpec? input = null)
    {
        var shape = ImageShape;
        long channels = shape.Length == 4 && shape[1] > 0 ? shape[1] : 3;
        long size = shape.Length == 4 && shape[2] > 0 ? shape[2] : 224;
        var spec = input ?? new InputSpec((int)channels, (int)size, 0, 1);
        var layers = new List<LayerSpec>();
        var names = new HashSet<string>(StringComparer.Ordinal) { VisionModel.InputLayer };
        foreach (var l in Layers)
            layers.Add(
                new LayerSpec(
                    names.Add(l.Name) ? l.Name : $"{l.Name}:{l.Output}",
                    l.ModuleName,
                    l.OpType
                )
                {
                    Weight = l.Weight,
                    WeightTransposed = l.WeightTransposed,
                }
            );
        var moduleOf = Layers.ToDictionary(l => l.Name, l => l);
        foreach (var (alias, layer) in LayerAliases)
            if (names.Add(alias))
                layers.Add(
                    new LayerSpec(alias, moduleOf[layer].ModuleName, moduleOf[layer].OpType)
                    {
                        Weight = moduleOf[layer].Weight,
                        WeightTransposed = moduleOf[layer].WeightTransposed,
                    }
                );
        return new VisionModel(
            System.IO.Path.GetFileNameWithoutExtension(Path),
            Module,
            spec,
            layers,
            ParameterAliases
        );
    }

    /// <summary>
    /// Reads and imports an .onnx file (external data is looked up next to it).
    /// <paramref name="inputLayout"/>: "NCHW", "NHWC", or null to decide from the graph (NHWC when
    /// the input only feeds Transpose(perm [0, 3, 1, 2]) nodes, as in TensorFlow exports).
    /// </summary>
    public static OnnxModel Load(string path, string? inputLayout = null)
    {
        if (inputLayout is not (null or "NCHW" or "NHWC"))
            throw new ArgumentException(
                $"Input layout must be \"NCHW\" or \"NHWC\"; got \"{inputLayout}\".",
                nameof(inputLayout)
            );
        TorchRuntime.EnsureLoaded();
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"ONNX model file not found: {System.IO.Path.GetFullPath(path)}",
                path
            );
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0)
            throw new InvalidDataException($"ONNX file '{path}' is empty.");
        var proto = OnnxProtoParser.ParseModel(bytes, path);
        // Temporaries die here; the module's parameters, buffers and constants outlive any caller's
        // dispose scope.
        using var scope = NewDisposeScope();
        var model = Import(proto, path, inputLayout);
        foreach (var p in model.Module.parameters())
            p.DetachFromDisposeScope();
        foreach (var b in model.Module.buffers())
            b.DetachFromDisposeScope();
        return model;
    }

    static OnnxModel Import(OnnxModelProto proto, string path, string? inputLayout)
    {
        var g = proto.Graph
            ?? throw new InvalidDataException(
                $"'{path}' has no graph (ModelProto field 7): not an ONNX model file."
            );
        if (g.SparseInitializerOffset >= 0)
            throw new NotSupportedException(
                $"ONNX file '{path}' stores sparse initializers (byte offset {g.SparseInitializerOffset}); only dense initializers are supported."
            );
        if (g.Nodes.Count == 0)
            throw new InvalidDataException($"ONNX file '{path}' has a graph with no nodes.");
        var opsets = proto.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").ToList();
        long opset =
            opsets.Count > 0 ? opsets.Max(o => o.Version)
            : proto.IrVersion <= 2 ? 1
            : 0;
        if (opset is < MinOpset or > MaxOpset)
            throw new NotSupportedException(
                $"ONNX file '{path}' uses ai.onnx opset {(opset == 0 ? "(none declared)" : opset)}; this importer supports opsets {MinOpset} to {MaxOpset}."
            );

        var initNames = new HashSet<string>(
            g.Initializers.Select(t => t.Name),
            StringComparer.Ordinal
        );
        var realInputs = g.Inputs.Where(i => !initNames.Contains(i.Name)).ToList();
        if (realInputs.Count != 1)
            throw new NotSupportedException(
                $"ONNX file '{path}' has {realInputs.Count} graph inputs ({string.Join(", ", realInputs.Select(i => i.Name))}); a vision model needs exactly one."
            );
        if (g.Outputs.Count == 0)
            throw new InvalidDataException($"ONNX file '{path}' declares no graph outputs.");
        var input = realInputs[0];
        if (input.ElemType is not (0 or OnnxTensorReader.Float))
            throw new NotSupportedException(
                $"ONNX input '{input.Name}' of '{path}' is {OnnxTensorReader.TypeName(input.ElemType)}; only float inputs are supported."
            );

        // Which values are known, which depend on the input ("data"), and who consumes what.
        var known = new HashSet<string>(initNames, StringComparer.Ordinal) { input.Name };
        var data = new HashSet<string>(StringComparer.Ordinal) { input.Name };
        var consumed = new HashSet<string>(
            g.Nodes.SelectMany(n => n.Inputs).Concat(g.Outputs.Select(o => o.Name)),
            StringComparer.Ordinal
        );
        var moduleNames = new HashSet<string>(StringComparer.Ordinal);
        var layerNames = new HashSet<string>(StringComparer.Ordinal);
        var steps = new List<OnnxGraphModule.Step>();
        var layers = new List<OnnxLayer>();

        // Every unsupported operator is reported at once; multi-output nodes (Split) become one
        // node per output.
        OnnxOps.CheckSupported(g.Nodes, path);
        var ordered = TopologicalOrder(OnnxOps.PerOutputNodes(g.Nodes, consumed), known, path);
        foreach (var node in ordered)
        {
            if (node.Outputs.Count == 0 || node.Outputs[0].Length == 0)
                throw new InvalidDataException(
                    $"ONNX node '{node.Name}' ({node.OpType}) at byte offset {node.Offset} of '{path}' has no output."
                );
            string nodeName = node.Name.Length > 0 ? node.Name : node.Outputs[0];
            if (!layerNames.Add(nodeName))
            {
                nodeName = $"{nodeName}:{node.Outputs[0]}";
                layerNames.Add(nodeName);
            }
            if (node.Domain is not ("" or "ai.onnx"))
                throw new NotSupportedException(
                    $"ONNX operator '{node.OpType}' (domain '{node.Domain}') of node '{nodeName}' in '{path}' is not supported: only the standard ai.onnx domain is. Supported operators: {string.Join(", ", OnnxOps.Supported)}."
                );
            for (int i = 1; i < node.Outputs.Count; i++)
                if (node.Outputs[i].Length > 0 && consumed.Contains(node.Outputs[i]))
                    throw new NotSupportedException(
                        $"ONNX node '{nodeName}' ({node.OpType}) in '{path}': output {i} ('{node.Outputs[i]}') is used, but only a node's first output is supported (e.g. MaxPool indices, Dropout mask, BatchNormalization training statistics)."
                    );
            int primary = node.Inputs.FindIndex(n => n.Length > 0 && data.Contains(n));
            if (primary < 0)
                primary = Math.Max(0, node.Inputs.FindIndex(n => n.Length > 0));
            bool isData =
                node.OpType != "Shape" && node.Inputs.Any(n => n.Length > 0 && data.Contains(n));
            if (isData)
                data.Add(node.Outputs[0]);
            known.Add(node.Outputs[0]);
            string moduleName = Unique(Sanitize(nodeName), moduleNames);
            var module = OnnxOps.Create(node, moduleName, nodeName, (int)opset, primary, path);
            steps.Add(
                new(
                    moduleName,
                    module,
                    node.Inputs.ToArray(),
                    primary,
                    node.Outputs[0],
                    node,
                    nodeName,
                    (int)opset,
                    path
                )
            );
            layers.Add(new OnnxLayer(nodeName, moduleName, node.OpType, node.Outputs[0], isData));
        }
        var output = g.Outputs[0].Name;
        if (!known.Contains(output))
            throw new InvalidDataException(
                $"ONNX graph output '{output}' of '{path}' is produced by no node."
            );

        // Initializers: float ones used by nodes become parameters (BatchNormalization statistics:
        // buffers), the rest buffers.
        var statsInputs = new HashSet<string>(
            g.Nodes.Where(n => n.OpType == "BatchNormalization")
                .SelectMany(n => n.Inputs.Skip(3).Take(2)),
            StringComparer.Ordinal
        );
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        var paramAliases = new Dictionary<string, string>(StringComparer.Ordinal);
        var memberNames = new HashSet<string>(moduleNames, StringComparer.Ordinal);
        var pending = new List<(string path, Tensor value, bool param)>();
        foreach (var init in g.Initializers)
        {
            if (paths.ContainsKey(init.Name))
                throw new InvalidDataException(
                    $"ONNX initializer '{init.Name}' is defined twice in '{path}'."
                );
            var value = OnnxTensorReader.Read(init, path);
            string p = Unique(Sanitize(init.Name), memberNames);
            bool param = value.is_floating_point() && !statsInputs.Contains(init.Name);
            pending.Add((p, value, param));
            paths[init.Name] = p;
            if (p != init.Name && param)
                paramAliases[init.Name] = p;
        }
        var declared = input.Shape?.ToArray() ?? [];
        bool nhwc = inputLayout switch
        {
            "NHWC" => true,
            "NCHW" => false,
            _ => IsNhwcGraph(g.Nodes, input.Name),
        };
        if (nhwc && declared.Length is not (0 or 4))
            throw new ArgumentException(
                $"ONNX input '{input.Name}' of '{path}' has shape [{string.Join(", ", declared)}]; NHWC needs 4 dimensions."
            );
        var module0 = new OnnxGraphModule(
            System.IO.Path.GetFileNameWithoutExtension(path),
            steps,
            input.Name,
            output,
            paths,
            nhwc
        );
        foreach (var (p, v, param) in pending)
        {
            if (param)
                module0.AddParameter(p, v);
            else
                module0.AddBuffer(p, v);
        }

        // Layers know their kernels: input 1 of Conv/Gemm/MatMul when it is a float initializer (a
        // parameter).
        var paramSet = new HashSet<string>(
            pending.Where(p => p.param).Select(p => p.path),
            StringComparer.Ordinal
        );
        for (int i = 0; i < layers.Count; i++)
        {
            var node = ordered[i];
            string? weight =
                node.OpType is "Conv" or "Gemm" or "MatMul"
                && node.Inputs.Count > 1
                && paths.TryGetValue(node.Inputs[1], out var wp)
                && paramSet.Contains(wp)
                    ? wp
                    : null;
            bool transposed =
                weight is not null
                && (
                    node.OpType == "MatMul"
                    || node.OpType == "Gemm"
                        && !(node.Attributes.TryGetValue("transB", out var tb) && tb.I != 0)
                );
            layers[i] = layers[i] with
            {
                Inputs = node.Inputs.ToArray(),
                Weight = weight,
                WeightTransposed = transposed,
            };
        }

        // Friendly aliases from exporter scopes; "{scope}.weight" / ".bias" for Conv, Gemm and
        // BatchNormalization nodes.
        var aliases = FriendlyAliases(layers.Where(l => l.IsLayer).ToList(), layerNames);
        foreach (var (node, layer) in ordered.Zip(layers))
        {
            if (
                node.OpType is not ("Conv" or "Gemm" or "BatchNormalization")
                || FriendlyScope(layer.Name) is not { } scope
            )
                continue;
            string[] slots = ["", "weight", "bias"];
            for (int i = 1; i < slots.Length && i < node.Inputs.Count; i++)
                if (paths.TryGetValue(node.Inputs[i], out var p) && paramSet.Contains(p))
                    paramAliases.TryAdd($"{scope}.{slots[i]}", p);
        }

        var inputShape = input.Shape?.ToArray() ?? [];
        string producer = (proto.ProducerName + " " + proto.ProducerVersion).Trim();
        return new OnnxModel(
            path,
            module0,
            opset,
            producer,
            layers,
            aliases,
            paramAliases,
            input.Name,
            inputShape,
            output
        );
    }

    /// <summary>TensorFlow exports take NHWC and transpose to NCHW first: every consumer of the
    /// input is Transpose(perm 0,3,1,2).</summary>
    static bool IsNhwcGraph(List<OnnxNodeProto> nodes, string input)
    {
        var consumers = nodes.Where(n => n.Inputs.Contains(input)).ToList();
        return consumers.Count > 0
            && consumers.All(n =>
                n.OpType == "Transpose"
                && n.Attributes.TryGetValue("perm", out var p)
                && p.Ints.SequenceEqual([0L, 3, 1, 2])
            );
    }

    static List<OnnxNodeProto> TopologicalOrder(
        List<OnnxNodeProto> nodes,
        HashSet<string> initiallyKnown,
        string path
    )
    {
        var known = new HashSet<string>(initiallyKnown, StringComparer.Ordinal);
        var result = new List<OnnxNodeProto>(nodes.Count);
        var remaining = new List<OnnxNodeProto>(nodes);
        while (remaining.Count > 0)
        {
            var next = new List<OnnxNodeProto>();
            bool progress = false;
            foreach (var n in remaining)
            {
                if (n.Inputs.All(i => i.Length == 0 || known.Contains(i)))
                {
                    result.Add(n);
                    foreach (var o in n.Outputs)
                        if (o.Length > 0)
                            known.Add(o);
                    progress = true;
                }
                else
                    next.Add(n);
            }
            if (!progress)
            {
                var n = next[0];
                var missing = n.Inputs.First(i => i.Length > 0 && !known.Contains(i));
                throw new InvalidDataException(
                    $"ONNX node '{(n.Name.Length > 0 ? n.Name : n.Outputs.FirstOrDefault())}' ({n.OpType}) at byte offset {n.Offset} of '{path}' reads '{missing}', which no node, initializer or graph input produces (or the graph has a cycle)."
                );
            }
            remaining = next;
        }
        return result;
    }

    /// <summary>The module scope of an exporter node name: <c>/layer4/layer4.2/conv3/Conv</c> →
    /// <c>layer4.2.conv3</c>; null if none.</summary>
    public static string? FriendlyScope(string nodeName) => Scopes(nodeName).LastOrDefault();

    /// <summary>
    /// The enclosing module paths of a PyTorch-exported node name, outermost first. Each segment
    /// names a module within its parent, Sequential children qualified by the parent's attribute
    /// (<c>/layer1/layer1.0/downsample/downsample.0/Conv</c> → <c>layer1</c>, <c>layer1.0</c>,
    /// <c>layer1.0.downsample</c>, <c>layer1.0.downsample.0</c>).
    /// </summary>
    static List<string> Scopes(string nodeName)
    {
        var result = new List<string>();
        if (!nodeName.StartsWith('/'))
            return result;
        var parts = nodeName.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var segs = new List<string>();
        foreach (var s in parts[..^1])
        {
            if (segs.Count > 0 && s.StartsWith(segs[^1] + ".", StringComparison.Ordinal))
                segs[^1] = s;
            else
                segs.Add(s);
            result.Add(string.Join(".", segs));
        }
        return result;
    }

    /// <summary>
    /// Aliases for every module scope (and each enclosing scope): the last layer computed inside
    /// it, i.e. the module's output. Scopes that collide with a node name are skipped.
    /// </summary>
    static Dictionary<string, string> FriendlyAliases(
        List<OnnxLayer> layers,
        HashSet<string> nodeNames
    )
    {
        var last = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var l in layers)
        {
            // This scope and its ancestors ("layer4.2.conv3", "layer4.2", "layer4").
            foreach (var scope in Scopes(l.Name))
                last[scope] = l.Name;
        }
        return last.Where(kv => !nodeNames.Contains(kv.Key) && kv.Key != VisionModel.InputLayer)
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }

    static string Sanitize(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name.TrimStart('/'))
            sb.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        if (sb.Length == 0 || char.IsAsciiDigit(sb[0]))
            sb.Insert(0, 'n');
        return sb.ToString();
    }

    static string Unique(string name, HashSet<string> used)
    {
        string n = name;
        for (int i = 2; !used.Add(n); i++)
            n = $"{name}_{i}";
        return n;
    }
}
