using System.Net;
using System.Net.Sockets;
using Notebooks.Weights.Explorer;
using Notebooks.Weights.Models;
using Notebooks.Weights.Models.Default;
using Notebooks.Weights.Tests.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Explorer;

/// <summary>Bad input to <c>weights explore</c>: each a clear error naming the input and what was
/// expected.</summary>
[Collection("explorer")]
public sealed class ExplorerErrorTests
{
    [Fact]
    public void UnknownLayer_NamesTheNearestLayers()
    {
        var (code, _, err) = CliRun.Run(
            "explore",
            "--model",
            "default",
            "--out",
            Temp(),
            "--layers",
            "conv2d9"
        );
        Assert.Equal(1, code);
        Assert.Contains("conv2d9", err);
        Assert.Contains("conv2d", err.Replace("conv2d9", ""));
    }

    [Fact]
    public void NonConvLayer_ListsTheExplorableLayers()
    {
        var (code, _, err) = CliRun.Run(
            "explore",
            "--model",
            "default",
            "--out",
            Temp(),
            "--layers",
            "maxpool0"
        );
        Assert.Equal(1, code);
        Assert.Contains("'maxpool0'", err);
        Assert.Contains("explorable layers: conv2d0, conv2d1, conv2d2, conv2d3", err);
    }

    [Fact]
    public void OutputFolderThatIsAFile_IsRefused()
    {
        var file = Path.Combine(Temp(), "site");
        File.WriteAllText(file, "not a folder");
        var (code, _, err) = CliRun.Run("explore", "--model", "default", "--out", file);
        Assert.Equal(1, code);
        Assert.Contains("is a file", err);
        Assert.Equal("not a folder", File.ReadAllText(file));
    }

    [Fact]
    public void PortInUse_SaysSo()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var (code, _, err) = CliRun.Run(
            "explore",
            "--model",
            "default",
            "--serve",
            "--port",
            port.ToString(),
            "--out",
            Temp(),
            "--layers",
            "conv2d3",
            "--units-per-layer",
            "1"
        );
        Assert.Equal(1, code);
        Assert.Contains($"Port {port} on 127.0.0.1 is already in use", err);
    }

    [Fact]
    public void ModelWithoutConvLayers_CannotBeExplored()
    {
        var net = nn.Sequential(("flatten", nn.Flatten()), ("dense", nn.Linear(3 * 8 * 8, 4)));
        using var model = new VisionModel("dense-only", net, new InputSpec(3, 8, 0, 1));
        var e = Assert.Throws<ArgumentException>(() => ExplorerSite.Create(model));
        Assert.Contains(
            "'dense-only' cannot be explored: none of its layers is a conv layer",
            e.Message
        );
    }

    [Fact]
    public void GrayscaleModel_CannotBeVisualized()
    {
        var net = nn.Sequential(("conv", nn.Conv2d(1, 4, 3)));
        using var model = new VisionModel("gray", net, new InputSpec(1, 16, 0, 1));
        var e = Assert.Throws<ArgumentException>(() => ExplorerSite.Create(model));
        Assert.Contains("'gray' cannot be visualized", e.Message);
        Assert.Contains("1 input channel", e.Message);
    }

    [Fact]
    public void FeatureVisFailure_IsReportedAsNotVisualizable()
    {
        // A conv layer whose only unit is out of the feature-vis range: the library's own check
        // fails, and the explorer says why.
        using var model = Notebooks.Weights.Models.Default.DefaultModel.Load();
        using var site = ExplorerSite.Create(
            model,
            new ExplorerOptions
            {
                Layers = ["conv2d0"],
                FeatureVisSteps = 1,
                FeatureVisCacheRoot = Temp(),
            }
        );
        var e = Assert.Throws<InvalidOperationException>(() =>
            site.RenderFeatureVis("conv2d0", [99])
        );
        Assert.Contains(
            "'default' cannot be visualized: feature visualization of conv2d0 units 99 failed",
            e.Message
        );
    }

    static string Temp() => Directory.CreateTempSubdirectory("explorer-err-").FullName;
}
