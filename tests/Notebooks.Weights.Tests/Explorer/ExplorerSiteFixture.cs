using Notebooks.Weights.Explorer;
using Notebooks.Weights.Tests.Cli;

namespace Notebooks.Weights.Tests.Explorer;

/// <summary>
/// One small static explorer site of the bundled model, written once by <c>weights explore</c> for
/// the explorer tests: conv2d0 and conv2d1, the first 32 units of each (all of conv2d0, so every
/// input of a conv2d1 unit has a page), top 4 connections, 8 feature-vis steps at 32 px (fast; the
/// pictures are real, just less optimized). Its feature-vis cache is shared with the served tests
/// (same settings, so they only render the other pictures).
/// </summary>
public sealed class ExplorerSiteFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("explorer-tests-").FullName;
    public string SiteDir => Path.Combine(Root, "site");
    public string FeatureVisCache => Path.Combine(Root, "fv-cache");
    public string Stdout { get; }

    public ExplorerOptions Options =>
        new()
        {
            Layers = ["conv2d0", "conv2d1"],
            FeatureVisSteps = 8,
            FeatureVisSize = 32,
            UnitsPerLayer = 32,
            TopK = 4,
            FeatureVisCacheRoot = FeatureVisCache,
        };

    public ExplorerSiteFixture()
    {
        var (code, o, e) = CliRun.Run(
            "explore",
            "--model",
            "default",
            "--out",
            SiteDir,
            "--layers",
            "conv2d0,conv2d1",
            "--feature-vis-steps",
            "8",
            "--feature-vis-size",
            "32",
            "--units-per-layer",
            "32",
            "--top",
            "4",
            "--cache",
            FeatureVisCache
        );
        if (code != 0)
            throw new InvalidOperationException($"weights explore failed ({code}): {e}");
        Stdout = o;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException) { }
    }
}
