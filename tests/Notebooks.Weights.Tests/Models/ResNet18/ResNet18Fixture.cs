using Notebooks.Weights.Models;
using Notebooks.Weights.Models.ResNet18;
using NuGet.Configuration;

namespace Notebooks.Weights.Tests.Models.ResNet18;

/// <summary>
/// The real ResNet18, restored into the NuGet global packages folder by this test project's
/// PackageDownload item and loaded once per test class through the registry.
/// </summary>
public sealed class ResNet18Fixture : IDisposable
{
    public ResNet18Fixture() => Model = ModelRegistry.Load("resnet18");

    public VisionModel Model { get; }

    /// <summary>The restored package folder (NuGet's settings: NUGET_PACKAGES, else
    /// ~/.nuget/packages).</summary>
    public static string PackageFolder =>
        Path.Combine(
            SettingsUtility.GetGlobalPackagesFolder(
                Settings.LoadDefaultSettings(AppContext.BaseDirectory)
            ),
            ResNet18Model.Package.RelativeFolder
        );

    public static string NetworkFile => Path.Combine(PackageFolder, ResNet18Model.NetworkFile);
    public static string PreprocessFile =>
        Path.Combine(PackageFolder, ResNet18Model.PreprocessFile);

    public void Dispose() => Model.Dispose();
}
