using Notebooks.Weights.IO;
using Notebooks.Weights.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models.InceptionV1;

/// <summary>
/// Loads InceptionV1 weights from Lucid's inception5h TF graph (<c>.pb</c>: the float <c>Const</c>
/// nodes) or from a safetensors file with the same tensor names in the same TF layout (conv HWIO
/// <c>[kH, kW, in, out]</c>, dense <c>[in, out]</c>). Every one of the 128 tensors of
/// <see cref="InceptionV1Model.TfShapes"/> must be present with exactly its shape; missing,
/// misshapen and unknown tensors are errors (nothing is skipped or defaulted). In a .pb, integer
/// and string constants (concat axes, reshape shapes) are graph structure, not weights, and are not
/// loaded.
/// </summary>
public static class InceptionV1Weights
{
    /// <summary>File extensions this loader reads.</summary>
    public static readonly IReadOnlyList<string> Extensions = [".pb", ".safetensors"];

    /// <summary>InceptionV1 with the weights of <paramref name="path"/> (.pb or
    /// .safetensors).</summary>
    public static VisionModel Load(string path)
    {
        var tensors = ReadTfTensors(path);
        var model = InceptionV1Model.Wrap(new InceptionV1Net());
        try
        {
            Apply(model, tensors, path);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in tensors.Values)
                t.Dispose();
        }
        return model;
    }

    /// <summary>The weight tensors of a .pb (float Const nodes) or .safetensors file, by name, in
    /// TF layout.</summary>
    public static Dictionary<string, Tensor> ReadTfTensors(string path)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"InceptionV1 weights file not found: {Path.GetFullPath(path)}",
                path
            );
        switch (ext)
        {
            case ".pb":
                var graph = TfGraphDef.Read(path);
                foreach (var c in graph.Constants.Where(c => !c.IsFloating))
                    c.Value?.Dispose();
                return graph
                    .Constants.Where(c => c.IsFloating)
                    .ToDictionary(c => c.Name, c => c.Value!, StringComparer.Ordinal);
            case ".safetensors":
                return Safetensors.Load(path);
            default:
                throw new ArgumentException(
                    $"InceptionV1 weights must be a .pb (TF graph) or .safetensors file; got '{path}'."
                );
        }
    }

    /// <summary>
    /// Copies TF-layout tensors into <paramref name="model"/> (made by
    /// <see cref="InceptionV1Model"/>), converting HWIO → OIHW and [in, out] → [out, in]. Validates
    /// everything first, so a bad file leaves the model unchanged.
    /// </summary>
    public static void Apply(
        VisionModel model,
        IReadOnlyDictionary<string, Tensor> tfTensors,
        string source
    )
    {
        Validate(tfTensors, source);
        var expected = InceptionV1Model.TfShapes;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (name, need) in expected)
        {
            var t = tfTensors[name].to(ScalarType.Float32);
            var value = need.Length switch
            {
                4 => WeightLayout.FromHwio(t),
                2 => t.t(),
                _ => t,
            };
            model.Parameters.Live(name).copy_(value); // loaded values are the model's originals, not edits
        }
    }

    /// <summary>Checks a weights file without building a model (used by the model zoo after a
    /// download).</summary>
    public static void ValidateFile(string path)
    {
        var tensors = ReadTfTensors(path);
        try
        {
            Validate(tensors, path);
        }
        finally
        {
            foreach (var t in tensors.Values)
                t.Dispose();
        }
    }

    /// <summary>
    /// Throws <see cref="InvalidDataException"/> unless <paramref name="tfTensors"/> holds exactly
    /// the InceptionV1 tensors with their TF shapes; the message lists missing tensors (with the
    /// nearest names present), wrong shapes (got vs needed) and unknown tensors.
    /// </summary>
    public static void Validate(IReadOnlyDictionary<string, Tensor> tfTensors, string source)
    {
        var expected = InceptionV1Model.TfShapes;
        var problems = new List<string>();
        var missing = expected.Keys.Where(k => !tfTensors.ContainsKey(k)).ToList();
        foreach (var m in missing.Take(10))
            problems.Add(
                $"missing tensor '{m}' {TfShapeText(expected[m])} (nearest names in the file: {Nearest(m, tfTensors.Keys)})"
            );
        if (missing.Count > 10)
            problems.Add($"... and {missing.Count - 10} more missing tensors");
        foreach (var (name, t) in tfTensors)
        {
            if (!expected.TryGetValue(name, out var need))
                continue;
            if (!t.shape.SequenceEqual(need))
                problems.Add(
                    $"tensor '{name}' has shape [{string.Join(", ", t.shape)}]; InceptionV1 needs [{string.Join(", ", need)}] {Layout(need)}"
                );
            else if (!t.is_floating_point())
                problems.Add(
                    $"tensor '{name}' has dtype {t.dtype}; weights must be floating point"
                );
        }
        var extra = tfTensors.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        if (extra.Count > 0)
            problems.Add(
                $"unknown tensor(s) not part of InceptionV1: {string.Join(", ", extra.Take(10).Select(e => $"'{e}' (nearest InceptionV1 names: {Nearest(e, expected.Keys, 3)})"))}"
                    + (extra.Count > 10 ? $" ... and {extra.Count - 10} more" : "")
            );
        if (problems.Count > 0)
            throw new InvalidDataException(
                $"{source}: not InceptionV1 (inception5h) weights: {string.Join("; ", problems)}."
            );
    }

    /// <summary>The model's weights in TF layout under Lucid's names (HWIO convs, [in, out] dense),
    /// e.g. to save as safetensors.</summary>
    public static Dictionary<string, Tensor> ToTfTensors(VisionModel model)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, need) in InceptionV1Model.TfShapes)
        {
            using var p = model.Parameters[name];
            result[name] = need.Length switch
            {
                4 => WeightLayout.ToHwio(p),
                2 => p.t().contiguous(),
                _ => p.clone(),
            };
        }
        return result;
    }

    /// <summary>Saves the model's weights as a safetensors file with Lucid's names in TF layout
    /// (loadable by <see cref="Load"/>).</summary>
    public static void SaveSafetensors(VisionModel model, string path)
    {
        var tensors = ToTfTensors(model);
        try
        {
            Safetensors.Save(
                path,
                tensors,
                new Dictionary<string, string>
                {
                    ["model"] = "InceptionV1 (inception5h)",
                    ["layout"] = "TF: conv HWIO, dense [in, out]",
                }
            );
        }
        finally
        {
            foreach (var t in tensors.Values)
                t.Dispose();
        }
    }

    static string Nearest(string name, IEnumerable<string> names, int count = 3)
    {
        var n = Text.Nearest.Names(name, names, count);
        return n.Count == 0 ? "none" : string.Join(", ", n);
    }

    static string TfShapeText(long[] shape) => $"[{string.Join(", ", shape)}]";

    static string Layout(long[] shape) =>
        shape.Length switch
        {
            4 => "(TF conv layout HWIO [kH, kW, in, out])",
            2 => "(TF dense layout [in, out])",
            _ => "(bias [out])",
        };
}
