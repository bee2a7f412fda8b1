using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace Notebooks.Weights.Models;

/// <summary>
/// Lucid's redirected ReLU gradient (<c>lucid/misc/redirected_relu_grad.py</c>), used by
/// <c>render_vis</c> for its first steps so that units which start inactive still receive gradient.
/// Forward values are the module's own (<c>relu(x)</c>, or <c>clamp(x, 0, 6)</c> for ReLU6); the
/// gradient g (of the minimized loss with respect to the output) becomes, per batch entry:
/// <list type="bullet">
/// <item>the ordinary gradient <c>where(x &lt; 0, 0, g)</c> (ReLU6: also 0 where x &gt; 6) if it is
/// not all zero for that entry;</item>
/// <item>otherwise the redirected gradient: g, except 0 where x &lt; 0 and g &gt; 0 (it would push
/// a dead input further down), and for ReLU6 where x &gt; 6 and g &lt; 0.</item>
/// </list>
/// So a dead unit receives exactly the gradient that pushes its input towards activation. Note that
/// Lucid's ordinary branch passes gradient at x = 0 (TF's own ReluGrad does not); this follows
/// Lucid.
/// </summary>
public static class RedirectedReluGradient
{
    /// <summary>
    /// The override of one module as <c>(input, output) → output with the redirected gradient</c>
    /// for stock <c>nn.ReLU</c> and <c>nn.ReLU6</c> modules; null for every other module. (ReLUs
    /// written as functional calls inside other modules, or ONNX <c>Clip</c> nodes, are not
    /// redirected.)
    /// </summary>
    public static Func<Tensor, Tensor, Tensor>? For(nn.Module m) =>
        m switch
        {
            ReLU6 => (input, _) => Relu6(input),
            ReLU => (input, _) => Relu(input),
            _ => null,
        };

    /// <summary><c>relu(x)</c> with Lucid's redirected gradient. <paramref name="x"/> needs a batch
    /// dimension (rank ≥ 2).</summary>
    public static Tensor Relu(Tensor x)
    {
        CheckRank(x);
        return RedirectedRelu.apply(x);
    }

    /// <summary><c>clamp(x, 0, 6)</c> with Lucid's redirected ReLU6 gradient. <paramref name="x"/>
    /// needs a batch dimension (rank ≥ 2).</summary>
    public static Tensor Relu6(Tensor x)
    {
        CheckRank(x);
        return RedirectedRelu6.apply(x);
    }

    static void CheckRank(Tensor x)
    {
        if (x.dim() < 2)
            throw new ArgumentException(
                $"The redirected ReLU gradient is decided per batch entry and needs a tensor of rank 2 or more; got shape [{string.Join(", ", x.shape)}].",
                nameof(x)
            );
    }

    /// <summary>The gradient rule on its own: input <paramref name="x"/>, incoming gradient
    /// <paramref name="grad"/>, upper bound <paramref name="cap"/> (∞ for ReLU, 6 for
    /// ReLU6).</summary>
    public static Tensor Gradient(Tensor x, Tensor grad, double cap = double.PositiveInfinity)
    {
        using var scope = NewDisposeScope();
        var zero = zeros_like(grad);
        var blocked = x.lt(0);
        var pushesOut = blocked.logical_and(grad.gt(0)); // dead input, gradient descent would lower it further
        if (!double.IsPositiveInfinity(cap))
        {
            var above = x.gt(cap);
            blocked = blocked.logical_or(above);
            pushesOut = pushesOut.logical_or(above.logical_and(grad.lt(0)));
        }
        var ordinary = where(blocked, zero, grad);
        var redirected = where(pushesOut, zero, grad);
        var passes = ordinary.reshape(ordinary.shape[0], -1).ne(0).any(1); // Lucid: tf.norm(entry) > 0
        var shape = new long[grad.dim()];
        Array.Fill(shape, 1L);
        shape[0] = grad.shape[0];
        return where(passes.reshape(shape), ordinary, redirected).MoveToOuterDisposeScope();
    }

    sealed class RedirectedRelu : SingleTensorFunction<RedirectedRelu>
    {
        public override string Name => "RedirectedRelu";

        public override Tensor forward(AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0];
            ctx.save_for_backward([x]);
            return x.relu();
        }

        public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output) =>
            [Gradient(ctx.get_saved_variables()[0], grad_output)];
    }

    sealed class RedirectedRelu6 : SingleTensorFunction<RedirectedRelu6>
    {
        public override string Name => "RedirectedRelu6";

        public override Tensor forward(AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0];
            ctx.save_for_backward([x]);
            return x.clamp(0, 6);
        }

        public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output) =>
            [Gradient(ctx.get_saved_variables()[0], grad_output, 6)];
    }
}
