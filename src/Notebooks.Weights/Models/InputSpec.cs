using static TorchSharp.torch;

namespace Notebooks.Weights.Models;

/// <summary>
/// What a model expects as input: channel count, default square size and value range. Images given
/// to <see cref="VisionModel"/> are in [0, 1] (Lucid's convention) and mapped linearly to [Min,
/// Max] (InceptionV1: (-117, 138), i.e. <c>-117 + 255 x</c>). Networks trained on other conventions
/// add, in this order, a channel flip (<see cref="Bgr"/>: RGB → BGR) and a subtracted mean image
/// (<see cref="MeanImage"/>, e.g. the CNTK/ML.NET ResNet18: <c>255 x</c>, BGR, minus a 3×224×224
/// ImageNet mean image).
/// </summary>
public sealed record InputSpec(int Channels, int DefaultSize, double Min, double Max)
{
    /// <summary>[0,1] images, no rescaling.</summary>
    public static InputSpec Unit(int channels = 3, int size = 224) => new(channels, size, 0, 1);

    /// <summary>The network reads channels in BGR order (3 channels): the scaled image's channels
    /// are reversed.</summary>
    public bool Bgr { get; init; }

    /// <summary>
    /// A mean image [C, H, W] (network channel order, in [Min, Max] units) subtracted after scaling
    /// and the channel flip; null for none. Inputs of another size get the mean image resized to
    /// theirs (bilinear, half-pixel centers): exact at the mean image's own size, an approximation
    /// elsewhere (the network's source defines no other size).
    /// </summary>
    public Tensor? MeanImage { get; init; }

    /// <summary>Maps [0,1] images to the model's range: <c>Min + (Max - Min) x</c>, then BGR and
    /// minus the mean image when set.</summary>
    public Tensor Preprocess(Tensor images01)
    {
        if (images01.dim() != 4 || images01.shape[1] != Channels)
            throw new ArgumentException(
                $"Expected images shaped [N, {Channels}, H, W] (NCHW, values in [0,1]); got [{string.Join(", ", images01.shape)}].",
                nameof(images01)
            );
        var x = Min == 0 && Max == 1 ? images01.alias() : images01.mul(Max - Min).add(Min);
        if (Bgr)
            x = x.flip(1);
        if (MeanImage is { } mean)
        {
            using var scope = NewDisposeScope();
            var m = mean.to(x.device).to_type(x.dtype).unsqueeze(0);
            if (m.shape[2] != x.shape[2] || m.shape[3] != x.shape[3])
                m = nn.functional.interpolate(
                    m,
                    [x.shape[2], x.shape[3]],
                    mode: InterpolationMode.Bilinear,
                    align_corners: false
                );
            x = x.sub(m).MoveToOuterDisposeScope();
        }
        return x;
    }
}
