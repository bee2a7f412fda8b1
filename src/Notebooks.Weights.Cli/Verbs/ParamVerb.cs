namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// <c>weights param</c>: exports one parameter (a named weight tensor, Lucid's
/// <c>ParameterEditor</c> <c>params['conv2d0_w']</c>) as NumPy <c>.npy</c>, in TorchSharp (OIHW) or
/// Lucid/TF (HWIO) layout. Formerly <c>weights weights</c>, a name that read as the tool's own;
/// that name still works, with a note on stderr.
/// </summary>
public sealed class ParamVerb()
    : Verb(
        "param",
        "export a parameter (a named weight: conv2d0_w, or a layer's kernel: layer4.2.conv2) as a NumPy .npy file"
    )
{
    public override IReadOnlyList<string> FormerNames => ["weights"];
    readonly Option<string> _model = Opt.Model();
    readonly Option<string> _name = Opt.Text(
        "--name",
        "a weight name or alias (conv2d0_w), or a conv/dense layer (its kernel)",
        required: true
    );
    readonly Option<string> _out = Opt.Out("FILE.npy: where to write the weight", required: true);
    readonly Option<string> _layout = Opt.Text(
        "--layout",
        "oihw (TorchSharp: [out, in, kH, kW]) or hwio (Lucid/TF: [kH, kW, in, out])",
        "oihw"
    );
    public override string Notes =>
        "  weights param --model default|inceptionv1|PATH --name conv2d0_w|LAYER --out FILE.npy [--layout oihw|hwio]\n"
        + "  --name: a weight name or alias, or a conv/dense layer (its kernel, [out, in, ...])\n"
        + "  oihw (default): conv [out, in, kH, kW], dense [out, in]; hwio (Lucid/TF): conv [kH, kW, in, out], dense [in, out]";

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var outPath = args.Get(_out);
        var layout = args.Get(_layout).ToLowerInvariant();
        if (layout is not ("oihw" or "hwio"))
            throw new CliUsageException($"option --layout: expected oihw or hwio, got '{layout}'");
        OutputPaths.File(outPath);

        using var model = args.Models.LoadModel(args.Get(_model));
        using var scope = NewDisposeScope();
        var name = args.Get(_name);
        var (weightName, w) = model.WeightByName(name);
        string note;
        if (layout == "hwio")
        {
            (w, note) = w.dim() switch
            {
                4 => (WeightLayout.ToHwio(w), "HWIO [kH, kW, in, out] (Lucid/TF conv layout)"),
                2 => (w.t().contiguous(), "[in, out] (Lucid/TF dense layout)"),
                _ => (w, $"{w.dim()}-D, same in both layouts"),
            };
        }
        else
            note = w.dim() switch
            {
                4 =>
                    "OIHW [out, in, kH, kW] (TorchSharp layout; Lucid's is HWIO: pass --layout hwio)",
                2 => "[out, in] (TorchSharp layout; Lucid's is [in, out]: pass --layout hwio)",
                _ => $"{w.dim()}-D, same in both layouts",
            };
        try
        {
            Npy.Save(outPath, w);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write --out '{outPath}': {e.Message}", e);
        }
        stdout.WriteLine(
            $"wrote {outPath}: {model.Name} {name} ({model.Parameters.PathOf(weightName)}) {w.dtype} [{string.Join(", ", w.shape)}], layout {note}"
        );
        return 0;
    }
}
