using System.Text.Json;
using Notebooks.Weights.Cli;
using Notebooks.Weights.Decomposition;
using Notebooks.Weights.IO;
using Notebooks.Weights.Models;
using Notebooks.Weights.Tests.Cli;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Decomposition;

public class DecompositionVerbTests
{
    static string Temp(string name) =>
        Path.Combine(Path.GetTempPath(), $"nw-decomp-{Environment.ProcessId}-{name}");

    [Fact]
    public void NmfVerbMatchesSklearnAndWritesTheReduction()
    {
        var c = SklearnFixture.Root.GetProperty("nmf")[2]; // nmf_lowrank_60x30, K = 4, default init
        var input = Path.Combine(SklearnFixture.Dir, "nmf_lowrank_60x30.npy");
        var output = Temp("nmf.npy");
        var (code, stdout, stderr) = CliRun.With(
            Models,
            "nmf",
            "--in",
            input,
            "--components",
            "4",
            "--out",
            output,
            "--json"
        );
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        double rel = doc.RootElement.GetProperty("relative_error").GetDouble();
        double sk = c.GetProperty("relative_err").GetDouble();
        Assert.True(Math.Abs(rel - sk) <= 0.01 * sk, $"{rel} vs {sk}");
        Assert.Equal(
            c.GetProperty("n_iter").GetInt32(),
            doc.RootElement.GetProperty("iterations").GetInt32()
        );
        Assert.True(doc.RootElement.GetProperty("milliseconds").GetDouble() > 0);
        using var scope = NewDisposeScope();
        Assert.Equal(new long[] { 60, 4 }, Npy.Load(output).shape);
        File.Delete(output);
    }

    [Fact]
    public void NmfVerbPosNegAxisAndNegativeInputError()
    {
        using var scope = NewDisposeScope();
        var input = Temp("signed.npy");
        Npy.Save(input, randn(6, 3, 3, 10, generator: new Generator(8)));
        var output = Temp("signed-out.npy");
        var bad = CliRun.With(Models, "nmf", "--in", input, "--components", "2", "--out", output);
        Assert.Equal(1, bad.Code);
        Assert.Contains("--posneg-axis", bad.Err);
        var ok = CliRun.With(
            Models,
            "nmf",
            "--in",
            input,
            "--components",
            "2",
            "--out",
            output,
            "--posneg-axis",
            "0"
        );
        Assert.True(ok.Code == 0, ok.Err);
        var reduced = Npy.Load(output);
        Assert.Equal(new long[] { 6, 3, 3, 2 }, reduced.shape);
        Assert.True(reduced.min().item<float>() < 0); // recombined W[:N] - W[N:] is signed
        Assert.Equal(
            2,
            CliRun
                .With(
                    Models,
                    "nmf",
                    "--in",
                    input,
                    "--components",
                    "2",
                    "--out",
                    output,
                    "--posneg-axis",
                    "x"
                )
                .Code
        );
        Assert.Contains(
            "min(",
            CliRun
                .With(
                    Models,
                    "nmf",
                    "--in",
                    input,
                    "--components",
                    "25",
                    "--out",
                    output,
                    "--posneg-axis",
                    "-1"
                )
                .Err
        );
        File.Delete(input);
        File.Delete(output);
    }

    /// <summary>A conv with a given weight and no bias, built without touching the global RNG
    /// (tests run in parallel).</summary>
    sealed class PlantedConv : nn.Module<Tensor, Tensor>
    {
        readonly TorchSharp.Modules.Parameter _weight;

        public PlantedConv(Tensor weight)
            : base("PlantedConv")
        {
            _weight = new TorchSharp.Modules.Parameter(weight);
            register_parameter("weight", _weight);
        }

        public override Tensor forward(Tensor x) => nn.functional.conv2d(x, _weight);
    }

    sealed class BandingTestProvider : IModelProvider
    {
        public IReadOnlyList<string> Names => ["banding-test"];
        public IReadOnlyList<string> Extensions => [];

        public VisionModel Load(string nameOrPath)
        {
            // Horizontal bands: w[o, i, y, x] = a[o, i] * f[o, y] + tiny noise.
            var g = new Generator(31);
            var a = randn(6, 4, 1, 1, generator: g);
            var f = randn(6, 1, 3, 1, generator: g);
            var w1 = (
                (a * f).expand(6, 4, 3, 3) + 0.01f * randn(6, 4, 3, 3, generator: g)
            ).contiguous();
            var w2 = randn(8, 6, 1, 1, generator: g);
            var seq = nn.Sequential(
                ("conv1", new PlantedConv(w1)),
                ("relu", nn.ReLU()),
                ("conv2", new PlantedConv(w2))
            );
            return new VisionModel("banding-test", seq, new InputSpec(4, 8, 0, 1));
        }
    }

    static readonly ModelRegistry Models = new([
        new BandingTestProvider(),
        .. new ModelRegistry().Providers,
    ]);

    [Fact]
    public void BandingVerbScoresTheLayerAndSortsTheGrid()
    {
        var npy = Temp("grid.npy");
        var png = Temp("grid.png");
        var (code, stdout, stderr) = CliRun.With(
            Models,
            "banding",
            "--model",
            "banding-test",
            "--layer",
            "conv1",
            "--json",
            "--out",
            npy,
            "--png",
            png,
            "--columns",
            "3"
        );
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var r = doc.RootElement;
        using var model = Models.LoadModel("banding-test");
        using var scope = NewDisposeScope();
        var expected = BandingScore.ForLayer(model.Parameters["conv1.weight"]);
        Assert.Equal(expected.Horizontal, r.GetProperty("horizontal").GetDouble(), 9);
        Assert.True(r.GetProperty("horizontal").GetDouble() > 0.95);
        Assert.True(r.GetProperty("vertical").GetDouble() < 0.05);
        Assert.Equal(
            Enumerable.Range(0, 6),
            r.GetProperty("order").EnumerateArray().Select(e => e.GetInt32()).Order()
        );
        Assert.Equal(new long[] { 2 * 4 - 1, 3 * 4 - 1, 3 }, Npy.Load(npy).shape);
        Assert.True(new FileInfo(png).Length > 0);
        File.Delete(npy);
        File.Delete(png);
    }

    [Fact]
    public void BandingVerbExplainsBadLayers()
    {
        var none = CliRun.With(Models, "banding", "--model", "banding-test", "--layer", "conv2");
        Assert.Equal(1, none.Code);
        Assert.Contains("kH", none.Err);
        var unknown = CliRun.With(Models, "banding", "--model", "banding-test", "--layer", "conv9");
        Assert.Equal(1, unknown.Code);
        Assert.Contains("conv1", unknown.Err);
    }

    [Fact]
    public void BenchNmfRunsBatchedAndSingleOnTheSameData()
    {
        var (code, stdout, stderr) = CliRun.With(
            Models,
            "bench",
            "nmf",
            "--neurons",
            "6",
            "--in-channels",
            "16",
            "--no-sklearn",
            "--json"
        );
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var r = doc.RootElement;
        Assert.True(r.GetProperty("batched_float32_s").GetDouble() > 0);
        Assert.True(r.GetProperty("single_ours_float64_s").GetDouble() > 0);
        // Batched float32 and one-at-a-time float64 reach the same error.
        Assert.InRange(
            r.GetProperty("worst_relative_error_excess_vs_single").GetDouble(),
            -1e-3,
            1e-3
        );
        Assert.Equal("skipped (--no-sklearn)", r.GetProperty("sklearn_note").GetString());
    }
}
