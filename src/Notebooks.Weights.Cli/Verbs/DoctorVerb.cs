namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights doctor</c>: checks that the native runtime loads and computes a correct conv
/// gradient.</summary>
public sealed class DoctorVerb()
    : Verb(
        "doctor",
        "check the TorchSharp native runtime (load, GLIBCXX patch, oneDNN guard, conv gradient)"
    )
{
    public override string Notes => "  weights doctor";

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var x = ones(2, 3, 6, 6).requires_grad_(true);
        var y = nn.functional.conv2d(x, ones(1, 3, 3, 3));
        y.backward([ones_like(y)]);
        // Every pixel's gradient = windows covering it per axis (1,2,3,3,2,1) squared: total
        // 2*3*(12*12).
        var total = x.grad!.sum().item<float>();
        foreach (var line in TorchRuntime.Log)
            stdout.WriteLine(line);
        stdout.WriteLine($"torch threads: {get_num_threads()}");
        bool ok = total == 2 * 3 * 144;
        stdout.WriteLine(
            ok
                ? "conv forward+backward: ok"
                : $"conv forward+backward: WRONG gradient sum {total}, expected {2 * 3 * 144}"
        );
        return ok ? 0 : 1;
    }
}
