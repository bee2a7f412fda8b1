using Notebooks.Weights.Training;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.Default;

public class SyntheticScenesTests
{
    [Fact]
    public void SameSeedSameImagesAndAnyImageCanBeRegeneratedAlone()
    {
        using var scope = NewDisposeScope();
        var (a, la) = SyntheticScenes.Batch(11, SyntheticScenes.TrainStream, 100, 16);
        var (b, lb) = SyntheticScenes.Batch(11, SyntheticScenes.TrainStream, 100, 16);
        Assert.True(a.allclose(b, 0, 0));
        Assert.True(la.equal(lb).all().item<bool>());
        var (c, _) = SyntheticScenes.Batch(12, SyntheticScenes.TrainStream, 100, 16);
        Assert.False(a.allclose(c, 0, 0));
        var (v, _) = SyntheticScenes.Batch(11, SyntheticScenes.ValidationStream, 100, 16);
        Assert.False(a.allclose(v, 0, 0));
        // Image 105 alone equals row 5 of the batch starting at 100.
        var one = SyntheticScenes.Render(11, SyntheticScenes.TrainStream, 105, 64, out int label);
        Assert.Equal(la[5].item<long>(), label);
        Assert.True(tensor(one, [3, 64, 64]).allclose(a[5], 0, 0));
        Assert.InRange(a.min().item<float>(), 0f, 0f);
        Assert.InRange(a.max().item<float>(), 0.9f, 1f);
    }

    [Fact]
    public void ClassesAreRoughlyBalanced()
    {
        using var scope = NewDisposeScope();
        var (_, labels) = SyntheticScenes.Batch(3, SyntheticScenes.TrainStream, 0, 2000, size: 8);
        var counts = labels.bincount(null, 10).data<long>().ToArray();
        Assert.Equal(10, counts.Length);
        // Binomial(2000, 0.1): mean 200, sd 13.4; ±60 is > 4 sd.
        Assert.All(counts, n => Assert.InRange(n, 140, 260));
    }

    static Tensor OfClass(int cls, int n, ulong seed = 5, bool rotate = false)
    {
        var (x, y) = SyntheticScenes.Batch(
            seed,
            SyntheticScenes.TrainStream,
            0,
            n * 14,
            rotate90: rotate
        );
        var idx = nonzero(y.eq(cls)).flatten();
        Assert.True(idx.shape[0] >= n / 2, $"too few images of class {cls}");
        return x.index_select(0, idx);
    }

    [Fact]
    public void VerticalOrderIsTheCueOfSkyAndGroundClasses()
    {
        using var scope = NewDisposeScope();
        // Blue minus green: sky is bluer than grass/soil. Top 16 rows vs bottom 16 rows.
        double Top(Tensor x) => (x[.., 2, ..16] - x[.., 1, ..16]).mean().item<float>();
        double Bottom(Tensor x) => (x[.., 2, 48..] - x[.., 1, 48..]).mean().item<float>();
        var sky = OfClass(6, 40);
        var flipped = OfClass(7, 40);
        Assert.True(
            Top(sky) > Bottom(sky) + 0.2,
            $"sky_over_ground: top {Top(sky):F3}, bottom {Bottom(sky):F3}"
        );
        Assert.True(
            Bottom(flipped) > Top(flipped) + 0.2,
            $"ground_over_sky: top {Top(flipped):F3}, bottom {Bottom(flipped):F3}"
        );
        // sun_high vs ball_low: the landscapes are drawn alike, so extra red-dominant pixels (the
        // disc) in the top third mark sun_high and in the bottom third ball_low. A disc of radius
        // >= 0.05 covers >= 0.8% of the image.
        double RedRows(Tensor x, Range rows) =>
            (x[.., 0, rows] - x[.., 2, rows])
                .gt(0.5)
                .to_type(ScalarType.Float32)
                .mean()
                .item<float>();
        var sun = OfClass(8, 40);
        var ball = OfClass(9, 40);
        Assert.True(
            RedRows(sun, ..22) > RedRows(ball, ..22) + 0.01,
            $"top third: sun {RedRows(sun, ..22):F3}, ball {RedRows(ball, ..22):F3}"
        );
        Assert.True(
            RedRows(ball, 42..) > RedRows(sun, 42..) + 0.01,
            $"bottom third: sun {RedRows(sun, 42..):F3}, ball {RedRows(ball, 42..):F3}"
        );
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    public void StripesVaryAcrossTheirOrientation(int cls, bool horizontal)
    {
        using var scope = NewDisposeScope();
        var x = OfClass(cls, 20).mean([1]); // gray [n, 64, 64]
        // Horizontal stripes: row means vary a lot, column means hardly (and the reverse for
        // vertical).
        var rowVar = x.mean([2]).var(1).mean().item<float>();
        var colVar = x.mean([1]).var(1).mean().item<float>();
        if (horizontal)
            Assert.True(rowVar > 10 * colVar, $"row var {rowVar}, col var {colVar}");
        else
            Assert.True(colVar > 10 * rowVar, $"row var {rowVar}, col var {colVar}");
    }

    [Fact]
    public void Rotate90IsNumpyRot90OfTheSameImages()
    {
        using var scope = NewDisposeScope();
        var (x, y) = SyntheticScenes.Batch(8, SyntheticScenes.TrainStream, 40, 6);
        var (r, ry) = SyntheticScenes.Batch(8, SyntheticScenes.TrainStream, 40, 6, rotate90: true);
        Assert.True(y.equal(ry).all().item<bool>());
        Assert.True(x.rot90(1, (2, 3)).allclose(r, 0, 0));
        // numpy/torch rot90 is counter-clockwise: the top row becomes the left column (read
        // bottom-up).
        Assert.Equal(x[0, 0, 0, 63].item<float>(), r[0, 0, 0, 0].item<float>());
    }

    [Fact]
    public void BadArgumentsAreNamed()
    {
        Assert.Contains(
            "Batch size must be positive; got 0",
            Assert
                .Throws<ArgumentOutOfRangeException>(() => SyntheticScenes.Batch(1, 1, 0, 0))
                .Message
        );
        Assert.Contains(
            "Image size must be at least 8; got 4",
            Assert
                .Throws<ArgumentOutOfRangeException>(() => SyntheticScenes.Batch(1, 1, 0, 2, 4))
                .Message
        );
    }
}
