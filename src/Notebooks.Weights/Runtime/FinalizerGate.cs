using System.Runtime.CompilerServices;

namespace Notebooks.Weights.Runtime;

/// <summary>
/// Holds back .NET finalizers while native tensor code runs.
/// <para>
/// Why: TorchSharp 0.107 turns numbers into native <c>Scalar</c> objects implicitly (<c>x *
/// 0.5</c>, the <c>alpha</c> of <c>add_</c> inside its own Adam step) and frees them only in their
/// finalizers. Nothing keeps such a temporary alive during the native call that uses it, so when
/// another thread triggers a garbage collection at that moment the finalizer thread can free the
/// scalar mid-call: the call then reads freed memory and returns NaN or fails with "Expected false
/// to be true" in <c>c10::Scalar::toFloat</c> (dotnet/TorchSharp PRs 1434 and 1496 track the fix).
/// A notebook kernel, a test host or any app with a second busy thread hits it now and then; a
/// stress test that collects garbage in a loop next to a feature-visualization render hits it every
/// few runs.
/// </para>
/// <para>
/// What: while at least one <see cref="Hold"/> is open, a gate object's finalizer blocks the
/// (single) finalizer thread, so no finalizer runs; objects found dead wait in the finalization
/// queue and are finalized when the last hold is released. The library holds the gate around its
/// long native loops (feature visualization, expanded weights, NMF, training) and the notebook
/// runner around each cell. Do not call <see cref="GC.WaitForPendingFinalizers"/> while holding it
/// (that waits for the gate itself).
/// </para>
/// </summary>
public static class FinalizerGate
{
    static readonly object Sync = new();
    static int _depth;
    static ManualResetEventSlim? _open;

    /// <summary>True while some thread holds the gate.</summary>
    public static bool IsHeld
    {
        get
        {
            lock (Sync)
                return _depth > 0;
        }
    }

    /// <summary>Blocks finalizers until the returned object is disposed (nestable, any
    /// thread).</summary>
    public static IDisposable Hold()
    {
        lock (Sync)
        {
            if (_depth++ == 0)
            {
                _open = new ManualResetEventSlim(false);
                using var parked = new ManualResetEventSlim(false);
                MakeGate(_open, parked);
                // The gate is garbage now; a collection queues its finalizer, which then parks the
                // finalizer thread.
                for (int attempt = 0; !parked.IsSet; attempt++)
                {
                    if (attempt == 200)
                    {
                        _depth--;
                        _open.Set();
                        throw new InvalidOperationException(
                            "FinalizerGate: the finalizer thread did not reach the gate within 20 s; is a finalizer blocked elsewhere?"
                        );
                    }
                    GC.Collect(0, GCCollectionMode.Forced, blocking: true);
                    parked.Wait(100);
                }
            }
        }
        return new Releaser();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void MakeGate(ManualResetEventSlim open, ManualResetEventSlim parked) =>
        _ = new Gate(open, parked);

    static void Release()
    {
        lock (Sync)
        {
            if (_depth == 0)
                throw new InvalidOperationException("FinalizerGate released more often than held.");
            if (--_depth == 0)
            {
                _open!.Set();
                _open = null;
            }
        }
    }

    sealed class Releaser : IDisposable
    {
        int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
                Release();
        }
    }

    sealed class Gate(ManualResetEventSlim open, ManualResetEventSlim parked)
    {
        ~Gate()
        {
            parked.Set();
            open.Wait();
            open.Dispose();
        }
    }
}
