namespace Notebooks.Weights.Cli.Verbs;

/// <summary>
/// <c>weights activations --model M --layer L[,L2] --in image.npy|png --out DIR</c>: the
/// activations of named layers as .npy files (NCHW float32), so they can be compared with other
/// frameworks without writing code.
/// </summary>
public sealed class ActivationsVerb()
    : Verb(
        "activations",
        "write the activations of named layers for an image (.npy or .png) as .npy files (NCHW float32)"
    )
{
    readonly LayerOptions _layer = new();
    readonly Option<string> _in = Opt.Text(
        "--in",
        "the input image: a .npy [N, C, H, W] or [C, H, W] of [0, 1] values, or a PNG/JPEG",
        required: true
    );
    readonly Option<string> _out = Opt.Out(
        "DIR: folder for one <layer>.npy per layer",
        required: true
    );
    readonly Option<bool> _raw = Opt.Flag(
        "--raw",
        "feed a .npy's values to the model unchanged (no mapping from [0, 1] to the model's input range)"
    );
    public override string Notes =>
        """
              weights activations --model M --layer L[,L2,...] --in image.npy|image.png --out DIR [--raw]
              --in: a .npy of shape [N, C, H, W] or [C, H, W] (float32/float64), or a PNG/JPEG (RGB); values are a [0, 1] image,
                    mapped to the model's input range as every verb does (an ONNX file's input is fed as it is unless its
                    range is known); --raw feeds a .npy's values to the model unchanged.
              writes DIR/<layer>.npy (characters other than letters, digits, '.', '_' and '-' become '_') and prints each path and shape.
            """;

    public override int Run(CliArgs args, TextWriter stdout, TextWriter stderr)
    {
        var (modelName, layerList) = _layer.Read(args);
        var layers = layerList
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Distinct()
            .ToArray();
        var (inPath, outDir, raw) = (args.Get(_in), args.Get(_out), args.Get(_raw));
        if (layers.Length == 0)
            throw new CliUsageException("option --layer: name at least one layer");
        if (!File.Exists(inPath))
            throw new FileNotFoundException(
                $"--in: file not found: {Path.GetFullPath(inPath)}",
                inPath
            );
        string ext = Path.GetExtension(inPath).ToLowerInvariant();
        if (raw && ext != ".npy")
            throw new CliUsageException(
                "--raw applies to a .npy input only (a PNG is always a [0, 1] image)"
            );

        // Distinct file names before any work, so nothing is half-written because two layers map to
        // one file.
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var l in layers)
        {
            var file = FileName(l);
            if (files.Values.Contains(file, StringComparer.OrdinalIgnoreCase))
                throw new CliUsageException(
                    $"layers '{files.First(kv => string.Equals(kv.Value, file, StringComparison.OrdinalIgnoreCase)).Key}' and '{l}' would both be written to {file}; request them in separate runs"
                );
            files[l] = file;
        }

        OutputPaths.Folder(outDir);
        using var model = args.Models.LoadModel(modelName);
        foreach (var l in layers)
            model.Layer(l); // unknown names fail here, with the nearest valid ones
        using var scope = NewDisposeScope();
        var image = ReadInput(inPath, ext, model.Input.Channels);
        Dictionary<string, Tensor> acts;
        using (no_grad())
            acts = raw
                ? model.Run(image, new RunOptions { Capture = layers })
                : model.Activations(image, layers);

        Directory.CreateDirectory(outDir);
        foreach (var l in layers)
        {
            var a = acts[l].detach().to_type(ScalarType.Float32);
            var path = Path.Combine(outDir, files[l]);
            var temp = Path.Combine(outDir, $".{files[l]}.{Guid.NewGuid():N}.tmp");
            try
            {
                Npy.Save(temp, a);
                File.Move(temp, path, overwrite: true);
            }
            finally
            {
                if (File.Exists(temp))
                    File.Delete(temp);
            }
            stdout.WriteLine($"{l}\t{path}\t[{string.Join(", ", a.shape)}]");
        }
        return 0;
    }

    /// <summary>The .npy file name of a layer: <c>/layer4/layer4.2/conv3/Conv</c> →
    /// <c>_layer4_layer4.2_conv3_Conv.npy</c>.</summary>
    public static string FileName(string layer)
    {
        var sb = new StringBuilder(layer.Length + 4);
        foreach (var c in layer)
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_');
        return sb + ".npy";
    }

    static Tensor ReadInput(string path, string ext, int channels)
    {
        Tensor x;
        if (ext == ".npy")
        {
            x = Npy.Load(path);
            if (!x.is_floating_point())
                throw new InvalidDataException(
                    $"--in {path}: holds {x.dtype} values; expected float32 or float64 image values."
                );
            x = x.to_type(ScalarType.Float32);
            if (x.dim() == 3)
                x = x.unsqueeze(0);
            if (x.dim() != 4)
                throw new InvalidDataException(
                    $"--in {path}: shape [{string.Join(", ", x.shape)}]; expected [N, C, H, W] or [C, H, W]."
                );
        }
        else if (ext is ".png" or ".jpg" or ".jpeg")
            x = ImageFiles.Load(path).permute(2, 0, 1).unsqueeze(0).contiguous();
        else
            throw new CliUsageException($"--in {path}: expected a .npy, .png or .jpg file");
        if (x.shape[1] != channels)
            throw new InvalidDataException(
                $"--in {path}: shape [{string.Join(", ", x.shape)}] has {x.shape[1]} channels; the model takes {channels} (NCHW)."
            );
        if (x.isnan().any().item<bool>())
            throw new InvalidDataException($"--in {path}: contains NaN.");
        return x;
    }
}
