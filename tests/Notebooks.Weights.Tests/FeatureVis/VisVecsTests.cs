using Notebooks.Weights.FeatureVis;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.FeatureVis;

public class VisVecsTests
{
    [Fact]
    public void VisVecsRendersOneImagePerPositionAndReturnsMagnitudes()
    {
        using var m = RenderTests.EdgeModel();
        // 2x2 "positions" of 4-channel vectors for conv1 (channels: vertical edge, horizontal edge,
        // 2 random).
        var vecs = tensor(new float[] { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 4, 0, 0 })
            .reshape(2, 2, 4);
        int seen = 0;
        using var r = NotebookHelpers.VisVecs(
            m,
            "conv1",
            vecs,
            size: 24,
            steps: 24,
            skipZero: true,
            progress: p => seen = p.Objective.Length
        );
        Assert.Equal(new long[] { 2, 2, 24, 24, 3 }, r.Images.shape);
        Assert.Equal(3, seen); // zero vector not rendered
        Assert.Equal(new float[] { 1, 1, 0, 5 }, r.Magnitudes.flatten().data<float>().ToArray());
        Assert.True(r.Images[1, 0].eq(0.5f).all().item<bool>());
        // The rendered image for the vertical-edge vector drives that direction at the center far
        // above gray.
        var img = Optvis.ToChw(r.Images[0, 0].unsqueeze(0));
        var act = m.Activation(img, "conv1")[0, .., 12, 12];
        var gray = m.Activation(full(1, 3, 24, 24, 0.5f), "conv1")[0, .., 12, 12];
        Assert.True(
            act[0].item<float>() > gray[0].item<float>() + 1,
            $"{act[0].item<float>()} vs {gray[0].item<float>()}"
        );
        Assert.Throws<ArgumentException>(() =>
            NotebookHelpers.VisVecs(m, "conv1", vecs, size: 24, steps: 2)
        );
    }

    [Fact]
    public void VisDirectionsRendersOneImagePerFactor()
    {
        using var m = RenderTests.EdgeModel();
        var comps = tensor(new float[] { 1, 0, 0, 0, 0, 1, 0, 0 }).reshape(2, 4);
        var imgs = NotebookHelpers.VisDirections(m, "conv1", comps, size: 24, steps: 24);
        Assert.Equal(new long[] { 2, 24, 24, 3 }, imgs.shape);
        var acts = m.Activation(Optvis.ToChw(imgs), "conv1").mean([2, 3]);
        // Factor 0 (vertical edges) image excites channel 0 more than the factor-1 image does, and
        // vice versa.
        Assert.True(acts[0, 0].item<float>() > acts[1, 0].item<float>());
        Assert.True(acts[1, 1].item<float>() > acts[0, 1].item<float>());
    }
}
