using System.Runtime.CompilerServices;

namespace Notebooks.Weights.Tests;

static class TestSetup
{
    /// <summary>Native environment first (oneDNN guard, GLIBCXX fallback), before any test touches
    /// TorchSharp.</summary>
    [ModuleInitializer]
    internal static void Init() => Notebooks.Weights.Runtime.TorchRuntime.EnsureLoaded();
}
