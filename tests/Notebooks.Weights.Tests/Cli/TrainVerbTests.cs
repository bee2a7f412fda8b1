namespace Notebooks.Weights.Tests.Cli;

public class TrainVerbTests
{
    [Theory]
    [InlineData(new[] { "train", "default" }, "missing required option --out")]
    [InlineData(
        new[] { "train", "default", "--out", "x.weights", "--head", "max" },
        "option --head: expected gap, flatten or xpool, got 'max'"
    )]
    [InlineData(
        new[] { "train", "default", "--out", "x.weights", "--steps", "0" },
        "option --steps: expected a positive integer, got 0"
    )]
    [InlineData(
        new[] { "train", "default", "--out", "x.weights", "--threads", "-1" },
        "option --threads: expected a positive integer, got -1"
    )]
    [InlineData(
        new[] { "train", "default", "--out", "x.weights", "--seed", "one" },
        "option --seed: expected an integer, got 'one'"
    )]
    public void BadCommandLinesAreUsageErrors(string[] args, string message)
    {
        var (code, _, e) = CliRun.Run(args);
        Assert.Equal(2, code);
        Assert.Contains(message, e);
    }

    [Fact]
    public void MissingOutputFolderIsNamed()
    {
        var (code, _, e) = CliRun.Run(
            "train",
            "default",
            "--out",
            "/nonexistent-folder/sub/x.weights",
            "--steps",
            "1"
        );
        Assert.Equal(1, code);
        Assert.Contains("folder '/nonexistent-folder' does not exist", e);
    }
}
