using System.Text.Json;
using Notebooks.Weights.Cli;
using Notebooks.Weights.Connections;
using Notebooks.Weights.IO;
using Notebooks.Weights.Models;
using Notebooks.Weights.Tests.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Connections;

public class WeightsVerbTests
{
    sealed class TestProvider : IModelProvider
    {
        public IReadOnlyList<string> Names => ["weights-verb-test"];
        public IReadOnlyList<string> Extensions => [];

        public VisionModel Load(string nameOrPath)
        {
            var seq = nn.Sequential(
                ("conv1", nn.Conv2d(3, 4, 3, padding: 1)),
                ("relu1", nn.ReLU()),
                ("pool1", nn.MaxPool2d(2)),
                ("conv2", nn.Conv2d(4, 6, 3, padding: 1)),
                ("relu2", nn.ReLU()),
                ("conv3", nn.Conv2d(6, 5, 3))
            );
            SeededInit.Apply(seq, 21);
            return new VisionModel("verbtest", seq, new InputSpec(3, 16, -1, 1));
        }
    }

    static readonly ModelRegistry Models = new([
        new TestProvider(),
        .. new ModelRegistry().Providers,
    ]);

    [Fact]
    public void ExpandWritesTheNotebookLayoutNpy()
    {
        var path = Path.Combine(Path.GetTempPath(), $"expand-{Guid.NewGuid():N}.npy");
        try
        {
            var (code, stdout, stderr) = CliRun.With(
                Models,
                "expand",
                "--model",
                "weights-verb-test",
                "--from",
                "pool1",
                "--to",
                "conv3",
                "--width",
                "6",
                "--units",
                "4,0",
                "--out",
                path
            );
            Assert.True(code == 0, stderr);
            Assert.Contains("[6, 6, 4, 2]", stdout);
            using var saved = Npy.Load(path);
            using var m = new TestProvider().Load("");
            using var expected = ExpandedWeights.Get(m, "pool1", "conv3", 6, units: [4, 0]);
            Assert.True(saved.allclose(expected));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ExpandWithoutUnitsGivesEveryOutputChannel()
    {
        var path = Path.Combine(Path.GetTempPath(), $"expand-{Guid.NewGuid():N}.npy");
        try
        {
            var (code, stdout, stderr) = CliRun.With(
                Models,
                "expand",
                "--model",
                "weights-verb-test",
                "--from",
                "pool1",
                "--to",
                "conv3",
                "--out",
                path
            );
            Assert.True(code == 0, stderr);
            Assert.Contains("[5, 5, 4, 5]", stdout);
            using var saved = Npy.Load(path);
            using var m = new TestProvider().Load("");
            using var expected = ExpandedWeights.Get(m, "pool1", "conv3");
            Assert.True(saved.allclose(expected));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TopJsonListsTheStrongestInputsAndOutputs()
    {
        var (code, stdout, stderr) = CliRun.With(
            Models,
            "top",
            "--model",
            "weights-verb-test",
            "--layer",
            "conv3",
            "--unit",
            "2",
            "--k",
            "3",
            "--from",
            "relu2",
            "--json"
        );
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var top = doc.RootElement.GetProperty("top").EnumerateArray().ToList();
        Assert.Equal(3, top.Count);
        using var m = new TestProvider().Load("");
        using var w = ExpandedWeights.Get(m, "relu2", "conv3", 5);
        var expected = TopConnections.In(w, 2, 3);
        Assert.Equal(
            expected.Select(c => c.Index),
            top.Select(t => t.GetProperty("index").GetInt32())
        );
        Assert.Equal(expected[0].Norm, top[0].GetProperty("norm").GetSingle(), 4);

        // out from relu2: the next top-level layer (conv3) is not a pooling layer, so it is layer2.
        var (code2, stdout2, stderr2) = CliRun.With(
            Models,
            "top",
            "--model",
            "weights-verb-test",
            "--layer",
            "relu2",
            "--unit",
            "1",
            "--direction",
            "out",
            "--json"
        );
        Assert.True(code2 == 0, stderr2);
        using var doc2 = JsonDocument.Parse(stdout2);
        Assert.Equal("conv3", doc2.RootElement.GetProperty("layer2").GetString());
        Assert.Equal(5, doc2.RootElement.GetProperty("top").GetArrayLength());
    }

    [Fact]
    public void StatsAndErrors()
    {
        var (code, stdout, stderr) = CliRun.With(
            Models,
            "stats",
            "--model",
            "weights-verb-test",
            "--json"
        );
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var names = doc
            .RootElement.GetProperty("weights")
            .EnumerateArray()
            .Select(w => w.GetProperty("Name").GetString())
            .ToList();
        Assert.Equal(new[] { "conv1.weight", "conv2.weight", "conv3.weight" }, names);

        var (c1, _, e1) = CliRun.With(
            Models,
            "expand",
            "--model",
            "weights-verb-test",
            "--from",
            "conv3",
            "--to",
            "conv1",
            "--out",
            "x.npy"
        );
        Assert.NotEqual(0, c1);
        Assert.Contains("comes before layer1 'conv3'", e1);
        var (c2, _, e2) = CliRun.With(
            Models,
            "top",
            "--model",
            "weights-verb-test",
            "--layer",
            "conv3",
            "--unit",
            "9",
            "--from",
            "relu2"
        );
        Assert.NotEqual(0, c2);
        Assert.Contains("valid 0..4", e2);
        var (c3, _, e3) = CliRun.With(
            Models,
            "top",
            "--model",
            "weights-verb-test",
            "--layer",
            "conv3",
            "--unit",
            "1",
            "--direction",
            "sideways"
        );
        Assert.NotEqual(0, c3);
        Assert.Contains("'in' or 'out'", e3);
    }

    [Fact]
    public void BenchExpandTimesTheClosedFormBackpropAndTheLoopOnTheSameBlock()
    {
        var (code, stdout, stderr) = CliRun.With(
            Models,
            "bench",
            "expand",
            "--width",
            "2",
            "--repeat",
            "1",
            "--json"
        );
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var r = doc.RootElement;
        Assert.Equal("closed form", r.GetProperty("method").GetString());
        Assert.InRange(
            r.GetProperty("closed_form_vs_autograd_max_relative_difference").GetDouble(),
            0,
            1e-5
        );
        foreach (
            var k in new[]
            {
                "batched_seconds",
                "autograd_seconds",
                "loop_seconds",
                "forward_backward_seconds",
            }
        )
            Assert.True(r.GetProperty(k).GetDouble() > 0, k);
        Assert.Equal("closed form", r.GetProperty("profile").GetProperty("Method").GetString());
        Assert.Equal(
            "autograd (requested)",
            r.GetProperty("profile_autograd").GetProperty("Method").GetString()
        );
    }
}
