using System.Security.Cryptography;
using Notebooks.Weights.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models;

/// <summary>
/// A vision model whose layers and weights have names, over any TorchSharp <c>nn.Module&lt;Tensor,
/// Tensor&gt;</c>. A layer is the output of a module in the tree (for InceptionV1: <c>conv2d0</c>,
/// <c>mixed3a</c>, <c>mixed3a_3x3_pre_relu</c>, ...; for any other module: its module paths, e.g.
/// <c>features.0</c>), plus the pseudo-layer <c>input</c>. Layers are captured with forward hooks:
/// no copy of the network, and the forward stops as soon as the requested layers are computed.
/// </summary>
public partial class VisionModel : IDisposable
{
    /// <summary>The pseudo-layer holding the (preprocessed) model input.</summary>
    public const string InputLayer = "input";

    readonly Dictionary<string, LayerSpec> _layers;
    readonly Dictionary<string, string> _layerAliases;
    readonly Dictionary<string, nn.Module<Tensor, Tensor>> _modules;
    readonly Dictionary<int, IReadOnlyList<LayerInfo>> _infoCache = [];

    /// <summary>
    /// Wraps <paramref name="module"/>. When <paramref name="layers"/> is null every submodule with
    /// a tensor output is a layer, named by its module path; otherwise exactly the given layers
    /// (curated names, e.g. Lucid's) are exposed.
    /// <paramref name="parameterAliases"/> maps friendly parameter names (e.g. <c>conv2d0_w</c>) to
    /// parameter paths.
    /// <paramref name="layerAliases"/> maps other accepted layer names (e.g. an exporter's node
    /// names such as CNTK's <c>Convolution387</c>) to layer names: they resolve wherever a layer is
    /// named but are not listed in <see cref="LayerNames"/> or the layer table.
    /// </summary>
    public VisionModel(
        string name,
        nn.Module<Tensor, Tensor> module,
        InputSpec input,
        IEnumerable<LayerSpec>? layers = null,
        IReadOnlyDictionary<string, string>? parameterAliases = null,
        IReadOnlyDictionary<string, string>? layerAliases = null
    )
    {
        TorchRuntime.EnsureLoaded();
        Name = name;
        Module = module;
        Input = input;
        module.eval();
        _modules = module
            .named_modules()
            .Where(m => m.name.Length > 0 && m.module is nn.Module<Tensor, Tensor>)
            .ToDictionary(m => m.name, m => (nn.Module<Tensor, Tensor>)m.module);
        var specs = layers?.ToList()
            ?? _modules.Select(m => new LayerSpec(m.Key, m.Key, m.Value.GetType().Name)).ToList();
        _layers = new Dictionary<string, LayerSpec>(StringComparer.Ordinal)
        {
            [InputLayer] = new(InputLayer, "", "Input"),
        };
        foreach (var s in specs)
        {
            if (!_modules.ContainsKey(s.ModulePath))
                throw new ArgumentException(
                    $"Layer '{s.Name}' points at module path '{s.ModulePath}', which is not a tensor-to-tensor submodule of {name}."
                );
            if (!_layers.TryAdd(s.Name, s))
                throw new ArgumentException($"Layer name '{s.Name}' is defined twice in {name}.");
        }
        _layerAliases = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (alias, target) in layerAliases ?? new Dictionary<string, string>())
        {
            if (_layers.ContainsKey(alias))
                throw new ArgumentException(
                    $"Layer alias '{alias}' of {name} is also a layer name."
                );
            if (!_layers.ContainsKey(target))
                throw new ArgumentException(
                    $"Layer alias '{alias}' of {name} points at '{target}', which is not a layer."
                );
            _layerAliases[alias] = target;
        }
        Parameters = new ParameterEditor(
            name,
            module,
            parameterAliases ?? new Dictionary<string, string>()
        );
        foreach (var s in _layers.Values)
            if (s.Weight is { } w && !Parameters.Contains(w))
                throw new ArgumentException(
                    $"Layer '{s.Name}' of {name} names weight '{w}', which is not a parameter or parameter alias."
                );
    }

    /// <summary>Model name (e.g. "InceptionV1", "default").</summary>
    public string Name { get; }

    /// <summary>The underlying TorchSharp module (in eval mode).</summary>
    public nn.Module<Tensor, Tensor> Module { get; }

    /// <summary>Input channels, default size and value range.</summary>
    public InputSpec Input { get; }

    /// <summary>Named parameters: get, set, edit a slice and restore (Lucid's
    /// ParameterEditor).</summary>
    public ParameterEditor Parameters { get; }

    /// <summary>All layer names including "input", in definition order.</summary>
    public IReadOnlyList<string> LayerNames => _layers.Keys.ToList();

    /// <summary>Other accepted layer names (alias → layer name), e.g. exporter node names; not
    /// listed in <see cref="LayerNames"/>.</summary>
    public IReadOnlyDictionary<string, string> LayerAliases => _layerAliases;

    /// <summary>
    /// The layer called <paramref name="name"/> (or whose alias it is: the returned spec carries
    /// the layer's own name); unknown names throw with the nearest valid names.
    /// </summary>
    public LayerSpec Layer(string name) =>
        _layers.TryGetValue(name, out var s) ? s
        : _layerAliases.TryGetValue(name, out var target) ? _layers[target]
        : throw new UnknownLayerException(
            "layer",
            name,
            Name,
            _layers.Keys.Concat(_layerAliases.Keys)
        );

    /// <summary>True when <paramref name="name"/> is a layer of this model (or a layer
    /// alias).</summary>
    public bool HasLayer(string name) =>
        _layers.ContainsKey(name) || _layerAliases.ContainsKey(name);

    /// <summary>The module that produces layer <paramref name="name"/> (null for
    /// "input").</summary>
    public nn.Module<Tensor, Tensor>? LayerModule(string name)
    {
        var s = Layer(name);
        return s.ModulePath.Length == 0 ? null : _modules[s.ModulePath];
    }

    /// <summary>
    /// The layer table for a square input of <paramref name="inputSize"/> (default: the model's),
    /// in execution order: name, kind, channels and spatial size. Computed once per size from a
    /// forward pass on zeros.
    /// </summary>
    public IReadOnlyList<LayerInfo> Layers(int? inputSize = null)
    {
        int size = inputSize ?? Input.DefaultSize;
        if (size < 1)
            throw new ArgumentOutOfRangeException(
                nameof(inputSize),
                $"Input size must be positive; got {size}."
            );
        lock (_infoCache)
        {
            if (_infoCache.TryGetValue(size, out var cached))
                return cached;
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var order = new List<(string name, long[] shape)>();
            var x = zeros(1, Input.Channels, size, size);
            order.Add((InputLayer, x.shape));
            var removers = new List<Action>();
            string? entered = null;
            foreach (var (name, spec) in _layers)
            {
                if (spec.ModulePath.Length == 0)
                    continue;
                var n = name;
                var mod = _modules[spec.ModulePath];
                var h = mod.register_forward_hook(
                    (m, i, o) =>
                    {
                        order.Add((n, o.shape));
                        return null!;
                    }
                );
                var pre = mod.register_forward_pre_hook(
                    (m, i) =>
                    {
                        entered = n;
                        return null!;
                    }
                );
                removers.Add(h.remove);
                removers.Add(pre.remove);
            }
            try
            {
                Module.call(Input.Preprocess(x));
            }
            catch (Exception e)
                when (e is System.Runtime.InteropServices.ExternalException or ArgumentException)
            {
                throw new ArgumentException(
                    $"Input size {size}x{size} does not fit {Name} (default {Input.DefaultSize}): layer '{entered}' failed: {e.Message.Split('\n')[0]}",
                    nameof(inputSize),
                    e
                );
            }
            finally
            {
                foreach (var r in removers)
                    r();
            }
            var seen = new HashSet<string>();
            var infos = order
                .Where(o => seen.Add(o.name))
                .Select(o => new LayerInfo(
                    o.name,
                    _layers[o.name].Kind,
                    o.shape.Length >= 2 ? o.shape[1] : o.shape.LastOrDefault(),
                    o.shape.Length == 4 ? o.shape[2] : 0,
                    o.shape.Length == 4 ? o.shape[3] : 0,
                    o.shape
                ))
                .ToList();
            _infoCache[size] = infos;
            return infos;
        }
    }

    /// <summary>Info for one layer at the default (or given) input size.</summary>
    public LayerInfo LayerInfo(string name, int? inputSize = null)
    {
        var own = Layer(name).Name;
        var info = Layers(inputSize).FirstOrDefault(l => l.Name == own);
        if (info is not null)
            return info;
        int size = inputSize ?? Input.DefaultSize;
        if (
            Module is ILayerAvailability a
            && a.WhyNotComputed(_layers[own].ModulePath, [1, Input.Channels, size, size]) is { } why
        )
            throw new ArgumentException(
                $"Layer '{name}' of {Name} is not computed at {size}x{size}: {why}"
            );
        throw new InvalidOperationException(
            $"Layer '{name}' of {Name} is never computed by the forward pass."
        );
    }

    /// <summary>Maps [0,1] NCHW images to the model's input range.</summary>
    public Tensor Preprocess(Tensor images01) => Input.Preprocess(images01);

    /// <summary>The model's output for [0,1] images.</summary>
    public Tensor Forward(Tensor images01)
    {
        using var scope = NewDisposeScope();
        return Module.call(Preprocess(images01)).MoveToOuterDisposeScope();
    }

    /// <summary>Activations of the named layers for [0,1] images, keyed by layer name (the
    /// notebook's <c>T(layer)</c>).</summary>
    public Dictionary<string, Tensor> Activations(Tensor images01, params string[] layers)
    {
        using var scope = NewDisposeScope();
        var result = Run(Preprocess(images01), new RunOptions { Capture = layers });
        foreach (var t in result.Values)
            t.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>The activation of one layer for [0,1] images.</summary>
    public Tensor Activation(Tensor images01, string layer) => Activations(images01, layer)[layer];

    /// <summary>
    /// Runs the module on an already-preprocessed input with layer capture, substitution and
    /// linearization (see <see cref="RunOptions"/>). Returned tensors keep their autograd history.
    /// </summary>
    public Dictionary<string, Tensor> Run(Tensor modelInput, RunOptions options)
    {
        var capture = options.Capture.Distinct().ToList();
        foreach (var l in capture)
            Layer(l);
        if (options.Replace is { } rep)
            foreach (var l in rep.Keys)
                Layer(l);
        if (capture.Count == 0)
            throw new ArgumentException("Run: name at least one layer to capture.");

        var result = new Dictionary<string, Tensor>();
        var pending = new HashSet<string>(capture.Where(c => c != InputLayer));
        var input =
            options.Replace is { } r0 && r0.TryGetValue(InputLayer, out var ri) ? ri : modelInput;
        if (capture.Contains(InputLayer))
            result[InputLayer] = input;
        if (pending.Count == 0)
            return result;

        // One hook per module applying, in this order: linearization (or ReLU redirection),
        // substitution, capture. (Separate hooks would run in TorchSharp's dictionary order, which
        // is not registration order once earlier hooks were removed.)
        var removers = new List<Action>();
        try
        {
            var plan =
                new Dictionary<
                    string,
                    (Func<Tensor, Tensor, Tensor>? lin, Tensor? replace, List<string> captures)
                >();
            (Func<Tensor, Tensor, Tensor>? lin, Tensor? replace, List<string> captures) Entry(
                string path
            ) => plan.TryGetValue(path, out var e) ? e : (null, null, new List<string>());
            if (options.Linearize && options.RedirectReluGradient)
                throw new ArgumentException(
                    "Run: Linearize and RedirectReluGradient both replace ReLU gradients; choose one."
                );
            if (options.RedirectReluGradient)
                foreach (var (path, m) in Module.named_modules())
                    if (
                        path.Length > 0
                        && _modules.ContainsKey(path)
                        && RedirectedReluGradient.For(m) is { } red
                    )
                        plan[path] = Entry(path) with { lin = red };
            if (options.Linearize)
                foreach (var (path, m) in Module.named_modules())
                    if (
                        path.Length > 0
                        && _modules.ContainsKey(path)
                        && Linearization.For(m, options.LinearizeClip) is { } lin
                    )
                        plan[path] = Entry(path) with { lin = lin };
            if (options.Replace is { } replace)
                foreach (var (layer, value) in replace)
                {
                    if (layer == InputLayer)
                        continue;
                    var path = Layer(layer).ModulePath;
                    plan[path] = Entry(path) with { replace = value };
                }
            // Several layer names can alias one module.
            foreach (var l in pending)
            {
                var path = Layer(l).ModulePath;
                plan[path] = Entry(path);
                plan[path].captures.Add(l);
            }
            foreach (var (path, step) in plan)
            {
                var (lin, sub, names) = step;
                var h = _modules[path]
                    .register_forward_hook(
                        (m, i, o) =>
                        {
                            // alias: containers such as Sequential dispose intermediate outputs;
                            // the caller's tensor must survive.
                            var outp =
                                sub is not null ? sub.alias()
                                : lin is not null ? lin(i, o)
                                : o;
                            foreach (var n in names)
                            {
                                result[n] = outp.alias();
                                pending.Remove(n);
                            }
                            if (names.Count > 0 && options.StopEarly && pending.Count == 0)
                                throw new StopForward();
                            return ReferenceEquals(outp, o) ? null! : outp;
                        }
                    );
                removers.Add(h.remove);
            }
            try
            {
                Module.call(input);
            }
            catch (StopForward) { }
            catch (ArgumentException e) when (WhyPending(pending, input) is { } why)
            {
                throw new ArgumentException(why, e);
            }
        }
        finally
        {
            foreach (var rm in removers)
                rm();
        }
        if (pending.Count > 0 && WhyPending(pending, input) is { } reason)
            throw new ArgumentException(reason);
        if (pending.Count > 0)
            throw new InvalidOperationException(
                $"Layer(s) {string.Join(", ", pending)} of {Name} were not computed by the forward pass (unused modules?)."
            );
        return result;
    }

    // The reasons an ILayerAvailability module gives for not computing the pending layers, or null.
    string? WhyPending(IEnumerable<string> pending, Tensor input)
    {
        if (Module is not ILayerAvailability availability)
            return null;
        var layers = pending.ToList();
        var reasons = layers
            .Select(l => availability.WhyNotComputed(Layer(l).ModulePath, input.shape))
            .OfType<string>()
            .Distinct()
            .ToList();
        return reasons.Count == 0
            ? null
            : $"{Name} does not compute {string.Join(", ", layers)} on an input shaped [{string.Join(", ", input.shape)}]: {string.Join(" ", reasons)}";
    }

    /// <summary>
    /// A short hash (16 hex digits of SHA-256) of every parameter's name and current values, for
    /// caches keyed by weights. Computed at each access, never remembered: an edit through any
    /// route (<see cref="ParameterEditor"/>, an in-place change of
    /// <see cref="ParameterEditor.Live"/> or of <see cref="Module"/>'s parameters, an optimizer
    /// step, a state-dict load) changes it. Cost: one SHA-256 pass over the parameter bytes, 56–96
    /// ms for ResNet18 (64 MB) on the project's shared 2-core machine (docs/benchmarks.md); stable
    /// across versions, so on-disk caches and training records name weights by it.
    /// </summary>
    public string WeightsHash
    {
        get
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var scope = NewDisposeScope();
            foreach (
                var (n, p) in Module.named_parameters().OrderBy(p => p.name, StringComparer.Ordinal)
            )
            {
                sha.AppendData(System.Text.Encoding.UTF8.GetBytes(n));
                sha.AppendData(p.detach().cpu().contiguous().bytes);
            }
            return Convert.ToHexString(sha.GetHashAndReset())[..16].ToLowerInvariant();
        }
    }

    /// <summary>
    /// A 128-bit XxHash of every parameter's name, type, shape and current values, for in-memory
    /// caches (<see cref="Connections.ExpandedWeightsCache"/>): like <see cref="WeightsHash"/>
    /// computed at each call and never remembered, but about 20× cheaper (3 ms for ResNet18 once
    /// the JIT has warmed up); not stable across versions, so never written to disk.
    /// </summary>
    internal string WeightsContentKey()
    {
        var hash = new System.IO.Hashing.XxHash128();
        using var scope = NewDisposeScope();
        foreach (
            var (n, p) in Module.named_parameters().OrderBy(p => p.name, StringComparer.Ordinal)
        )
        {
            hash.Append(
                System.Text.Encoding.UTF8.GetBytes($"{n}|{p.dtype}|{string.Join(",", p.shape)}|")
            );
            hash.Append(p.detach().cpu().contiguous().bytes);
        }
        return Convert.ToHexString(hash.GetCurrentHash());
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Module.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name} ({_layers.Count - 1} layers, input {Input.Channels}x{Input.DefaultSize}x{Input.DefaultSize} in [{Input.Min}, {Input.Max}]{(Input.Bgr ? ", BGR" : "")}{(Input.MeanImage is null ? "" : " minus a mean image")})";

    sealed class StopForward : Exception;
}
