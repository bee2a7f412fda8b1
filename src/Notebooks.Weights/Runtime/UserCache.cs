namespace Notebooks.Weights.Runtime;

/// <summary>
/// Where the library keeps downloads (model zoo), patched native copies and feature-visualization
/// images: <c>$NOTEBOOKS_WEIGHTS_CACHE</c>, else <c>$XDG_CACHE_HOME/notebooks-weights</c>, else
/// <c>~/.cache/notebooks-weights</c>.
/// </summary>
public static class UserCache
{
    /// <summary>The cache root directory (created on demand by users of it).</summary>
    public static string Root
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("NOTEBOOKS_WEIGHTS_CACHE");
            if (!string.IsNullOrEmpty(env))
                return env;
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var baseDir = !string.IsNullOrEmpty(xdg)
                ? xdg
                : Path.Combine(
                    Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
                    ".cache"
                );
            return Path.Combine(baseDir, "notebooks-weights");
        }
    }
}
