using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Models;
using Notebooks.Weights.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.RuntimeTests;

/// <summary>
/// TorchSharp 0.107 frees implicitly created native scalars in finalizers; a garbage collection
/// triggered by another thread during a native call could free a scalar in use (NaN objectives,
/// "Expected false to be true" in Scalar::toFloat). These tests collect garbage in a tight loop on
/// a second thread while the library works. Serial: they hold up every finalizer in the process
/// while they run.
/// </summary>
[Collection("WeightsSerial")]
public class FinalizerGateTests
{
    sealed class Probe
    {
        public static int Finalized;

        ~Probe() => Interlocked.Increment(ref Finalized);
    }

    static void MakeGarbage(int n)
    {
        for (int i = 0; i < n; i++)
            _ = new Probe();
    }

    [Fact]
    public void While_held_no_finalizer_runs_and_they_all_run_after_release()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        int before = Volatile.Read(ref Probe.Finalized);
        using (FinalizerGate.Hold())
        {
            using (FinalizerGate.Hold())
                MakeGarbage(100); // nested holds
            Assert.True(FinalizerGate.IsHeld);
            GC.Collect();
            Thread.Sleep(200);
            Assert.Equal(before, Volatile.Read(ref Probe.Finalized));
        }
        Assert.False(FinalizerGate.IsHeld);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(before + 100, Volatile.Read(ref Probe.Finalized));
    }
}
