using Notebooks.Weights.IO;
using Notebooks.Weights.Models;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Cli;

public sealed class ParamVerbTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("param-verb").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void ExportsConvWeightsInOihwByDefault()
    {
        var path = Path.Combine(_dir, "w.npy");
        var (code, o, e) = CliRun.Run(
            "param",
            "--model",
            "default",
            "--name",
            "conv2d0_w",
            "--out",
            path
        );
        Assert.True(code == 0, e);
        Assert.Contains("OIHW [out, in, kH, kW]", o);
        Assert.Contains("--layout hwio", o);
        using var scope = NewDisposeScope();
        using var model = ModelRegistry.Load("default");
        var w = Npy.Load(path);
        Assert.Equal(new long[] { 32, 3, 5, 5 }, w.shape);
        Assert.True(w.allclose(model.Parameters["conv2d0_w"], 0, 0));
    }

    [Fact]
    public void HwioLayoutIsLucidsConvAndDenseLayout()
    {
        var conv = Path.Combine(_dir, "c.npy");
        var dense = Path.Combine(_dir, "d.npy");
        Assert.Equal(
            0,
            CliRun
                .Run(
                    "param",
                    "--model",
                    "default",
                    "--name",
                    "conv2d1_w",
                    "--out",
                    conv,
                    "--layout",
                    "hwio"
                )
                .Code
        );
        Assert.Equal(
            0,
            CliRun
                .Run(
                    "param",
                    "--model",
                    "default",
                    "--name",
                    "logits_w",
                    "--out",
                    dense,
                    "--layout",
                    "hwio"
                )
                .Code
        );
        using var scope = NewDisposeScope();
        using var model = ModelRegistry.Load("default");
        var oihw = model.Parameters["conv2d1_w"].data<float>().ToArray(); // [64, 32, 3, 3]
        var hwio = Npy.Load(conv);
        Assert.Equal(new long[] { 3, 3, 32, 64 }, hwio.shape);
        var h = hwio.data<float>().ToArray();
        foreach (
            var (o, i, ky, kx) in new[]
            {
                (0, 0, 0, 0),
                (63, 31, 2, 2),
                (5, 17, 1, 2),
                (40, 3, 2, 0),
            }
        )
            Assert.Equal(
                oihw[((o * 32 + i) * 3 + ky) * 3 + kx],
                h[((ky * 3 + kx) * 32 + i) * 64 + o]
            );
        var d = Npy.Load(dense);
        Assert.Equal(new long[] { 128, 10 }, d.shape);
        Assert.Equal(model.Parameters["logits_w"][7, 100].item<float>(), d[100, 7].item<float>());
    }

    [Fact]
    public void UnknownWeightNameSuggestsNearestNames()
    {
        var (code, _, e) = CliRun.Run(
            "param",
            "--model",
            "default",
            "--name",
            "conv2d0_x",
            "--out",
            Path.Combine(_dir, "x.npy")
        );
        Assert.Equal(1, code);
        Assert.Contains("Unknown layer or weight 'conv2d0_x' in model 'default'", e);
        Assert.Contains("conv2d0_w", e);
        Assert.False(File.Exists(Path.Combine(_dir, "x.npy")));
    }

    [Fact]
    public void UnknownModelSuggestsNearestNames()
    {
        var (code, _, e) = CliRun.Run(
            "param",
            "--model",
            "defalt",
            "--name",
            "conv2d0_w",
            "--out",
            Path.Combine(_dir, "x.npy")
        );
        Assert.Equal(1, code);
        Assert.Contains("Unknown model 'defalt'", e);
        Assert.Contains("default", e);
    }

    [Fact]
    public void MissingOutIsAUsageError()
    {
        var (code, _, e) = CliRun.Run("param", "--model", "default", "--name", "conv2d0_w");
        Assert.Equal(2, code);
        Assert.Contains("missing required option --out", e);
    }

    [Fact]
    public void UnwritableOutNamesThePath()
    {
        var file = Path.Combine(_dir, "plain.txt");
        File.WriteAllText(file, "x");
        var (code, _, e) = CliRun.Run(
            "param",
            "--model",
            "default",
            "--name",
            "conv2d0_w",
            "--out",
            Path.Combine(file, "w.npy")
        );
        Assert.Equal(1, code);
        Assert.Contains($"Cannot write --out '{Path.Combine(file, "w.npy")}'", e);
        Assert.Contains("is a file, not a folder", e);
        var (code2, _, e2) = CliRun.Run(
            "param",
            "--model",
            "default",
            "--name",
            "conv2d0_w",
            "--out",
            _dir
        );
        Assert.Equal(1, code2);
        Assert.Contains("it is a directory", e2);
        var (code3, _, e3) = CliRun.Run(
            "param",
            "--model",
            "default",
            "--name",
            "conv2d0_w",
            "--out",
            Path.Combine(_dir, "no", "such", "w.npy")
        );
        Assert.Equal(1, code3);
        Assert.Contains("does not exist", e3);
    }

    [Fact]
    public void BadLayoutIsAUsageError()
    {
        var (code, _, e) = CliRun.Run(
            "param",
            "--model",
            "default",
            "--name",
            "conv2d0_w",
            "--out",
            Path.Combine(_dir, "x.npy"),
            "--layout",
            "nchw"
        );
        Assert.Equal(2, code);
        Assert.Contains("option --layout: expected oihw or hwio, got 'nchw'", e);
    }
}
