namespace Notebooks.Weights.Cli.Verbs;

/// <summary><c>weights nmf</c>: Lucid's ChannelReducer on a .npy array (last axis reduced),
/// optionally one-sided (posneg).</summary>
public sealed class NmfVerb()
    : Verb(
        "nmf",
        "reduce the last axis of a .npy array with NMF (or PCA/SVD); one-sided NMF with --posneg-axis"
    )
{
    readonly Option<string> _in = Opt.Text(
        "--in",
        "X.npy: the array whose last axis is reduced",
        required: true
    );
    readonly Option<string> _out = Opt.Out(
        "F.npy: the reduced array (last axis replaced by the components)",
        required: true
    );
    readonly Option<int> _components = Opt.RequiredInt(
        "--components",
        "number of components",
        min: 1
    );
    readonly Option<string> _algorithm = Opt.Text("--algorithm", "nmf, pca or svd", "nmf");
    readonly Option<string> _init = Opt.Text(
        "--init",
        "NMF initialization: nndsvda, nndsvd or random",
        "nndsvda"
    );
    readonly Option<string?> _posnegAxis = Opt.OptionalText(
        "--posneg-axis",
        "A: split signs along axis A first (one-sided NMF; the last axis, or e.g. 0 for neurons of a group)"
    );
    readonly Option<string?> _componentsOut = Opt.OptionalText(
        "--components-out",
        "C.npy: also write the fitted components [K, channels]"
    );
    readonly Option<int> _seed = Opt.Seed(0);
    readonly Option<int> _maxIter = Opt.Int("--max-iter", "maximum NMF iterations", 200);
    readonly Option<double> _tol = Opt.Double(
        "--tol",
        "NMF stops when an iteration's projected-gradient violation is at most tol times the first's",
        1e-4
    );
    readonly Option<bool> _json = Opt.Json();
    public override string Notes =>
        "  weights nmf --in X.npy --components K --out F.npy [--posneg-axis A] [--seed S] [--algorithm nmf|pca|svd]\n"
        + "              [--init nndsvda|nndsvd|random] [--tol 1e-4] [--max-iter 200] [--components-out C.npy] [--json]\n"
        + "  --posneg-axis A: split signs along axis A first (last axis = channels of one neuron;\n"
        + "                  another axis, e.g. 0 = neurons of a group, is recombined as W[:N] - W[N:])";

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var (input, output, compOut) = (args.Get(_in), args.Get(_out), args.Get(_componentsOut));
        int k = args.Get(_components),
            seed = args.Get(_seed);
        var (algText, initText, posnegText) = (
            args.Get(_algorithm),
            args.Get(_init),
            args.Get(_posnegAxis)
        );

        var alg = algText.ToLowerInvariant() switch
        {
            "nmf" => ReductionAlgorithm.Nmf,
            "pca" => ReductionAlgorithm.Pca,
            "svd" or "truncatedsvd" => ReductionAlgorithm.TruncatedSvd,
            _ => throw new CliUsageException(
                $"--algorithm: unknown '{algText}'; expected nmf, pca or svd"
            ),
        };
        var init = initText.ToLowerInvariant() switch
        {
            "nndsvda" => NmfInit.Nndsvda,
            "nndsvd" => NmfInit.Nndsvd,
            "random" => NmfInit.Random,
            _ => throw new CliUsageException(
                $"--init: unknown '{initText}'; expected nndsvda, nndsvd or random"
            ),
        };
        int? posnegAxis = null;
        if (posnegText is not null)
            posnegAxis = int.TryParse(
                posnegText,
                NumberStyles.Integer,
                CultureInfo.InvariantCulture,
                out var a
            )
                ? a
                : throw new CliUsageException(
                    $"--posneg-axis: expected an integer axis, got '{posnegText}'"
                );
        if (!File.Exists(input))
            throw new FileNotFoundException($"input file not found: {input}", input);
        OutputPaths.File(output);
        if (compOut is not null)
            OutputPaths.File(compOut, "--components-out");

        using var scope = NewDisposeScope();
        var x = Npy.Load(input);
        using var reducer = new ChannelReducer(k, alg, seed)
        {
            Init = init,
            Tol = args.Get(_tol),
            MaxIter = args.Get(_maxIter),
        };
        var sw = Stopwatch.StartNew();
        var reduced = posnegAxis is int ax
            ? reducer.FitTransformPosNeg(x, ax)
            : reducer.FitTransform(x);
        double ms = sw.Elapsed.TotalMilliseconds;
        Npy.Save(output, reduced.contiguous());
        if (compOut is not null)
            Npy.Save(compOut, reducer.Components.contiguous());

        if (args.Get(_json))
        {
            var o = new Dictionary<string, object?>
            {
                ["input"] = input,
                ["input_shape"] = x.shape,
                ["algorithm"] = alg.ToString(),
                ["components"] = k,
                ["posneg_axis"] = posnegAxis,
                ["seed"] = seed,
                ["relative_error"] = reducer.RelativeError,
                ["reconstruction_error"] = reducer.ReconstructionError,
                ["iterations"] = reducer.Iterations,
                ["converged"] = reducer.Converged,
                ["milliseconds"] = ms,
                ["out"] = output,
                ["out_shape"] = reduced.shape,
                ["components_out"] = compOut,
            };
            stdout.WriteLine(JsonSerializer.Serialize(o, CliJson.Indented));
        }
        else
        {
            stdout.WriteLine(
                $"{alg} K={k} of {input} [{string.Join(", ", x.shape)}]"
                    + (posnegAxis is null ? "" : $" (posneg on axis {posnegAxis})")
            );
            stdout.WriteLine(
                $"  relative reconstruction error {reducer.RelativeError:G6}   iterations {reducer.Iterations}{(reducer.Converged ? "" : " (max-iter reached, not converged)")}   {ms:F1} ms"
            );
            stdout.WriteLine(
                $"  wrote {output} [{string.Join(", ", reduced.shape)}]"
                    + (
                        compOut is null
                            ? ""
                            : $" and {compOut} [{string.Join(", ", reducer.Components.shape)}]"
                    )
            );
        }
        return 0;
    }
}
