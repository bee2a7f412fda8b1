using Notebooks.Weights.IO;
using Notebooks.Weights.Models.InceptionV1;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.TensorIndex;

namespace Notebooks.Weights.Tests.Models.InceptionV1;

/// <summary>
/// InceptionV1 against an independent functional PyTorch implementation of the TF graph
/// (scripts/fixtures/inceptionv1_reference.py → Fixtures/InceptionV1/reference.npz): same formula
/// weights and images, corner slices of every layer at 224 px (all heads) and 225 px (odd size:
/// different SAME pads).
/// </summary>
public class ReferenceTests
{
    /// <summary>The script's weights: tensor t (ordinal name order), element k: u =
    /// ((k+1)·2654435761 + (t+1)·40503) mod 2^32, v = u/2^32 − 0.5.</summary>
    static Dictionary<string, Tensor> FormulaWeights()
    {
        var result = new Dictionary<string, Tensor>();
        var names = InceptionV1Model.TfShapes.Keys.OrderBy(n => n, StringComparer.Ordinal).ToList();
        for (int t = 0; t < names.Count; t++)
        {
            var shape = InceptionV1Model.TfShapes[names[t]];
            long n = shape.Aggregate(1L, (a, b) => a * b);
            double scale = names[t].EndsWith("_b")
                ? 0.2
                : Math.Sqrt(24.0 / shape.SkipLast(1).Aggregate(1L, (a, b) => a * b));
            var data = new float[n];
            for (long k = 0; k < n; k++)
            {
                ulong u =
                    unchecked((ulong)(k + 1) * 2654435761UL + (ulong)(t + 1) * 40503UL)
                    % 4294967296UL;
                data[k] = (float)((u / 4294967296.0 - 0.5) * scale);
            }
            result[names[t]] = tensor(data).reshape(shape);
        }
        return result;
    }

    static Tensor FormulaImage(int size)
    {
        var d = new float[3 * size * size];
        for (int c = 0; c < 3; c++)
        for (int h = 0; h < size; h++)
        for (int w = 0; w < size; w++)
            d[(c * size + h) * size + w] = ((7 * c + 3 * h + 5 * w) % 17) / 16f;
        return tensor(d).reshape(1, 3, size, size);
    }

    static Dictionary<string, Tensor> Reference()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (
            dir != null
            && !File.Exists(
                Path.Combine(
                    dir.FullName,
                    "tests/Notebooks.Weights.Tests/Fixtures/InceptionV1/reference.npz"
                )
            )
        )
            dir = dir.Parent;
        Assert.NotNull(dir);
        var path = Path.Combine(
            dir!.FullName,
            "tests/Notebooks.Weights.Tests/Fixtures/InceptionV1/reference.npz"
        );
        return Npz.Load(path);
    }

    [Fact]
    public void EveryLayerMatchesTheIndependentPyTorchReferenceAt224And225Pixels()
    {
        using var scope = NewDisposeScope();
        var reference = Reference();
        Assert.Equal(196, reference.Count);
        using var m = InceptionV1Model.Wrap(new InceptionV1Net());
        InceptionV1Weights.Apply(m, FormulaWeights(), "formula weights");
        int compared = 0;
        foreach (var size in new[] { 224, 225 })
        {
            var prefix = $"s{size}_";
            var keys = reference.Keys.Where(k => k.StartsWith(prefix)).ToList();
            var layers = keys.Select(k => k[prefix.Length..])
                .Select(k => k.EndsWith("_tl") || k.EndsWith("_br") ? k[..^3] : k)
                .Distinct()
                .ToArray();
            var acts = m.Activations(FormulaImage(size), layers);
            foreach (var key in keys)
            {
                var want = reference[key];
                var layer = key[prefix.Length..];
                Tensor got;
                if (layer.EndsWith("_tl"))
                    got = acts[layer[..^3]][0, Slice(0, 8), Slice(0, 3), Slice(0, 3)];
                else if (layer.EndsWith("_br"))
                    got = acts[layer[..^3]][0, Slice(-8, null), Slice(-3, null), Slice(-3, null)];
                else
                    got = acts[layer][0];
                double scale = Math.Max(want.abs().max().item<float>(), 1e-6);
                var err = got.sub(want).abs().max().item<float>();
                Assert.True(
                    err <= 2e-4 * scale + 1e-6,
                    $"{key}: max |diff| {err} vs max |ref| {scale}"
                );
                compared++;
            }
            // The references are not degenerate: the deepest mixed layer has nonzero values at the
            // corners.
            Assert.True(reference[$"s{size}_mixed5b_br"].abs().max().item<float>() > 0);
        }
        Assert.Equal(196, compared);
    }
}
