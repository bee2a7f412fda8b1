using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models.InceptionV1;

/// <summary>
/// One Inception ("mixed") block as in Lucid's InceptionV1: four branches concatenated along
/// channels in the order 1x1, 3x3, 5x5, pool_reduce. Children (named like the TF ops, so module
/// paths read <c>mixed3a.3x3.conv</c>): <c>1x1</c>, <c>3x3_bottleneck</c>, <c>3x3</c>,
/// <c>5x5_bottleneck</c>, <c>5x5</c> (each a <see cref="ConvRelu"/>), <c>pool</c> (3x3 stride-1
/// "SAME" max pool), <c>pool_reduce</c> (1x1 <see cref="ConvRelu"/>) and <c>pre_relu</c>: the four
/// concatenated branches' pre-ReLU tensors concatenated in the same order, Lucid's
/// <c>mixedXX_pre_relu</c> (added after import by <c>_populate_inception_bottlenecks</c>; relu of
/// it is the block output). Output channels: <c>c1x1 + c3x3 + c5x5 + cpool</c>. Reusable on its own
/// (e.g. a mixed3a→mixed3b-shaped block <c>new InceptionMixedBlock(256, 128, 128, 192, 32, 96,
/// 64)</c>, 256 → 480 channels).
/// </summary>
public sealed class InceptionMixedBlock : nn.Module<Tensor, Tensor>, ICenterJacobian
{
    /// <summary>Branch names in module order; the concat order is
    /// <see cref="ConcatBranches"/>.</summary>
    public static readonly IReadOnlyList<string> Branches =
    [
        "1x1",
        "3x3_bottleneck",
        "3x3",
        "5x5_bottleneck",
        "5x5",
        "pool",
        "pool_reduce",
    ];

    /// <summary>The relu'd branches concatenated (in this order) into the block output.</summary>
    public static readonly IReadOnlyList<string> ConcatBranches =
    [
        "1x1",
        "3x3",
        "5x5",
        "pool_reduce",
    ];

    readonly ConvRelu b1x1,
        b3x3Bottleneck,
        b3x3,
        b5x5Bottleneck,
        b5x5,
        bPoolReduce;
    readonly TfSamePool2d bPool;
    readonly nn.Module<Tensor, Tensor> preRelu;

    /// <summary>Input channels.</summary>
    public long InChannels { get; }

    /// <summary>Output channels (sum of the four concatenated branches).</summary>
    public long OutChannels { get; }

    /// <summary>
    /// A block taking <paramref name="inChannels"/>: 1x1 branch <paramref name="c1x1"/>; 3x3 branch
    /// with a 1x1 bottleneck of <paramref name="c3x3Reduce"/> then <paramref name="c3x3"/>; 5x5
    /// branch <paramref name="c5x5Reduce"/> then
    /// <paramref name="c5x5"/>; pool branch 3x3 max pool then 1x1 to <paramref name="cPool"/>.
    /// </summary>
    public InceptionMixedBlock(
        long inChannels,
        long c1x1,
        long c3x3Reduce,
        long c3x3,
        long c5x5Reduce,
        long c5x5,
        long cPool,
        string name = "InceptionMixedBlock"
    )
        : base(name)
    {
        foreach (
            var (n, v) in new[]
            {
                ("inChannels", inChannels),
                ("c1x1", c1x1),
                ("c3x3Reduce", c3x3Reduce),
                ("c3x3", c3x3),
                ("c5x5Reduce", c5x5Reduce),
                ("c5x5", c5x5),
                ("cPool", cPool),
            }
        )
            if (v < 1)
                throw new ArgumentOutOfRangeException(
                    n,
                    $"Channel count {n} must be positive; got {v}."
                );
        InChannels = inChannels;
        OutChannels = c1x1 + c3x3 + c5x5 + cPool;
        b1x1 = new ConvRelu(inChannels, c1x1, 1) { KeepPreRelu = true };
        b3x3Bottleneck = new ConvRelu(inChannels, c3x3Reduce, 1);
        b3x3 = new ConvRelu(c3x3Reduce, c3x3, 3) { KeepPreRelu = true };
        b5x5Bottleneck = new ConvRelu(inChannels, c5x5Reduce, 1);
        b5x5 = new ConvRelu(c5x5Reduce, c5x5, 5) { KeepPreRelu = true };
        bPool = new TfSamePool2d(3, 1);
        bPoolReduce = new ConvRelu(inChannels, cPool, 1) { KeepPreRelu = true };
        preRelu = nn.Identity();
        register_module("1x1", b1x1);
        register_module("3x3_bottleneck", b3x3Bottleneck);
        register_module("3x3", b3x3);
        register_module("5x5_bottleneck", b5x5Bottleneck);
        register_module("5x5", b5x5);
        register_module("pool", bPool);
        register_module("pool_reduce", bPoolReduce);
        register_module("pre_relu", preRelu);
    }

    /// <summary>Output widths of the concatenated branches, in order: 1x1, 3x3, 5x5,
    /// pool_reduce.</summary>
    public IReadOnlyList<long> ChannelGroups =>
        [b1x1.OutChannels, b3x3.OutChannels, b5x5.OutChannels, bPoolReduce.OutChannels];

    /// <summary>
    /// The block's linearized center Jacobian over a W×W input, branch by branch in concat order:
    /// the 1x1 kernel; the 3x3 (5x5) kernel placed at the center times its 1x1 bottleneck; the pool
    /// projection times the average-pool surrogate's center window.
    /// </summary>
    public Tensor CenterJacobian(int width)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var j1 = b1x1.CenterJacobian(width);
        var j3 = einsum(
            "oryx,ri->oiyx",
            b3x3.CenterJacobian(width),
            b3x3Bottleneck.PointwiseMatrix()
        );
        var j5 = einsum(
            "oryx,ri->oiyx",
            b5x5.CenterJacobian(width),
            b5x5Bottleneck.PointwiseMatrix()
        );
        var proj = bPoolReduce.PointwiseMatrix();
        var jp =
            proj[.., .., TensorIndex.None, TensorIndex.None]
            * bPool.CenterAverageWeights(width, proj.dtype).to(proj.device);
        return cat([j1, j3, j5, jp], 0).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    /// <remarks>No dispose scope here: hooks may hand out aliases of the branch outputs.</remarks>
    public override Tensor forward(Tensor input)
    {
        var y1 = b1x1.call(input);
        var y3 = b3x3.call(b3x3Bottleneck.call(input));
        var y5 = b5x5.call(b5x5Bottleneck.call(input));
        var yp = bPoolReduce.call(bPool.call(input));
        // Lucid's mixedXX_pre_relu: a side output (nothing downstream reads it), computed before
        // the block output so that a capture of it stops the forward here.
        preRelu.call(
            cat(
                [
                    b1x1.TakePreRelu(),
                    b3x3.TakePreRelu(),
                    b5x5.TakePreRelu(),
                    bPoolReduce.TakePreRelu(),
                ],
                1
            )
        );
        return cat([y1, y3, y5, yp], 1);
    }
}
