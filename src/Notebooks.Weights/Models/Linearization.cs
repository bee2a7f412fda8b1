using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models;

/// <summary>
/// Straight-through gradient overrides of the companion notebook's <c>get_expanded_weights</c>:
/// <c>out = surrogate(x) + (f(x) - surrogate(x)).detach()</c> keeps every forward value and takes
/// the surrogate's gradient. ReLU → identity; MaxPool2d → AvgPool2d with the same kernel, stride
/// and padding (padding excluded from the count, as TF's "SAME" average pooling does); modules
/// implementing <see cref="ILinearSurrogate"/> supply their own. Clamps (ONNX Clip = exported
/// ReLU6, ReLU6, Hardtanh) keep their real gradient unless <c>linearizeClip</c> is set.
/// </summary>
public static class Linearization
{
    /// <summary>Registers the overrides as forward hooks on every applicable submodule; call the
    /// returned actions to remove them.</summary>
    public static List<Action> Register(nn.Module module)
    {
        var removers = new List<Action>();
        foreach (var (_, m) in module.named_modules())
        {
            var apply = For(m);
            if (apply is null || m is not nn.Module<Tensor, Tensor> tm)
                continue;
            var hook = tm.register_forward_hook((_, input, output) => apply(input, output));
            removers.Add(hook.remove);
        }
        return removers;
    }

    /// <summary>
    /// The straight-through override of one module as <c>(input, output) → linearized output</c>,
    /// or null when the module is not linearized. Lets callers combine it with other output hooks
    /// in a fixed order (TorchSharp's hook order is not guaranteed to be registration order once
    /// hooks have been removed).
    /// </summary>
    public static Func<Tensor, Tensor, Tensor>? For(nn.Module m, bool linearizeClip = false)
    {
        Func<Tensor, Tensor>? surrogate = m switch
        {
            ILinearSurrogate s => s.LinearSurrogate,
            ReLU => x => x,
            ReLU6 or Hardtanh or Onnx.OnnxNode { OpType: "Clip" } when linearizeClip => x => x,
            MaxPool2d mp => x => AvgLike(mp, x),
            _ => null,
        };
        if (surrogate is null)
            return null;
        return (input, output) =>
        {
            var s = surrogate(input);
            return s.add(output.sub(s).detach());
        };
    }

    static Tensor AvgLike(MaxPool2d mp, Tensor x)
    {
        if (mp.dilation is { } d && d.Any(v => v != 1))
            throw new NotSupportedException(
                $"Linearizing a dilated MaxPool2d (dilation [{string.Join(", ", d)}]) is not supported: average pooling has no dilation."
            );
        return nn.functional.avg_pool2d(
            x,
            mp.kernel_size,
            mp.stride ?? mp.kernel_size,
            mp.padding ?? [0, 0],
            mp.ceil_mode,
            count_include_pad: false
        );
    }
}
