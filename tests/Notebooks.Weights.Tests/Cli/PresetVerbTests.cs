namespace Notebooks.Weights.Tests.Cli;

public class PresetVerbTests
{
    [Fact]
    public void Preset_prints_the_models_preset_and_derive_units_reproduces_it()
    {
        var (code, output, err) = CliRun.Run("preset", "--model", "default");
        Assert.True(code == 0, err);
        Assert.Contains(
            "hidden → hidden: conv2d1 → conv2d2 (W = 6), studying conv2d1:13 → conv2d2:52",
            output
        );
        var (code2, again, err2) = CliRun.Run("preset", "--model", "default", "--derive-units");
        Assert.True(code2 == 0, err2);
        Assert.Equal(output, again); // the written-out units are what the rules give on the bundled model
        var (code3, derived, err3) = CliRun.Run("preset", "--model", "default", "--derive");
        Assert.True(code3 == 0, err3);
        Assert.Contains("derived from default's graph", derived);
        var (bad, _, msg) = CliRun.Run(
            "preset",
            "--model",
            "default",
            "--derive",
            "--derive-units"
        );
        Assert.Equal(2, bad);
        Assert.Contains("--derive and --derive-units exclude each other", msg);
    }
}
