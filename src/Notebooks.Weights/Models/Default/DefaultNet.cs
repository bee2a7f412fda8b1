using Notebooks.Weights.Models.InceptionV1;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models.Default;

/// <summary>
/// The default model's network: <c>conv2d0</c> (k0xk0, pad k0/2) → <c>maxpool0</c> → <c>conv2d1</c>
/// (3x3) → <c>maxpool1</c> → <c>conv2d2</c> (3x3) → <c>maxpool2</c> → <c>conv2d3</c> (3x3, the last
/// conv layer at input/8) → <c>avgpool</c> (per <see cref="PoolingHead"/>) → flatten →
/// <c>logits</c> (linear) → <c>softmax</c>. Each conv is a <see cref="ConvRelu"/> (children
/// <c>conv</c> and <c>relu</c>), pools are <c>nn.MaxPool2d(2)</c>, so straight-through
/// linearization applies. Input: [-1, 1] images (see <see cref="DefaultModel.Input"/>).
/// </summary>
public sealed class DefaultNet : nn.Module<Tensor, Tensor>
{
    readonly ConvRelu conv2d0,
        conv2d1,
        conv2d2,
        conv2d3;
    readonly MaxPool2d maxpool0,
        maxpool1,
        maxpool2;
    readonly AveragePool? avgpool;
    readonly Flatten flatten;
    readonly Linear logits;
    readonly Softmax softmax;

    /// <summary>The configuration this network was built from.</summary>
    public DefaultNetConfig Config { get; }

    /// <summary>Builds the network initialized by <see cref="ResetParameters"/> from
    /// <paramref name="seed"/>.</summary>
    public DefaultNet(DefaultNetConfig config, long seed = 1)
        : base("DefaultNet")
    {
        config.Validate();
        Config = config;
        conv2d0 = new ConvRelu(3, config.Width0, config.Kernel0);
        maxpool0 = nn.MaxPool2d(2);
        conv2d1 = new ConvRelu(config.Width0, config.Width1, 3);
        maxpool1 = nn.MaxPool2d(2);
        conv2d2 = new ConvRelu(config.Width1, config.Width2, 3);
        maxpool2 = nn.MaxPool2d(2);
        conv2d3 = new ConvRelu(config.Width2, config.Width3, 3);
        long s = config.LastConvSize;
        long features = config.Head switch
        {
            PoolingHead.GlobalAverage => config.Width3,
            PoolingHead.AverageX => config.Width3 * s,
            PoolingHead.Flatten => config.Width3 * s * s,
            _ => throw new ArgumentException($"Unknown pooling head {config.Head}."),
        };
        if (config.Head != PoolingHead.Flatten)
            avgpool = new AveragePool(config.Head == PoolingHead.AverageX);
        flatten = nn.Flatten();
        logits = nn.Linear(features, config.Classes);
        softmax = nn.Softmax(1);
        RegisterComponents();
        ResetParameters(seed);
    }

    /// <summary>
    /// PyTorch's default initialization for conv and linear layers (weights and biases uniform in
    /// ±1/√fan_in), drawn from a private generator seeded with <paramref name="seed"/> in parameter
    /// order, so it does not depend on (or disturb) torch's global random state; conv2d0's weights
    /// are then scaled by <see cref="DefaultNetConfig.FirstLayerInitScale"/>.
    /// </summary>
    public void ResetParameters(long seed)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var g = new Generator((ulong)seed);
        foreach (
            var (layer, weight, bias) in new (string, Tensor, Tensor)[]
            {
                ("conv2d0", conv2d0.Conv.weight!, conv2d0.Conv.bias!),
                ("conv2d1", conv2d1.Conv.weight!, conv2d1.Conv.bias!),
                ("conv2d2", conv2d2.Conv.weight!, conv2d2.Conv.bias!),
                ("conv2d3", conv2d3.Conv.weight!, conv2d3.Conv.bias!),
                ("logits", logits.weight!, logits.bias!),
            }
        )
        {
            long fanIn = weight.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            double bound = 1 / Math.Sqrt(fanIn);
            double scale = layer == "conv2d0" ? Config.FirstLayerInitScale : 1;
            weight.copy_((rand(weight.shape, generator: g) * 2 - 1) * (bound * scale));
            bias.copy_((rand(bias.shape, generator: g) * 2 - 1) * bound);
        }
    }

    /// <summary>Class scores before the softmax (what training optimizes).</summary>
    public Tensor Logits(Tensor input)
    {
        var x = maxpool0.call(conv2d0.call(input));
        x = maxpool1.call(conv2d1.call(x));
        x = maxpool2.call(conv2d2.call(x));
        x = conv2d3.call(x);
        if (avgpool is not null)
            x = avgpool.call(x);
        return logits.call(flatten.call(x));
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => softmax.call(Logits(input));
}
