using System.Runtime.InteropServices;
using Notebooks.Weights.Runtime;

namespace Notebooks.Weights.Tests.RuntimeTests;

/// <summary>
/// TorchRuntime raises glibc's mmap threshold so multi-MiB tensor buffers are reused from the heap
/// instead of being mapped and page-faulted in again on every allocation. Measured on this thread's
/// own minor page faults.
/// </summary>
public class MallocThresholdTests
{
    static long ThreadMinorFaults()
    {
        // /proc/thread-self/stat: field 10 (minflt), counted after the ")" that closes the command
        // name.
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7]); // fields[0] is field 3 (state)
    }

    [Fact]
    public void A4MiBBufferAllocatedAgainDoesNotPageFaultAgain()
    {
        if (!OperatingSystem.IsLinux())
            return;
        TorchRuntime.EnsureLoaded();
        Assert.Contains(TorchRuntime.Log, l =>
            l.StartsWith("malloc: mmap threshold 32 MiB", StringComparison.Ordinal)
        );
        const int size = 4 << 20,
            page = 4096,
            rounds = 40;
        void Touch()
        {
            var p = Marshal.AllocHGlobal(size); // malloc
            try
            {
                for (int o = 0; o < size; o += page)
                    Marshal.WriteByte(p, o, 1);
            }
            finally
            {
                Marshal.FreeHGlobal(p);
            }
        }
        Touch(); // first use may fault its pages in
        long before = ThreadMinorFaults();
        for (int i = 0; i < rounds; i++)
            Touch();
        long faults = ThreadMinorFaults() - before;
        // Re-mapped each time this would be rounds × 1024 = 40960 faults; reused from the heap it
        // is (nearly) none.
        Assert.True(
            faults < size / page,
            $"{faults} minor page faults over {rounds} rounds of a 4 MiB buffer (each re-map costs {size / page})"
        );
    }
}
