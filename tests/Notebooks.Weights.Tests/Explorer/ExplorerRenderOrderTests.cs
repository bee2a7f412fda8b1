using Notebooks.Weights.Explorer;

namespace Notebooks.Weights.Tests.Explorer;

/// <summary>The served explorer's render order (<see cref="ExplorerRenderOrder"/>, used by
/// <see cref="ExplorerRenderQueue"/>): what the browser asks for (the visible pictures of a lazily
/// loading page) goes first.</summary>
public sealed class ExplorerRenderOrderTests
{
    static ExplorerAsset Fv(string layer, int unit) =>
        new(ExplorerAssetKind.FeatureVis, layer, unit);

    static ExplorerAsset Nmf(string layer, int unit) => new(ExplorerAssetKind.UnitNmf, layer, unit);

    static List<string> Drain(ExplorerRenderOrder order, int batch, int? announcedBatch = null)
    {
        var taken = new List<string>();
        while (order.Count > 0)
            taken.Add(string.Join("+", order.Take(batch, announcedBatch).Select(a => a.Path)));
        return taken;
    }

    [Fact]
    public void AskedForBeforeAnnounced_LatestAskFirst_LatestAnnouncementFirstInItsOrder()
    {
        var order = new ExplorerRenderOrder();
        // Page 1 announces its pictures (visible first), the browser asks for two of them.
        order.Announce([Fv("a", 0), Fv("a", 1), Fv("a", 2), Fv("a", 3)]);
        order.Request(Fv("a", 0));
        order.Request(Fv("a", 1));
        // The user scrolls: page 1's unit 3 comes into view and is asked for.
        order.Request(Fv("a", 3));
        // Page 2 announces its pictures (one already waiting from page 1).
        order.Announce([Fv("b", 5), Fv("a", 2), Fv("b", 6)]);

        Assert.Equal(
            [
                "img/fv/a_3.png", // asked for last
                "img/fv/a_1.png",
                "img/fv/a_0.png",
                "img/fv/b_5.png", // the latest announcement, in its order
                "img/fv/a_2.png",
                "img/fv/b_6.png",
            ],
            order.Waiting().Select(a => a.Path)
        );
        // One picture per batch: rendered in that order.
        Assert.Equal(order.Waiting().Select(a => a.Path), Drain(order, 1));
    }

    [Fact]
    public void AskedForAgainMovesToTheFront_AnnouncingDoesNotDemoteAnAskedForPicture()
    {
        var order = new ExplorerRenderOrder();
        Assert.True(order.Request(Fv("a", 0)));
        Assert.True(order.Request(Fv("a", 1)));
        Assert.False(order.Request(Fv("a", 0))); // the browser's retry of a 503
        Assert.Equal(["img/fv/a_0.png", "img/fv/a_1.png"], order.Waiting().Select(a => a.Path));

        var added = order.Announce([Fv("a", 1), Fv("a", 7), Fv("a", 7)]);
        Assert.Equal([Fv("a", 7)], added);
        Assert.Equal(
            ["img/fv/a_0.png", "img/fv/a_1.png", "img/fv/a_7.png"],
            order.Waiting().Select(a => a.Path)
        );
    }

    [Fact]
    public void QuickAskedForPicturesGoBeforeOptimizedOnes()
    {
        var order = new ExplorerRenderOrder();
        // A layer page: the browser asks for unit cards in page order (feature vis, then NMF).
        order.Request(Fv("a", 0));
        order.Request(Nmf("a", 0));
        order.Request(Fv("a", 1));
        order.Request(Nmf("a", 1));
        order.Request(new ExplorerAsset(ExplorerAssetKind.Spatial, "a", 0));
        order.Request(new ExplorerAsset(ExplorerAssetKind.LayerHistogram, "a"));
        order.Announce([Nmf("a", 9)]); // only announced: after every asked-for picture
        Assert.Equal(
            [
                "img/layer/a_hist.png",
                "img/nmf/a_1.png",
                "img/nmf/a_0.png",
                "img/spatial/a_0.png",
                "img/fv/a_1.png",
                "img/fv/a_0.png",
                "img/nmf/a_9.png",
            ],
            order.Waiting().Select(a => a.Path)
        );
    }

    [Fact]
    public void FeatureVisBatchTakesAlongOnlyItsLayersPicturesOfTheSameKind()
    {
        var order = new ExplorerRenderOrder();
        // 8 off-screen units announced, 3 visible ones asked for, one of another layer; batches of
        // 4 asked-for units, of 3 announced ones.
        order.Announce(Enumerable.Range(10, 8).Select(u => Fv("a", u)));
        order.Request(Fv("a", 0));
        order.Request(Fv("b", 4));
        order.Request(Fv("a", 1));
        order.Request(Fv("a", 2));
        Assert.Equal(
            [
                // The visible ones of layer a in one batch, not padded with off-screen units.
                "img/fv/a_2.png+img/fv/a_1.png+img/fv/a_0.png",
                "img/fv/b_4.png",
                // Then the announced ones, in batches of at most 3.
                "img/fv/a_10.png+img/fv/a_11.png+img/fv/a_12.png",
                "img/fv/a_13.png+img/fv/a_14.png+img/fv/a_15.png",
                "img/fv/a_16.png+img/fv/a_17.png",
            ],
            Drain(order, 4, 3)
        );
        Assert.Empty(order.Take(4));
    }

    [Fact]
    public void BadBatchSizeIsRefused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ExplorerRenderOrder().Take(0));
        Assert.Equal("featureVisBatch", e.ParamName);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new ExplorerRenderOrder().Take(4, 0));
        Assert.Equal("announcedBatch", e.ParamName);
    }
}
