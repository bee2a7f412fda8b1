using static TorchSharp.torch;

namespace Notebooks.Weights.Models;

/// <summary>
/// What a model expects as input: channel count, default square size and value range. Images given to
/// <see cref="VisionModel"/> are in [0, 1] (Lucid's convention) and mapped linearly to [Min, Max]
/// (InceptionV1: (-117, 138), i.e. <c>-117 + 255 x</c>).
/// </summary>
public sealed record InputSpec(int Channels, int DefaultSize, double Min, double Max)
{
    /// <summary>[0,1] images, no rescaling.</summary>
    public static InputSpec Unit(int channels = 3, int size = 224) => new(channels, size, 0, 1);

    /// <summary>Maps [0,1] images to the model's range: <c>Min + (Max - Min) x</c>.</summary>
    public Tensor Preprocess(Tensor images01)
    {
        if (images01.dim() != 4 || images01.shape[1] != Channels)
            throw new ArgumentException($"Expected images shaped [N, {Channels}, H, W] (NCHW, values in [0,1]); got [{string.Join(", ", images01.shape)}].", nameof(images01));
        return Min == 0 && Max == 1 ? images01.alias() : images01.mul(Max - Min).add(Min);
    }
}
