namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// What one <c>weights doctor --isa-probe ISA</c> child found with <c>DNNL_MAX_CPU_ISA=ISA</c>: the
/// conv-gradient check (<see cref="Notebooks.Weights.Runtime.ConvGradientCheck"/>: cases, wrong
/// cases, the first few of them) and the best forward+backward CPU time of a ResNet-like 3x3 conv
/// at <see cref="Threads"/> torch threads; <see cref="Error"/> when the child failed.
/// </summary>
public sealed record IsaProbeResult(
    string Isa,
    int Cases,
    int Wrong,
    IReadOnlyList<string> Examples,
    double Milliseconds,
    int Threads,
    string? Error = null
)
{
    /// <summary>True when the child ran and every case was exact.</summary>
    public bool Correct => Error is null && Cases > 0 && Wrong == 0;
}
