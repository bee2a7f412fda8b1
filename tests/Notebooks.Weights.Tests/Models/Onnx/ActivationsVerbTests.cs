using Notebooks.Weights.Cli;
using Notebooks.Weights.Cli.Verbs;
using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.IO;
using Notebooks.Weights.Models.Onnx;
using Notebooks.Weights.Tests.Cli;
using static Notebooks.Weights.Tests.Models.Onnx.OnnxTestSupport;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.Onnx;

/// <summary>
/// <c>weights activations</c>: the .npy files it writes for friendly aliases and raw node names
/// equal ONNX Runtime's values of those nodes on the same input (.npy and .png inputs), to 1e-4
/// relative; bad inputs give clear errors.
/// </summary>
public sealed class ActivationsVerbTests() : TempDirectoryTest("nw-activations-")
{
    /// <summary>Runs the verb on <paramref name="inFile"/> and checks every written layer against
    /// ONNX Runtime.</summary>
    void CheckAgainstOrt(
        string fixture,
        string inFile,
        float[] ortInput,
        long[] shape,
        string[] layers
    )
    {
        var path = Fixture(fixture);
        var onnx = OnnxModel.Load(path);
        var outDir = Path.Combine(Dir, "out");
        var (code, stdout, stderr) = CliRun.Run(
            "activations",
            "--model",
            path,
            "--layer",
            string.Join(",", layers),
            "--in",
            inFile,
            "--out",
            outDir
        );
        Assert.True(code == 0, stderr);
        var outputs = layers.ToDictionary(
            l => l,
            l =>
                onnx.Nodes.Single(n =>
                    n.Name == (onnx.LayerAliases.TryGetValue(l, out var real) ? real : l)
                ).Output
        );
        var bytes = OnnxWriter.WithExtraOutputs(
            File.ReadAllBytes(path),
            outputs.Values.Distinct().Where(o => o != onnx.OutputName)
        );
        var ort = RunOrt(bytes, onnx.InputName, ortInput, shape);
        foreach (var l in layers)
        {
            var file = Path.Combine(outDir, ActivationsVerb.FileName(l));
            Assert.Contains($"{l}\t{file}\t", stdout);
            using var written = Npy.Load(file);
            Assert.Equal(4, written.dim()); // NCHW
            var (s, v) = ort[outputs[l]];
            double err = RelativeError(written, s, v);
            Assert.True(
                err <= 1e-4,
                $"{fixture} layer '{l}': written activations differ from ONNX Runtime by {err:g3}"
            );
        }
        Assert.Empty(Directory.GetFiles(outDir, "*.tmp"));
    }

    [Fact]
    public void NpyInputGivesOnnxRuntimeValuesForAliasesAndNodeNames()
    {
        using var scope = NewDisposeScope();
        long[] shape = [1, 3, 64, 64];
        var x = RandomInput(shape, seed: 5);
        var inFile = Path.Combine(Dir, "x.npy");
        Npy.Save(inFile, x, shape);
        CheckAgainstOrt(
            "torchvision/shufflenet_v2_opset13.onnx",
            inFile,
            x,
            shape,
            ["stage2", "stage3.0", "/conv1/conv1.0/Conv", "conv5"]
        );
    }

    [Fact]
    public void PngInputIsAZeroToOneRgbImage()
    {
        using var scope = NewDisposeScope();
        long[] shape = [1, 3, 64, 64];
        var img = rand(64, 64, 3, generator: new Generator(3));
        var inFile = Path.Combine(Dir, "x.png");
        ImageFiles.SavePng(img, inFile);
        var decoded = ImageFiles.Load(inFile).permute(2, 0, 1).contiguous().data<float>().ToArray();
        CheckAgainstOrt(
            "torchvision/mobilenet_v3_small_opset17.onnx",
            inFile,
            decoded,
            shape,
            ["features.1", "features.4"]
        );
    }

    [Fact]
    public void BadInputsGiveClearErrors()
    {
        var model = Fixture("torchvision/shufflenet_v2_opset13.onnx");
        var good = Path.Combine(Dir, "x.npy");
        Npy.Save(good, new float[3 * 64 * 64], 3, 64, 64);
        var (code, _, stderr) = CliRun.Run(
            "activations",
            "--model",
            model,
            "--layer",
            "stage9",
            "--in",
            good,
            "--out",
            Dir
        );
        Assert.Equal(1, code);
        Assert.Contains("stage9", stderr);
        Assert.Contains("stage2", stderr); // nearest names
        var gray = Path.Combine(Dir, "gray.npy");
        Npy.Save(gray, new float[64 * 64], 1, 1, 64, 64);
        (code, _, stderr) = CliRun.Run(
            "activations",
            "--model",
            model,
            "--layer",
            "stage2",
            "--in",
            gray,
            "--out",
            Dir
        );
        Assert.Equal(1, code);
        Assert.Contains("has 1 channels; the model takes 3 (NCHW)", stderr);
        (code, _, stderr) = CliRun.Run(
            "activations",
            "--model",
            model,
            "--layer",
            "stage2",
            "--in",
            Path.Combine(Dir, "missing.npy"),
            "--out",
            Dir
        );
        Assert.Equal(1, code);
        Assert.Contains("--in: file not found", stderr);
        (code, _, stderr) = CliRun.Run(
            "activations",
            "--model",
            model,
            "--layer",
            "a/b,a_b",
            "--in",
            good,
            "--out",
            Dir
        );
        Assert.Equal(2, code);
        Assert.Contains("would both be written to a_b.npy", stderr);
        Assert.DoesNotContain(Directory.GetFiles(Dir, "*.npy"), f =>
            !f.EndsWith("x.npy") && !f.EndsWith("gray.npy")
        );
    }
}
