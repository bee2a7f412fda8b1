using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models.InceptionV1;

/// <summary>
/// The module tree of Lucid's InceptionV1 (the "inception5h" GoogLeNet variant, 1008 classes).
/// Top-level children, in execution order: <c>conv2d0</c>, <c>maxpool0</c>,
/// <c>localresponsenorm0</c>, <c>conv2d1</c>, <c>conv2d2</c>, <c>localresponsenorm1</c>,
/// <c>maxpool1</c>, <c>mixed3a</c>, <c>mixed3b</c>, <c>maxpool4</c>, <c>mixed4a</c> ..
/// <c>mixed4e</c>, <c>maxpool10</c>, <c>mixed5a</c>, <c>mixed5b</c>, then the auxiliary heads
/// (<c>head0_pool</c>, <c>head0_bottleneck</c>, <c>nn0</c>, <c>softmax0</c> on mixed4a;
/// <c>head1_*</c>, <c>nn1</c>, <c>softmax1</c> on mixed4d) and the main head <c>avgpool0</c> (7x7
/// VALID average pool) → <c>softmax2</c>. The forward returns softmax2 probabilities [N·h·w, 1008]
/// (N at 224 px, where avgpool0 is 1x1). The auxiliary heads run after mixed5b so that captures up
/// to mixed5b stop before them. Heads follow TF's graph at every size: VALID average pools, and
/// reshapes to [-1, 2048] / [-1, 1024] before the dense layers (rows of the NHWC-flattened tensor),
/// so the heads compute wherever TF does and nowhere else (<see cref="WhyNotComputed"/>).
/// </summary>
/// <remarks>
/// LRN follows TF (depth_radius 5, bias 2, alpha 1e-4, beta 0.5), written as PyTorch's
/// <c>LocalResponseNorm(size 11, alpha 0.0011, beta 0.5, k 2)</c> since PyTorch divides alpha by
/// the window size. lucent's port uses <c>size 9, alpha 1e-4, k 1</c>, a known bug; this model does
/// not copy it.
/// </remarks>
public sealed class InceptionV1Net : nn.Module<Tensor, Tensor>, ILayerAvailability, IModuleTrunk
{
    /// <summary>The main path, <c>conv2d0</c> … <c>mixed5b</c> (a chain: each a cut of the graph);
    /// the auxiliary heads branch off mixed4a and mixed4d and feed nothing on it, and avgpool0 →
    /// softmax2 is the classifier.</summary>
    public IReadOnlyList<string> Trunk { get; } =
    [
        "conv2d0",
        "maxpool0",
        "localresponsenorm0",
        "conv2d1",
        "conv2d2",
        "localresponsenorm1",
        "maxpool1",
        .. MixedBlocks.Take(2).Select(b => b.Name),
        "maxpool4",
        .. MixedBlocks.Skip(2).Take(5).Select(b => b.Name),
        "maxpool10",
        .. MixedBlocks.Skip(7).Select(b => b.Name),
    ];

    /// <summary>Mixed blocks: name, input channels and (1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool
    /// proj).</summary>
    public static readonly IReadOnlyList<(
        string Name,
        long In,
        long C1,
        long C3r,
        long C3,
        long C5r,
        long C5,
        long Cp
    )> MixedBlocks =
    [
        ("mixed3a", 192, 64, 96, 128, 16, 32, 32),
        ("mixed3b", 256, 128, 128, 192, 32, 96, 64),
        ("mixed4a", 480, 192, 96, 204, 16, 48, 64),
        ("mixed4b", 508, 160, 112, 224, 24, 64, 64),
        ("mixed4c", 512, 128, 128, 256, 24, 64, 64),
        ("mixed4d", 512, 112, 144, 288, 32, 64, 64),
        ("mixed4e", 528, 256, 160, 320, 32, 128, 128),
        ("mixed5a", 832, 256, 160, 320, 48, 128, 128),
        ("mixed5b", 832, 384, 192, 384, 48, 128, 128),
    ];

    /// <summary>Number of classes of softmax0/1/2 (1000 ImageNet classes plus 8 unused, as in
    /// inception5h).</summary>
    public const int Classes = 1008;

    readonly ConvRelu conv2d0,
        conv2d1,
        conv2d2,
        head0_bottleneck,
        head1_bottleneck;
    readonly TfSamePool2d maxpool0,
        maxpool1,
        maxpool4,
        maxpool10;
    readonly LocalResponseNorm localresponsenorm0,
        localresponsenorm1;
    readonly InceptionMixedBlock mixed3a,
        mixed3b,
        mixed4a,
        mixed4b,
        mixed4c,
        mixed4d,
        mixed4e,
        mixed5a,
        mixed5b;
    readonly AvgPool2d head0_pool,
        head1_pool,
        avgpool0;
    readonly Dense nn0,
        softmax0,
        nn1,
        softmax1,
        softmax2;

    /// <summary>Builds the network with PyTorch default initialization (see
    /// <see cref="InceptionV1Model"/> for seeded init and weights).</summary>
    public InceptionV1Net()
        : base("InceptionV1")
    {
        conv2d0 = new ConvRelu(3, 64, 7, stride: 2);
        maxpool0 = new TfSamePool2d(3, 2);
        localresponsenorm0 = Lrn();
        conv2d1 = new ConvRelu(64, 64, 1);
        conv2d2 = new ConvRelu(64, 192, 3);
        localresponsenorm1 = Lrn();
        maxpool1 = new TfSamePool2d(3, 2);
        var b = MixedBlocks.ToDictionary(
            m => m.Name,
            m => new InceptionMixedBlock(m.In, m.C1, m.C3r, m.C3, m.C5r, m.C5, m.Cp)
        );
        (mixed3a, mixed3b) = (b["mixed3a"], b["mixed3b"]);
        maxpool4 = new TfSamePool2d(3, 2);
        (mixed4a, mixed4b, mixed4c, mixed4d, mixed4e) = (
            b["mixed4a"],
            b["mixed4b"],
            b["mixed4c"],
            b["mixed4d"],
            b["mixed4e"]
        );
        maxpool10 = new TfSamePool2d(3, 2);
        (mixed5a, mixed5b) = (b["mixed5a"], b["mixed5b"]);
        head0_pool = nn.AvgPool2d(5, stride: 3);
        head0_bottleneck = new ConvRelu(508, 128, 1);
        nn0 = new Dense(4 * 4 * 128, 1024, softmax: false);
        softmax0 = new Dense(1024, Classes, softmax: true);
        head1_pool = nn.AvgPool2d(5, stride: 3);
        head1_bottleneck = new ConvRelu(528, 128, 1);
        nn1 = new Dense(4 * 4 * 128, 1024, softmax: false);
        softmax1 = new Dense(1024, Classes, softmax: true);
        avgpool0 = nn.AvgPool2d(7, stride: 1);
        softmax2 = new Dense(1024, Classes, softmax: true);
        RegisterComponents();
    }

    /// <summary>TF LRN(depth_radius 5, bias 2, alpha 1e-4, beta 0.5) in PyTorch form (alpha
    /// multiplied by the window 11).</summary>
    public static LocalResponseNorm Lrn() =>
        nn.LocalResponseNorm(11, alpha: 11 * 1e-4, beta: 0.5, k: 2.0);

    /// <summary>Spatial size after conv2d0 and <paramref name="stridedPools"/> stride-2 "SAME" max
    /// pools (each halves, rounding up).</summary>
    static long Reduce(long size, int stridedPools)
    {
        long s = (size + 1) / 2; // conv2d0, stride 2 SAME
        for (int i = 0; i < stridedPools; i++)
            s = (s + 1) / 2;
        return s;
    }

    /// <summary>Output size of a VALID pool with window <paramref name="k"/> and stride
    /// <paramref name="stride"/>, or 0 when the input is smaller than the window.</summary>
    static long Valid(long size, long k, long stride) => size < k ? 0 : (size - k) / stride + 1;

    /// <summary>
    /// Why TF's inception5h graph cannot compute the module at <paramref name="modulePath"/> for an
    /// NCHW input of
    /// <paramref name="inputShape"/> (null when it can). Only the heads have conditions:
    /// <c>head0_pool</c>/<c>head1_pool</c> are 5x5 stride-3 VALID average pools of mixed4a/mixed4d
    /// (need at least 5x5); <c>nn0</c>/<c>nn1</c> read <c>tf.reshape(head_bottleneck, [-1,
    /// 2048])</c> (needs N·h·w·128 to be a multiple of 2048); <c>avgpool0</c> is a 7x7 VALID
    /// average pool of mixed5b (needs at least 7x7), and <c>tf.reshape(avgpool0, [-1, 1024])</c>
    /// before softmax2 always works.
    /// </summary>
    public string? WhyNotComputed(string modulePath, long[] inputShape)
    {
        if (inputShape.Length != 4)
            return null;
        long n = inputShape[0],
            h = inputShape[2],
            w = inputShape[3];
        string top = modulePath.Split('.')[0];
        string size = $"a {h}x{w} input";
        if (top is "avgpool0" or "softmax2")
        {
            long h5 = Reduce(h, 4),
                w5 = Reduce(w, 4);
            return h5 >= 7 && w5 >= 7
                ? null
                : $"avgpool0 is a 7x7 VALID average pool of mixed5b, which is {h5}x{w5} at {size} (TF cannot compute it either; mixed5b reaches 7x7 from 193 px).";
        }
        int head =
            top is "head0_pool" or "head0_bottleneck" or "nn0" or "softmax0" ? 0
            : top is "head1_pool" or "head1_bottleneck" or "nn1" or "softmax1" ? 1
            : -1;
        if (head < 0)
            return null;
        string src = head == 0 ? "mixed4a" : "mixed4d";
        long h4 = Reduce(h, 3),
            w4 = Reduce(w, 3),
            ph = Valid(h4, 5, 3),
            pw = Valid(w4, 5, 3);
        if (ph == 0 || pw == 0)
            return $"head{head}_pool is a 5x5 stride-3 VALID average pool of {src}, which is {h4}x{w4} at {size} (TF cannot compute it either; {src} reaches 5x5 from 65 px).";
        if (top is "nn0" or "softmax0" or "nn1" or "softmax1" && n * ph * pw * 128 % 2048 != 0)
            return $"nn{head} reshapes head{head}_bottleneck ({n}x{ph}x{pw}x128 = {n * ph * pw * 128} values) to [-1, 2048] as TF's graph does, "
                + $"which needs a multiple of 2048 values: TF cannot compute it at {size} with batch {n} (a 4x4 head{head}_pool, e.g. at 224 px, always works).";
        return null;
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        var x = conv2d0.call(input);
        x = maxpool0.call(x);
        x = localresponsenorm0.call(x);
        x = conv2d1.call(x);
        x = conv2d2.call(x);
        x = localresponsenorm1.call(x);
        x = maxpool1.call(x);
        x = mixed3b.call(mixed3a.call(x));
        x = maxpool4.call(x);
        var m4a = mixed4a.call(x);
        var m4d = mixed4d.call(mixed4c.call(mixed4b.call(m4a)));
        x = maxpool10.call(mixed4e.call(m4d));
        var m5b = mixed5b.call(mixed5a.call(x));
        // The auxiliary heads, as far as TF's graph computes them at this input (a TF session
        // computes only what is fetched; here a head part TF cannot compute is not run, and
        // WhyNotComputed says why to whoever asked for it).
        AuxiliaryHead(input, m4a, "0", head0_pool, head0_bottleneck, nn0, softmax0);
        AuxiliaryHead(input, m4d, "1", head1_pool, head1_bottleneck, nn1, softmax1);
        if (WhyNotComputed("avgpool0", input.shape) is { } why)
            throw new ArgumentException($"InceptionV1 cannot compute softmax2: {why}");
        return softmax2.call(avgpool0.call(m5b)); // [N·h·w, 1008]: TF reshapes avgpool0 to [-1, 1024]
    }

    void AuxiliaryHead(
        Tensor input,
        Tensor source,
        string h,
        AvgPool2d pool,
        ConvRelu bottleneck,
        Dense nn,
        Dense softmax
    )
    {
        if (WhyNotComputed($"head{h}_pool", input.shape) is not null)
            return;
        var b = bottleneck.call(pool.call(source));
        if (WhyNotComputed($"nn{h}", input.shape) is not null)
            return;
        softmax.call(nn.call(b));
    }
}
