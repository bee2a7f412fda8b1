namespace Notebooks.Weights.Tests;

/// <summary>
/// Base of test classes that write files: <see cref="Dir"/> is a new folder under the system temp
/// folder for each test (xUnit makes one instance per test), deleted with everything in it when the
/// test ends.
/// </summary>
public abstract class TempDirectoryTest(string prefix) : IDisposable
{
    /// <summary>The test's folder (absolute path); its name starts with the prefix the class
    /// gave.</summary>
    protected string Dir { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>Deletes <see cref="Dir"/> and its contents.</summary>
    public void Dispose()
    {
        Directory.Delete(Dir, recursive: true);
        GC.SuppressFinalize(this);
    }
}
