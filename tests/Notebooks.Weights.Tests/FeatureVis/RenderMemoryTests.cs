using System.Diagnostics;
using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.FeatureVis;

/// <summary>Process RSS is shared by every test running at the time, so this runs in the serial
/// collection.</summary>
[Collection("WeightsSerial")]
public class RenderMemoryTests
{
    [Fact]
    public void MemoryStaysFlatOverManySteps()
    {
        using var m = RenderTests.EdgeModel();
        long liveAt20 = 0,
            liveAtEnd = 0;
        long rssAt20 = 0,
            rssAtEnd = 0;
        using var proc = Process.GetCurrentProcess();
        using var r = RenderTests.RenderFor(
            m,
            Objective.Channel("conv2", 2) - 1e-3 * Objective.L1("input"),
            32,
            2,
            400,
            1,
            s =>
            {
                if (s.Step == 20)
                {
                    liveAt20 = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
                    proc.Refresh();
                    rssAt20 = proc.WorkingSet64;
                }
                if (s.Step == 399)
                {
                    liveAtEnd = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
                    proc.Refresh();
                    rssAtEnd = proc.WorkingSet64;
                }
            }
        );
        // Live tensors: the snapshot at step 200 is the only addition.
        Assert.InRange(liveAtEnd - liveAt20, 0, 2);
        Assert.True(
            rssAtEnd - rssAt20 < 40L << 20,
            $"RSS grew by {(rssAtEnd - rssAt20) >> 20} MiB over 380 steps"
        );
    }
}
