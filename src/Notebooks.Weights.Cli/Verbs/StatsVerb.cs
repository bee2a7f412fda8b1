namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights stats</c>: per-weight Frobenius norm, magnitude/sign summary and histogram
/// of a model.</summary>
public sealed class StatsVerb()
    : Verb(
        "stats",
        "weight statistics per layer: Frobenius norm, mean |w|, sign fractions, histogram, per-unit norms"
    )
{
    readonly Option<string> _model = Opt.Model();
    readonly Option<int> _bins = Opt.Int("--bins", "histogram bins per weight (at least 1)", 50);
    readonly Option<double> _nearZero = Opt.Double(
        "--near-zero",
        "|w| below this counts as near zero",
        1e-3
    );
    readonly Option<bool> _json = Opt.Json();
    public override string Notes =>
        "  weights stats --model M [--bins 50] [--near-zero 1e-3] [--json]";

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        int bins = args.Get(_bins);
        double nearZero = args.Get(_nearZero);
        if (bins < 1)
            throw new CliUsageException($"option --bins: expected at least 1, got {bins}");
        using var model = args.Models.LoadModel(args.Get(_model));
        var stats = LayerStatistics.Compute(model, bins, nearZero);
        if (args.Get(_json))
        {
            stdout.WriteLine(
                JsonSerializer.Serialize(
                    new
                    {
                        model = model.Name,
                        near_zero = nearZero,
                        weights = stats,
                    }
                )
            );
            return 0;
        }
        int w = Math.Max(6, stats.Select(s => s.Name.Length).DefaultIfEmpty(6).Max());
        int wl = Math.Max(5, stats.Select(s => s.Layer?.Length ?? 1).DefaultIfEmpty(5).Max());
        stdout.WriteLine(
            $"{"weight".PadRight(w)}  {"layer".PadRight(wl)}  {"shape", -16} {"||W||_F", 10} {"mean|w|", 10} {"max|w|", 10} {"pos", 6} {"neg", 6} {"~0", 6}"
        );
        foreach (var s in stats)
            stdout.WriteLine(
                $"{s.Name.PadRight(w)}  {(s.Layer ?? "-").PadRight(wl)}  {string.Join("x", s.Shape), -16} {s.Frobenius, 10:G4} {s.MeanAbs, 10:G4} {s.MaxAbs, 10:G4} {s.FractionPositive, 6:P0} {s.FractionNegative, 6:P0} {s.FractionNearZero, 6:P0}"
            );
        return 0;
    }
}
