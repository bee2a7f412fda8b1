using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models.InceptionV1;

/// <summary>
/// A TF fully connected layer of InceptionV1 (<c>nn0</c>, <c>softmax0</c>, <c>softmax2</c>, ...):
/// child <c>matmul</c> (<c>nn.Linear</c>; its output is <c>nn0_pre_relu</c> /
/// <c>softmax2_pre_activation</c>) and the activation child <c>relu</c> or <c>softmax</c>. A 4-D
/// input is reshaped as TF's graph does, <c>tf.reshape(x_nhwc, [-1, in])</c> (channels fastest), so
/// the TF weight matrix <c>[in, out]</c> is used as-is (transposed to <c>[out, in]</c>) even for
/// the 4x4x128 auxiliary heads; other spatial sizes give more rows, as in TF.
/// </summary>
public sealed class Dense : nn.Module<Tensor, Tensor>
{
    readonly Linear matmul;
    readonly nn.Module<Tensor, Tensor> activation;

    /// <summary>Input features.</summary>
    public long InFeatures { get; }

    /// <summary>Output features.</summary>
    public long OutFeatures { get; }

    /// <summary>A dense layer with <paramref name="softmax"/> (otherwise ReLU)
    /// activation.</summary>
    public Dense(long inFeatures, long outFeatures, bool softmax, string name = "Dense")
        : base(name)
    {
        (InFeatures, OutFeatures) = (inFeatures, outFeatures);
        matmul = nn.Linear(inFeatures, outFeatures, hasBias: true);
        register_module("matmul", matmul);
        activation = softmax ? nn.Softmax(1) : nn.ReLU();
        register_module(softmax ? "softmax" : "relu", activation);
    }

    /// <summary>The linear map (weight [out, in]).</summary>
    public Linear MatMul => matmul;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        if (input.dim() == 4)
        {
            // TF's tf.reshape(x, [-1, InFeatures]) of the NHWC tensor: one row per InFeatures
            // consecutive values, which is one row per image when h·w·c == InFeatures and otherwise
            // (e.g. avgpool0 at 225 px: 2x2x1024) more rows.
            long count = input.numel();
            if (count % InFeatures != 0)
                throw new ArgumentException(
                    $"{GetName()} reshapes its input (shape [{string.Join(", ", input.shape)}] NCHW, {count} values) to [-1, {InFeatures}] as TF does; {count} is not a multiple of {InFeatures}."
                );
            using var nhwc = input.permute(0, 2, 3, 1);
            using var flat = nhwc.reshape(-1, InFeatures);
            return Apply(flat);
        }
        return Apply(input);
    }

    Tensor Apply(Tensor flat)
    {
        if (flat.dim() != 2 || flat.shape[1] != InFeatures)
            throw new ArgumentException(
                $"{GetName()} needs {InFeatures} input features per image; got shape [{string.Join(", ", flat.shape)}] (the input image size does not fit this layer)."
            );
        return activation.call(matmul.call(flat));
    }
}
