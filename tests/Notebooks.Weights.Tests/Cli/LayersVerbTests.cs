using System.Text.Json;
using Notebooks.Weights.Models;

namespace Notebooks.Weights.Tests.Cli;

public class LayersVerbTests
{
    [Fact]
    public void JsonListsTheDefaultModelsLayersOffline()
    {
        var (code, o, e) = CliRun.Run("layers", "--model", "default", "--json");
        Assert.True(code == 0, e);
        var rows = JsonDocument.Parse(o).RootElement.EnumerateArray().ToList();
        using var model = ModelRegistry.Load("default");
        Assert.Equal(
            model.Layers().Select(l => l.Name),
            rows.Select(r => r.GetProperty("name").GetString())
        );
        var conv3 = rows.Single(r => r.GetProperty("name").GetString() == "conv2d3");
        Assert.Equal(
            ("Relu", 128, 8, 8),
            (
                conv3.GetProperty("kind").GetString(),
                conv3.GetProperty("channels").GetInt32(),
                conv3.GetProperty("height").GetInt32(),
                conv3.GetProperty("width").GetInt32()
            )
        );
        Assert.Equal(
            new[] { 1, 128, 8, 8 },
            conv3.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32())
        );
        var logits = rows.Single(r => r.GetProperty("name").GetString() == "logits");
        Assert.Equal(
            (10, 0),
            (logits.GetProperty("channels").GetInt32(), logits.GetProperty("height").GetInt32())
        );
    }

    [Fact]
    public void TableIsAlignedAndDefaultsToTheDefaultModel()
    {
        var (code, o, e) = CliRun.Run("layers", "--size", "32");
        Assert.True(code == 0, e);
        var lines = o.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("default", lines[0]);
        Assert.Contains("at 32 px", lines[0]);
        var header = lines[1];
        int kindCol = header.IndexOf("kind"),
            hwCol = header.IndexOf("HxW");
        var conv0 = lines.Single(l => l.StartsWith("conv2d0 "));
        Assert.Equal("Relu", conv0.Substring(kindCol, 4));
        Assert.Equal("32x32", conv0[hwCol..].Trim());
        Assert.EndsWith(" 32", conv0[..hwCol].TrimEnd());
        Assert.Equal("4x4", lines.Single(l => l.StartsWith("conv2d3 "))[hwCol..].Trim());
        Assert.Equal("-", lines.Single(l => l.StartsWith("softmax "))[hwCol..].Trim());
    }

    [Fact]
    public void UnknownModelSuggestsNearestNames()
    {
        var (code, _, e) = CliRun.Run("layers", "--model", "defualt");
        Assert.Equal(1, code);
        Assert.Contains("Unknown model 'defualt'", e);
        Assert.Contains("Nearest valid names: default", e);
    }

    [Fact]
    public void MissingModelFileIsNamed()
    {
        var (code, _, e) = CliRun.Run("layers", "--model", "/nonexistent/x.weights");
        Assert.Equal(1, code);
        Assert.Contains("Model file not found: /nonexistent/x.weights", e);
    }

    [Theory]
    [InlineData("--size", "0", "option --size: expected a positive integer (pixels), got '0'")]
    [InlineData("--size", "big", "option --size: expected a positive integer (pixels), got 'big'")]
    [InlineData("--colour", "x", "unknown option --colour")]
    public void BadOptionsAreUsageErrors(string option, string value, string message)
    {
        var (code, _, e) = CliRun.Run("layers", option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, e);
        Assert.Contains("usage:", e);
    }

    [Fact]
    public void TooSmallInputSizeNamesTheLayer()
    {
        var (code, _, e) = CliRun.Run("layers", "--size", "4");
        Assert.Equal(1, code);
        Assert.Contains("Input size 4x4 does not fit default", e);
    }
}
