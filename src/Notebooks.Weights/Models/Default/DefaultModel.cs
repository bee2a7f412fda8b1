using System.Text.Json;
using Notebooks.Weights.Runtime;
using Notebooks.Weights.Training;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models.Default;

/// <summary>
/// The project's own small model, shipped inside the library and usable offline:
/// <c>ModelRegistry.Load("default")</c> or <see cref="Load"/>. A <see cref="DefaultNet"/> (conv2d0
/// 5x5x32, conv2d1 3x3x64, conv2d2 3x3x96, conv2d3 3x3x128 with 2x2 max pools, global average
/// pooling, 10-way linear head) trained by <see cref="DefaultModelTrainer"/> on
/// <see cref="SyntheticScenes"/>. Layers, Lucid-style: <c>conv2d0_pre_relu</c>, <c>conv2d0</c>,
/// <c>maxpool0</c>, ..., <c>conv2d3</c>, <c>avgpool</c>, <c>logits</c>, <c>softmax</c>; weights
/// <c>conv2d0_w</c>/<c>conv2d0_b</c> ... <c>logits_w</c>/<c>logits_b</c>. Input: RGB 64x64, [0,1]
/// images mapped to [-1, 1].
/// <para>Reproduce the shipped weights with <c>weights train default --out
/// default-model.weights</c> (defaults: seed 1, 600 steps of 32 fresh images, AdamW 2e-3
/// cosine-annealed, weight decay 1e-3, 2 torch threads; about 2.5 minutes on 2 cores). The run
/// prints the weights hash; the shipped weights have hash <c>c4c861bc9d93ed99</c>, recorded with
/// the accuracies (train 99.5%, validation 99.3% on 1000 fresh images) in <c>default-model.json</c>
/// next to the weights (<see cref="ShippedRecord"/>). Bitwise equality holds for the same
/// TorchSharp/libtorch build and CPU kind; other CPUs may differ in the last bits.</para>
/// </summary>
public static class DefaultModel
{
    /// <summary>The registry name.</summary>
    public const string Name = "default";

    /// <summary>Input: 3 channels, 64 px, [0,1] mapped to [-1, 1].</summary>
    public static readonly InputSpec Input = new(3, 64, -1, 1);

    const string WeightsResource = "Notebooks.Weights.Models.Default.default-model.weights";
    const string RecordResource = "Notebooks.Weights.Models.Default.default-model.json";

    /// <summary>Lucid-style layer names for a network of <paramref name="config"/>, in execution
    /// order.</summary>
    public static IReadOnlyList<LayerSpec> LayerSpecs(DefaultNetConfig config)
    {
        var l = new List<LayerSpec>();
        for (int i = 0; i < 4; i++)
        {
            l.Add(new($"conv2d{i}_pre_relu", $"conv2d{i}.conv", "Conv2D"));
            l.Add(new($"conv2d{i}", $"conv2d{i}", "Relu"));
            if (i < 3)
                l.Add(new($"maxpool{i}", $"maxpool{i}", "MaxPool"));
        }
        if (config.Head != PoolingHead.Flatten)
            l.Add(
                new(
                    "avgpool",
                    "avgpool",
                    config.Head == PoolingHead.AverageX ? "AvgPoolX" : "AvgPool"
                )
            );
        l.Add(new("logits", "logits", "MatMul"));
        l.Add(new("softmax", "softmax", "Softmax"));
        return l;
    }

    /// <summary>Lucid-style weight names → parameter paths (<c>conv2d0_w</c> →
    /// <c>conv2d0.conv.weight</c>, <c>logits_w</c> → <c>logits.weight</c>).</summary>
    public static IReadOnlyDictionary<string, string> ParameterAliases()
    {
        var a = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < 4; i++)
        {
            a[$"conv2d{i}_w"] = $"conv2d{i}.conv.weight";
            a[$"conv2d{i}_b"] = $"conv2d{i}.conv.bias";
        }
        a["logits_w"] = "logits.weight";
        a["logits_b"] = "logits.bias";
        return a;
    }

    /// <summary>Wraps a network as a <see cref="VisionModel"/> with the Lucid-style
    /// names.</summary>
    public static VisionModel Wrap(DefaultNet net, string name = Name) =>
        new(
            name,
            net,
            Input with
            {
                DefaultSize = net.Config.InputSize,
            },
            LayerSpecs(net.Config),
            ParameterAliases()
        );

    /// <summary>An untrained model of <paramref name="config"/> initialized from
    /// <paramref name="seed"/> (exactly as training starts).</summary>
    public static VisionModel Create(DefaultNetConfig? config = null, long seed = 1) =>
        Wrap(DefaultModelTrainer.Initialize(config ?? DefaultNetConfig.Standard, seed));

    /// <summary>The shipped trained default model (from the library's embedded weights; no network
    /// access).</summary>
    public static VisionModel Load()
    {
        using var stream = typeof(DefaultModel).Assembly.GetManifestResourceStream(WeightsResource)
            ?? throw new InvalidDataException(
                $"The library has no embedded resource '{WeightsResource}'; the build is incomplete."
            );
        return LoadFrom(stream, DefaultNetConfig.Standard, "embedded resource " + WeightsResource);
    }

    /// <summary>
    /// Loads weights saved by <see cref="Save"/> / <c>weights train default</c> (TorchSharp's
    /// module format) into a network of <paramref name="config"/>; when null, the pooling head
    /// comes from the training record <c>PATH.json</c> next to the file (written by <c>weights
    /// train</c>), else the standard architecture.
    /// </summary>
    public static VisionModel LoadFile(string path, DefaultNetConfig? config = null)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"Weights file not found: {Path.GetFullPath(path)}",
                path
            );
        config ??= ConfigFromRecord(path);
        using var stream = File.OpenRead(path);
        return LoadFrom(stream, config, path);
    }

    static DefaultNetConfig ConfigFromRecord(string weightsPath)
    {
        var json = Path.ChangeExtension(weightsPath, ".json");
        if (!File.Exists(json))
            return DefaultNetConfig.Standard;
        TrainingRecord record;
        try
        {
            record = JsonSerializer.Deserialize<TrainingRecord>(File.ReadAllText(json))
                ?? throw new JsonException("empty document");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"Training record {json} is not valid JSON of a TrainingRecord: {e.Message}",
                e
            );
        }
        if (!Enum.TryParse<PoolingHead>(record.Head, out var head))
            throw new InvalidDataException(
                $"Training record {json}: Head '{record.Head}' is not one of {string.Join(", ", Enum.GetNames<PoolingHead>())}."
            );
        return DefaultNetConfig.Standard with { Head = head };
    }

    static VisionModel LoadFrom(Stream stream, DefaultNetConfig config, string source)
    {
        TorchRuntime.EnsureLoaded();
        var net = new DefaultNet(config);
        try
        {
            net.load(stream, strict: true);
        }
        catch (Exception e)
            when (e
                    is ArgumentException
                        or InvalidOperationException
                        or EndOfStreamException
                        or IOException
            )
        {
            net.Dispose();
            throw new InvalidDataException(
                $"Cannot load default-model weights from {source} into a {config}: {e.Message}",
                e
            );
        }
        return Wrap(net);
    }

    /// <summary>Saves the model's parameters in TorchSharp's module format.</summary>
    public static void Save(VisionModel model, string path) => model.Module.save(path);

    /// <summary>How the shipped weights were trained (seed, steps, accuracies, weights hash,
    /// command).</summary>
    public static TrainingRecord ShippedRecord
    {
        get
        {
            using var stream = typeof(DefaultModel).Assembly.GetManifestResourceStream(
                RecordResource
            )
                ?? throw new InvalidDataException(
                    $"The library has no embedded resource '{RecordResource}'; the build is incomplete."
                );
            return JsonSerializer.Deserialize<TrainingRecord>(stream)
                ?? throw new InvalidDataException($"Empty training record in {RecordResource}.");
        }
    }
}

/// <summary>Registry provider for the shipped default model
/// (<c>ModelRegistry.Load("default")</c>).</summary>
public sealed class DefaultModelProvider : IModelProvider
{
    /// <inheritdoc/>
    public IReadOnlyList<string> Names => [DefaultModel.Name];

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions => [".weights"];

    /// <inheritdoc/>
    public VisionModel Load(string nameOrPath) =>
        nameOrPath.Equals(DefaultModel.Name, StringComparison.OrdinalIgnoreCase)
            ? DefaultModel.Load()
            : DefaultModel.LoadFile(nameOrPath);
}
