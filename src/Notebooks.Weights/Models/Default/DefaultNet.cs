using Notebooks.Weights.Models.InceptionV1;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models.Default;

/// <summary>
/// The default model's network: <c>conv2d0</c> (k0xk0, pad k0/2) → <c>maxpool0</c> → <c>conv2d1</c> (3x3) → <c>maxpool1</c>
/// → <c>conv2d2</c> (3x3) → <c>maxpool2</c> → <c>conv2d3</c> (3x3, the last conv layer at input/8) → <c>avgpool</c>
/// (per <see cref="PoolingHead"/>) → flatten → <c>logits</c> (linear) → <c>softmax</c>. Each conv is a
/// <see cref="ConvRelu"/> (children <c>conv</c> and <c>relu</c>), pools are <c>nn.MaxPool2d(2)</c>, so straight-through
/// linearization applies. Input: [-1, 1] images (see <see cref="DefaultModel.Input"/>).
/// </summary>
public sealed class DefaultNet : nn.Module<Tensor, Tensor>
{
    readonly ConvRelu conv2d0, conv2d1, conv2d2, conv2d3;
    readonly MaxPool2d maxpool0, maxpool1, maxpool2;
    readonly AveragePool? avgpool;
    readonly Flatten flatten;
    readonly Linear logits;
    readonly Softmax softmax;

    /// <summary>The configuration this network was built from.</summary>
    public DefaultNetConfig Config { get; }

    /// <summary>Builds the network with TorchSharp's default initialization from the current torch seed (conv2d0's weights times <see cref="DefaultNetConfig.FirstLayerInitScale"/>).</summary>
    public DefaultNet(DefaultNetConfig config) : base("DefaultNet")
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
        if (config.Head != PoolingHead.Flatten) avgpool = new AveragePool(config.Head == PoolingHead.AverageX);
        flatten = nn.Flatten();
        logits = nn.Linear(features, config.Classes);
        softmax = nn.Softmax(1);
        RegisterComponents();
        if (config.FirstLayerInitScale != 1)
            using (no_grad()) conv2d0.Conv.weight!.mul_(config.FirstLayerInitScale);
    }

    /// <summary>Class scores before the softmax (what training optimizes).</summary>
    public Tensor Logits(Tensor input)
    {
        var x = maxpool0.call(conv2d0.call(input));
        x = maxpool1.call(conv2d1.call(x));
        x = maxpool2.call(conv2d2.call(x));
        x = conv2d3.call(x);
        if (avgpool is not null) x = avgpool.call(x);
        return logits.call(flatten.call(x));
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => softmax.call(Logits(input));
}
