using System.Diagnostics;
using Notebooks.Weights.Connections;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Connections;

/// <summary>Weights tests run alone: process RSS must reflect only the memory test, and building
/// modules draws from torch's global RNG, which other test classes seed.</summary>
[CollectionDefinition("WeightsSerial", DisableParallelization = true)]
public class WeightsSerialCollection;

[Collection("WeightsSerial")]
public class ExpandedWeightsMemoryTests
{
    [Fact]
    public void MemoryStaysFlatOver200Calls()
    {
        using var m = ExpandedWeightsTests.Branchy(10);
        static long Rss()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return Process.GetCurrentProcess().WorkingSet64;
        }
        using var cache = new ExpandedWeightsCache();
        for (int i = 0; i < 20; i++)
            ExpandedWeights.Get(m, "stem_relu", "head", 7).Dispose();
        long liveBefore = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        long start = Rss();
        for (int i = 0; i < 200; i++)
        {
            using var scope = NewDisposeScope();
            ExpandedWeights.Get(m, "stem_relu", "head", 7);
            cache.Get(m, "stem_relu", "head", 7, units: [i % 5]); // cached path after the first 5
        }
        long growth = Rss() - start;
        long liveGrowth = DisposeScopeManager.Statistics.ThreadTotalLiveCount - liveBefore;
        // The cache holds at most 5 new entries here; nothing else may stay alive.
        Assert.True(liveGrowth <= 5, $"{liveGrowth} tensors still alive");
        Assert.True(growth < 24L << 20, $"RSS grew by {growth >> 20} MiB");
    }
}
