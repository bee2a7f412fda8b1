using System.Runtime.InteropServices;

namespace Notebooks.Weights.Tests.Runtime;

/// <summary>Directory.Build.targets keeps other platforms' natives (libtorch for macOS/Windows, ~1
/// GB) out of build outputs.</summary>
public class BuildOutputTests
{
    [Fact]
    public void BuildOutputCarriesOnlyTheRunningPlatformsNatives()
    {
        var runtimes = Path.Combine(AppContext.BaseDirectory, "runtimes");
        Assert.True(
            Directory.Exists(runtimes),
            $"no runtimes folder in {AppContext.BaseDirectory}"
        );
        var rid = RuntimeInformation.RuntimeIdentifier; // e.g. linux-x64
        var os = rid.Split('-')[0];
        // Folders that hold files (an incremental build leaves emptied folders of an earlier full
        // copy behind).
        var folders = Directory
            .GetDirectories(runtimes)
            .Where(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories).Any())
            .Select(d => Path.GetFileName(d)!)
            .ToList();
        Assert.Contains(rid, folders);
        var foreign = folders.Where(f => f != rid && f != os && f != "unix").ToList();
        Assert.True(
            foreign.Count == 0,
            $"natives of other platforms were copied: {string.Join(", ", foreign)}"
        );
    }
}
