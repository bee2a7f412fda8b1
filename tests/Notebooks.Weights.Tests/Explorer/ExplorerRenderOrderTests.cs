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

    static ExplorerAsset[] Fvs(string layer, params int[] units) =>
        units.Select(u => Fv(layer, u)).ToArray();

    static List<string> Paths(ExplorerRenderOrder order) =>
        order.Waiting().Select(a => a.Path.Replace("img/fv/", "").Replace(".png", "")).ToList();

    [Fact]
    public void AskedForBeforeAnnounced_InTheLatestAnnouncementsOrder()
    {
        var order = new ExplorerRenderOrder();
        // Page 1 announces its pictures (visible first); the browser asks for three of them, in
        // its own order.
        order.Announce(Fvs("a", 0, 1, 2, 3));
        order.Request(Fv("a", 1));
        order.Request(Fv("a", 0));
        order.Request(Fv("a", 3));
        Assert.Equal(["a_0", "a_1", "a_3", "a_2"], Paths(order));
        // The user scrolls down: the page announces again, now a_3 and a_2 in view.
        order.Announce(Fvs("a", 3, 2, 0, 1));
        Assert.Equal(["a_3", "a_0", "a_1", "a_2"], Paths(order));
        // The user opens page 2, which announces its pictures; the browser asks for b_6.
        order.Announce(Fvs("b", 5, 6));
        order.Request(Fv("b", 6));
        Assert.Equal(["b_6", "a_3", "a_0", "a_1", "b_5", "a_2"], Paths(order));
        // A picture asked for before any announcement counts as the latest announcement.
        order.Request(Fv("c", 1));
        Assert.Equal(["c_1", "b_6", "a_3", "a_0", "a_1", "b_5", "a_2"], Paths(order));
        // One picture per batch: rendered in that order.
        Assert.Equal(order.Waiting().Select(a => a.Path), Drain(order, 1));
    }

    [Fact]
    public void AskedForAgainKeepsItsPlace_AnnouncingDoesNotDemoteAnAskedForPicture()
    {
        var order = new ExplorerRenderOrder();
        Assert.True(order.Request(Fv("a", 0)));
        Assert.True(order.Request(Fv("a", 1)));
        Assert.False(order.Request(Fv("a", 0))); // the browser's retry of a 503
        Assert.Equal(["a_1", "a_0"], Paths(order));

        var added = order.Announce(Fvs("a", 1, 7, 7));
        Assert.Equal([Fv("a", 7)], added);
        Assert.Equal(["a_1", "a_0", "a_7"], Paths(order));
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
