using System.Runtime.CompilerServices;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Notebooks.Weights.Interactive.Tests;

static class TestSetup
{
    /// <summary>Native environment first (oneDNN guard, GLIBCXX fallback), before any test touches
    /// TorchSharp.</summary>
    [ModuleInitializer]
    internal static void Init() => Notebooks.Weights.Runtime.TorchRuntime.EnsureLoaded();
}
