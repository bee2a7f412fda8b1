using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models;

/// <summary>
/// Named parameters of a model, like Lucid's <c>ParameterEditor</c>: read a copy, overwrite, edit a
/// slice in place, and restore the originals. Names are parameter paths
/// (<c>conv2d0.conv.weight</c>) and model-specific aliases (<c>conv2d0_w</c>). Tensors are in
/// TorchSharp layout (conv weights OIHW; see <see cref="WeightLayout"/> for HWIO).
/// </summary>
public sealed class ParameterEditor
{
    readonly string _model;
    readonly Dictionary<string, TorchSharp.Modules.Parameter> _params;
    readonly IReadOnlyDictionary<string, string> _aliases;
    readonly Dictionary<string, Tensor> _originals = [];

    internal ParameterEditor(
        string model,
        nn.Module module,
        IReadOnlyDictionary<string, string> aliases
    )
    {
        _model = model;
        _params = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (a, path) in aliases)
            if (!_params.ContainsKey(path))
                throw new ArgumentException(
                    $"Parameter alias '{a}' points at '{path}', which is not a parameter of {model}."
                );
        _aliases = aliases;
    }

    /// <summary>Aliases first, then parameter paths.</summary>
    public IReadOnlyList<string> Names => _aliases.Keys.Concat(_params.Keys).ToList();

    /// <summary>The alias names only (e.g. Lucid's <c>conv2d0_w</c>).</summary>
    public IReadOnlyList<string> Aliases => _aliases.Keys.ToList();

    /// <summary>True when <paramref name="name"/> is a parameter path or alias.</summary>
    public bool Contains(string name) => _aliases.ContainsKey(name) || _params.ContainsKey(name);

    /// <summary>The parameter path behind a name or alias.</summary>
    public string PathOf(string name) =>
        _aliases.TryGetValue(name, out var p) ? p
        : _params.ContainsKey(name) ? name
        : throw new UnknownLayerException("parameter", name, _model, Names);

    /// <summary>The live parameter (edits through it change the model; prefer the indexer or
    /// <see cref="Edit"/>).</summary>
    public TorchSharp.Modules.Parameter Live(string name) => _params[PathOf(name)];

    /// <summary>Shape of a parameter.</summary>
    public long[] Shape(string name) => Live(name).shape;

    /// <summary>Get: a detached copy. Set: copies values in (shape must match exactly); the
    /// original is kept for <see cref="Restore"/>.</summary>
    public Tensor this[string name]
    {
        get => Live(name).detach().clone();
        set
        {
            var p = Live(name);
            if (!value.shape.SequenceEqual(p.shape))
                throw new ArgumentException(
                    $"Parameter '{name}' of {_model} has shape [{string.Join(", ", p.shape)}]; got a tensor of shape [{string.Join(", ", value.shape)}]."
                );
            Remember(name);
            using var _ = no_grad();
            p.copy_(value);
        }
    }

    /// <summary>Edits a parameter in place (e.g. <c>w => w[.., 3].zero_()</c>) without autograd;
    /// the original is kept.</summary>
    public void Edit(string name, Action<Tensor> edit)
    {
        Remember(name);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        edit(Live(name));
    }

    /// <summary>Restores one parameter, or all edited ones when <paramref name="name"/> is
    /// null.</summary>
    public void Restore(string? name = null)
    {
        var paths = name is null ? _originals.Keys.ToList() : [PathOf(name)];
        using var _ = no_grad();
        foreach (var path in paths)
        {
            if (!_originals.Remove(path, out var orig))
                continue;
            _params[path].copy_(orig);
            orig.Dispose();
        }
    }

    /// <summary>Names of parameters changed since load (or the last restore).</summary>
    public IReadOnlyList<string> Edited => _originals.Keys.ToList();

    void Remember(string name)
    {
        var path = PathOf(name);
        if (_originals.ContainsKey(path))
            return;
        var copy = _params[path].detach().clone();
        copy.DetachFromDisposeScope();
        _originals[path] = copy;
    }
}
