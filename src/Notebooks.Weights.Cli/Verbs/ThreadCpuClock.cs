using System.Runtime.InteropServices;

namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// CPU seconds of the calling thread (Linux <c>RUSAGE_THREAD</c>; wall time elsewhere). With
/// <c>--threads 1</c> torch runs every op on this thread, so a lap is the phase's CPU cost whatever
/// else the machine is doing.
/// </summary>
sealed class ThreadCpuClock
{
    [StructLayout(LayoutKind.Sequential)]
    struct RUsage
    {
        public long UserSec,
            UserUsec,
            SysSec,
            SysUsec;
        public long F0,
            F1,
            F2,
            F3,
            F4,
            F5,
            F6,
            F7,
            F8,
            F9,
            F10,
            F11,
            F12,
            F13;
    }

    [DllImport("libc", SetLastError = true)]
    static extern int getrusage(int who, out RUsage usage);

    double _t = Now();

    /// <summary>The calling thread's CPU seconds so far.</summary>
    public static double Now()
    {
        if (!OperatingSystem.IsLinux() || getrusage(1, out var u) != 0)
            return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
        return u.UserSec + u.SysSec + (u.UserUsec + u.SysUsec) / 1e6;
    }

    /// <summary>Seconds since the last lap (or since the clock was made).</summary>
    public double Lap()
    {
        double now = Now(),
            d = now - _t;
        _t = now;
        return d;
    }
}
