namespace Notebooks.Weights.Training;

/// <summary>
/// A small, fully specified random generator (SplitMix64) so generated data is identical on every
/// .NET version and platform (<see cref="System.Random"/> makes no such promise). Not for
/// cryptography.
/// </summary>
public sealed class SplitMix64
{
    ulong _state;

    /// <summary>A generator seeded with <paramref name="seed"/>.</summary>
    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>A generator for item <paramref name="index"/> of stream <paramref name="stream"/>
    /// under <paramref name="seed"/>: independent per item, so any item can be regenerated
    /// alone.</summary>
    public static SplitMix64 For(ulong seed, ulong stream, ulong index) =>
        new(
            Mix(
                Mix(seed ^ 0x243F6A8885A308D3UL)
                    ^ Mix(stream + 0x13198A2E03707344UL)
                    ^ Mix(index * 0x9E3779B97F4A7C15UL + 0xA4093822299F31D0UL)
            )
        );

    /// <summary>Next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform integer in [0, <paramref name="n"/>).</summary>
    public int Next(int n)
    {
        if (n <= 0)
            throw new ArgumentOutOfRangeException(nameof(n), $"Range must be positive; got {n}.");
        return (int)((NextUInt64() >> 33) % (ulong)n);
    }

    /// <summary>Standard normal (Box–Muller).</summary>
    public double Normal()
    {
        double u1 = 1.0 - NextDouble(),
            u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
