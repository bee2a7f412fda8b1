using Notebooks.Weights.FeatureVis;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.FeatureVis;

/// <summary>The spatial-positions and factor-direction renders are cached like unit
/// visualizations.</summary>
public class VisVecsCacheTests : IDisposable
{
    readonly string _root = Path.Combine(
        Path.GetTempPath(),
        "nw-visvecs-cache-" + Guid.NewGuid().ToString("N")
    );

    public void Dispose()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void SecondVisVecsCallReadsTheCacheAndAgrees_AChangedVectorRendersOnlyItself()
    {
        using var m = RenderTests.EdgeModel();
        var cache = new FeatureVisCache(_root);
        var vecs = tensor(new float[] { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 4, 0, 0 })
            .reshape(2, 2, 4);
        int renders = 0,
            batch = 0;
        void Count(RenderProgress p)
        {
            if (p.Step == 1)
                renders++;
            batch = p.Objective.Length;
        }
        using var first = NotebookHelpers.VisVecs(
            m,
            "conv1",
            vecs,
            size: 16,
            steps: 6,
            skipZero: true,
            progress: Count,
            cache: cache
        );
        Assert.Equal((1, 3), (renders, batch)); // zero vector not rendered
        Assert.Equal(3, Directory.GetFiles(_root, "*.png", SearchOption.AllDirectories).Length);
        using var second = NotebookHelpers.VisVecs(
            m,
            "conv1",
            vecs,
            size: 16,
            steps: 6,
            skipZero: true,
            progress: Count,
            cache: cache
        );
        Assert.Equal(1, renders); // nothing rendered again
        Assert.True(first.Images.eq(second.Images).all().item<bool>());
        var changed = vecs.clone();
        changed[1, 1, 0] = 2; // one position changes
        using var third = NotebookHelpers.VisVecs(
            m,
            "conv1",
            changed,
            size: 16,
            steps: 6,
            skipZero: true,
            progress: Count,
            cache: cache
        );
        Assert.Equal((2, 1), (renders, batch));
        Assert.True(third.Images[0, 0].eq(first.Images[0, 0]).all().item<bool>());
        // Other settings are other files: more steps render again.
        using var longer = NotebookHelpers.VisVecs(
            m,
            "conv1",
            vecs,
            size: 16,
            steps: 7,
            skipZero: true,
            progress: Count,
            cache: cache
        );
        Assert.Equal((3, 3), (renders, batch));
    }

    [Fact]
    public void VisDirectionsWithACacheRendersOnceAndMatchesTheUncachedImagesToEightBits()
    {
        using var m = RenderTests.EdgeModel();
        var cache = new FeatureVisCache(_root);
        var dirs = tensor(new float[] { 1, 0, 0, 0, 0, 1, 0, 0 }).reshape(2, 4);
        int renders = 0;
        using var plain = NotebookHelpers.VisDirections(m, "conv1", dirs, size: 16, steps: 6);
        using var cached = NotebookHelpers.VisDirections(
            m,
            "conv1",
            dirs,
            size: 16,
            steps: 6,
            progress: p =>
            {
                if (p.Step == 1)
                    renders++;
            },
            cache: cache
        );
        using var again = NotebookHelpers.VisDirections(
            m,
            "conv1",
            dirs,
            size: 16,
            steps: 6,
            progress: p =>
            {
                if (p.Step == 1)
                    renders++;
            },
            cache: cache
        );
        Assert.Equal(1, renders);
        float diff = (plain - cached).abs().max().item<float>();
        Assert.True(diff <= 1f / 255 + 1e-6f, $"cached differs from uncached by {diff}"); // 8-bit PNG quantization only
        Assert.True(cached.eq(again).all().item<bool>());
    }

    [Fact]
    public void ProgressLogWritesTheFirstThrottledAndLastSteps()
    {
        var w = new StringWriter();
        var log = RenderProgressLog.To(w, "rendering 3 units of conv1", TimeSpan.FromHours(1));
        for (int s = 1; s <= 10; s++)
            log(new RenderProgress(s, 10, [0.0], TimeSpan.FromSeconds(s), null));
        var lines = w.ToString()
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.TrimEnd('\r'))
            .ToArray();
        Assert.Equal(
            new[]
            {
                "rendering 3 units of conv1: step 1/10 (1 s)",
                "rendering 3 units of conv1: step 10/10 (10 s)",
            },
            lines
        );
        var every = new StringWriter();
        var all = RenderProgressLog.To(every, "x", TimeSpan.Zero);
        for (int s = 1; s <= 4; s++)
            all(new RenderProgress(s, 4, [0.0], TimeSpan.Zero, null));
        Assert.Equal(4, every.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
