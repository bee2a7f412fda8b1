using System.Security.Cryptography;
using System.Text;
using Notebooks.Weights.Models;
using Notebooks.Weights.Runtime;
using static TorchSharp.torch;

namespace Notebooks.Weights.FeatureVis;

/// <summary>Which objective a cached unit image maximizes.</summary>
public enum UnitObjective
{
    /// <summary>Lucid's <c>channel</c>: mean of the channel over positions.</summary>
    Channel,

    /// <summary>Lucid's <c>neuron</c>: the channel at the center position.</summary>
    Neuron,
}

/// <summary>Settings of a cached unit visualization (all part of the cache key). Defaults are
/// Lucid's: 128 px, 512 steps, Adam 0.05, FFT, decorrelated, standard transforms, redirected ReLU
/// gradients.</summary>
public sealed record FeatureVisSettings(
    int Size = 128,
    int Steps = 512,
    int Seed = 0,
    UnitObjective Objective = UnitObjective.Channel,
    double LearningRate = 0.05,
    bool Fft = true,
    bool Decorrelate = true
)
{
    /// <summary>Transforms used (default <see cref="FeatureVis.Transforms.Standard"/>); their
    /// description is part of the key.</summary>
    public ImageTransform Transforms { get; init; } = FeatureVis.Transforms.Standard;

    /// <summary>
    /// Optimize the layer's <c>_pre_relu</c> tensor when the model has one (default true), as
    /// Lucid's tutorials do (<c>"mixed4a_pre_relu:476"</c>): from a near-gray start many ReLU
    /// outputs are 0 and get no gradient, so their images would stay flat gray. The cached file is
    /// named after the tensor actually optimized.
    /// </summary>
    public bool PreRelu { get; init; } = true;

    /// <summary>
    /// Lucid's <c>relu_gradient_override</c> (default true): redirected ReLU gradients for the
    /// first <see cref="Optvis.RedirectedReluSteps"/> steps (see
    /// <see cref="RenderOptions.ReluGradientOverride"/>).
    /// </summary>
    public bool ReluGradientOverride { get; init; } = true;

    /// <summary>The layer whose units are optimized for <paramref name="layer"/>: its
    /// <c>_pre_relu</c> tensor when <see cref="PreRelu"/> and the model has it.</summary>
    public string TargetLayer(VisionModel model, string layer) =>
        PreRelu
        && !layer.EndsWith("_pre_relu", StringComparison.Ordinal)
        && model.HasLayer(layer + "_pre_relu")
            ? layer + "_pre_relu"
            : layer;

    /// <summary>12 hex chars identifying the settings.</summary>
    public string Hash
    {
        get
        {
            // v2: renders fit transformed images to accepted input sizes and (by default) redirect
            // ReLU gradients.
            var key = FormattableString.Invariant(
                $"v2|{Size}|{Steps}|{Seed}|{Objective}|{LearningRate:R}|{Fft}|{Decorrelate}|{Transforms.Description}|relu-override={ReluGradientOverride}"
            );
            return Convert
                .ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..12]
                .ToLowerInvariant();
        }
    }

    /// <summary>The seed of one unit's initial image (independent of which units share a
    /// batch).</summary>
    public int UnitSeed(int unit) => unchecked(Seed * 1_000_003 + unit);
}

/// <summary>
/// Feature visualizations on disk, so rows of neurons render once: PNGs under
/// <c>&lt;root&gt;/&lt;model weights hash&gt;/&lt;layer&gt;_&lt;unit&gt;_&lt;settings
/// hash&gt;.png</c> (root defaults to <c>UserCache.Root/featurevis</c>). Missing units are rendered
/// together in one batch. With <see cref="UseLucidHosted"/> (explicit opt-in, InceptionV1 only) the
/// images Lucid hosted for the weight explorer are downloaded instead and kept under
/// <c>&lt;root&gt;/lucid-hosted/</c>.
/// </summary>
public sealed class FeatureVisCache
{
    /// <summary>The URL folder of Lucid's hosted InceptionV1 neuron images (from the companion
    /// notebook).</summary>
    public const string LucidHostedBaseUrl =
        "https://storage.googleapis.com/inceptionv1-weight-explorer/images/neuron/";

    /// <summary>A cache in <paramref name="root"/> (default
    /// <c>UserCache.Root/featurevis</c>).</summary>
    public FeatureVisCache(string? root = null) =>
        Root = root ?? Path.Combine(UserCache.Root, "featurevis");

    /// <summary>The cache folder.</summary>
    public string Root { get; }

    /// <summary>Download Lucid's hosted images (InceptionV1 only; needs network) instead of
    /// rendering.</summary>
    public bool UseLucidHosted { get; init; }

    /// <summary>Base URL of the hosted images (tests point it at a local server).</summary>
    public string LucidBaseUrl { get; init; } = LucidHostedBaseUrl;

    /// <summary>HTTP client for downloads (default: a shared client with a 30 s timeout).</summary>
    public HttpClient? Http { get; init; }

    static readonly Lazy<HttpClient> DefaultHttp = new(() =>
        new HttpClient { Timeout = TimeSpan.FromSeconds(30) }
    );

    /// <summary>
    /// Where the image of <paramref name="unit"/> is (or would be) cached (named after
    /// <see cref="FeatureVisSettings.TargetLayer"/>), under the model's current
    /// <see cref="VisionModel.WeightsHash"/>: edited weights get a folder of their own.
    /// </summary>
    public string PathFor(VisionModel model, string layer, int unit, FeatureVisSettings settings) =>
        PathFor(model.WeightsHash, model, layer, unit, settings);

    /// <summary>
    /// The units among <paramref name="units"/> (distinct, in order) with no cached image yet for
    /// the model's current weights (hashed once for all of them).
    /// </summary>
    public IReadOnlyList<int> Missing(
        VisionModel model,
        string layer,
        IEnumerable<int> units,
        FeatureVisSettings settings
    )
    {
        string weightsHash = model.WeightsHash;
        return units
            .Distinct()
            .Where(u => !File.Exists(PathFor(weightsHash, model, layer, u, settings)))
            .ToList();
    }

    string PathFor(
        string weightsHash,
        VisionModel model,
        string layer,
        int unit,
        FeatureVisSettings settings
    ) =>
        Path.Combine(
            Root,
            weightsHash,
            $"{Safe(settings.TargetLayer(model, layer))}_{unit}_{settings.Hash}.png"
        );

    /// <summary>
    /// Where the image of a direction (a vector over <paramref name="layer"/>'s channels, e.g. one
    /// spatial position of a unit's weights or an NMF factor) is cached:
    /// <c>&lt;root&gt;/&lt;weights
    /// hash&gt;/directions/&lt;layer&gt;_&lt;objective&gt;_&lt;key&gt;.png</c>, the key hashing the
    /// vector's float32 values and every render setting (size, steps, image seed, cosine power,
    /// transforms).
    /// </summary>
    public string DirectionPath(
        VisionModel model,
        string layer,
        string objective,
        float[] direction,
        int size,
        int steps,
        int imageSeed,
        double cossimPow,
        ImageTransform? transforms
    )
    {
        var header = Encoding.UTF8.GetBytes(
            FormattableString.Invariant(
                $"dir-v1|{layer}|{objective}|{size}|{steps}|{imageSeed}|{cossimPow:R}|{(transforms ?? FeatureVis.Transforms.Standard).Description}|"
            )
        );
        var bytes = new byte[header.Length + direction.Length * sizeof(float)];
        header.CopyTo(bytes, 0);
        Buffer.BlockCopy(direction, 0, bytes, header.Length, direction.Length * sizeof(float));
        var key = Convert.ToHexString(SHA256.HashData(bytes))[..16].ToLowerInvariant();
        return Path.Combine(
            Root,
            model.WeightsHash,
            "directions",
            $"{Safe(layer)}_{objective}_{key}.png"
        );
    }

    /// <summary>One unit's image [S, S, 3] in [0,1], from the cache or rendered.</summary>
    public Tensor GetOrRender(
        VisionModel model,
        string layer,
        int unit,
        FeatureVisSettings? settings = null,
        Action<RenderProgress>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        using var scope = NewDisposeScope();
        return GetOrRender(model, layer, [unit], settings, progress, cancellationToken)[0]
            .MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Images [N, S, S, 3] in [0,1] of <paramref name="units"/> of <paramref name="layer"/>: cached
    /// ones are read, the missing ones rendered in one batch (objective: the sum of each unit's
    /// objective on its own image) and saved.
    /// </summary>
    public Tensor GetOrRender(
        VisionModel model,
        string layer,
        IReadOnlyList<int> units,
        FeatureVisSettings? settings = null,
        Action<RenderProgress>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        settings ??= new FeatureVisSettings();
        if (units.Count == 0)
            throw new ArgumentException("Name at least one unit.", nameof(units));
        var info = model.LayerInfo(layer);
        foreach (var u in units)
            if (u < 0 || u >= info.Channels)
                throw new ArgumentOutOfRangeException(
                    nameof(units),
                    $"Unit {u} is out of range: layer '{layer}' of {model.Name} has {info.Channels} channels (0..{info.Channels - 1})."
                );
        if (settings.Objective == UnitObjective.Neuron && !info.IsSpatial)
            throw new ArgumentException(
                $"The neuron objective needs a layer with spatial extent; layer '{layer}' has shape [{string.Join(", ", info.Shape)}]."
            );
        if (settings.Size < 8)
            throw new ArgumentOutOfRangeException(
                nameof(settings),
                $"Image size must be at least 8 px; got {settings.Size}."
            );
        if (settings.Steps < 1)
            throw new ArgumentOutOfRangeException(
                nameof(settings),
                $"Steps must be at least 1; got {settings.Steps}."
            );

        using var scope = NewDisposeScope();
        if (UseLucidHosted)
            return stack(
                    units
                        .Select(u =>
                            ResizeTo(
                                GetLucidHosted(model, layer, u, cancellationToken),
                                settings.Size
                            )
                        )
                        .ToArray()
                )
                .MoveToOuterDisposeScope();
        layer = settings.TargetLayer(model, layer);
        string weightsHash = model.WeightsHash; // of the weights rendered: hashed once per call, before the render

        var images = new Tensor?[units.Count];
        var missing = new List<int>();
        for (int i = 0; i < units.Count; i++)
        {
            var path = PathFor(weightsHash, model, layer, units[i], settings);
            if (File.Exists(path))
            {
                var img = ImageFiles.Load(path);
                if (img.shape[0] == settings.Size && img.shape[1] == settings.Size)
                {
                    images[i] = img;
                    continue;
                }
            }
            missing.Add(i);
        }
        var todo = missing.Select(i => units[i]).Distinct().ToList();
        if (todo.Count > 0)
        {
            var objective = Objective.Sum(
                todo.Select(
                    (u, b) =>
                        settings.Objective == UnitObjective.Channel
                            ? Objective.Channel(layer, u, batch: b)
                            : Objective.Neuron(layer, u, batch: b)
                )
            );
            using var param = ImageParam.Create(
                settings.Size,
                todo.Select(settings.UnitSeed).ToArray(),
                fft: settings.Fft,
                decorrelate: settings.Decorrelate
            );
            using var result = Optvis.Render(
                model,
                objective,
                param,
                new RenderOptions
                {
                    Thresholds = [settings.Steps],
                    LearningRate = settings.LearningRate,
                    Seed = settings.Seed,
                    Transforms = settings.Transforms,
                    Progress = progress,
                    ReluGradientOverride = settings.ReluGradientOverride,
                },
                cancellationToken
            );
            for (int b = 0; b < todo.Count; b++)
            {
                var img = result.Final[b].clone();
                var path = PathFor(weightsHash, model, layer, todo[b], settings);
                ImageFiles.SavePng(img, path);
                // Return what a later cache hit returns (8-bit quantized), so first and second
                // calls agree.
                var reread = ImageFiles.Load(path);
                for (int i = 0; i < units.Count; i++)
                    if (units[i] == todo[b])
                        images[i] = reread;
            }
        }
        return stack(images.Select(t => t!).ToArray()).MoveToOuterDisposeScope();
    }

    /// <summary>Where <see cref="GetLucidHosted"/> keeps the downloaded image of
    /// <paramref name="layer"/>:<paramref name="unit"/>.</summary>
    public string LucidHostedPath(string layer, int unit) =>
        Path.Combine(Root, "lucid-hosted", $"{Safe(layer)}_{unit}.jpg");

    /// <summary>
    /// The image Lucid hosted for InceptionV1 unit <paramref name="unit"/> of
    /// <paramref name="layer"/> ([H, W, 3] in [0,1], at its own size), downloaded once into
    /// <c>&lt;root&gt;/lucid-hosted/</c>. Requires <see cref="UseLucidHosted"/>.
    /// </summary>
    public Tensor GetLucidHosted(
        VisionModel model,
        string layer,
        int unit,
        CancellationToken cancellationToken = default
    )
    {
        if (!UseLucidHosted)
            throw new InvalidOperationException(
                "Lucid-hosted images are opt-in: create the cache with UseLucidHosted = true."
            );
        if (
            !string.Equals(
                model.Name,
                Models.InceptionV1.InceptionV1Model.Name,
                StringComparison.OrdinalIgnoreCase
            )
        )
            throw new ArgumentException(
                $"Lucid hosted feature visualizations only for InceptionV1; model '{model.Name}' must be rendered locally (drop the Lucid-hosted option)."
            );
        model.Layer(layer);
        var file = LucidHostedPath(layer, unit);
        if (!File.Exists(file))
        {
            var url = $"{LucidBaseUrl.TrimEnd('/')}/{layer}_{unit}.jpg";
            byte[] bytes;
            try
            {
                using var resp = (Http ?? DefaultHttp.Value)
                    .GetAsync(url, cancellationToken)
                    .GetAwaiter()
                    .GetResult();
                if (!resp.IsSuccessStatusCode)
                    throw new IOException(
                        $"Downloading Lucid's feature visualization {layer}:{unit} from {url} failed: HTTP {(int)resp.StatusCode} {resp.ReasonPhrase}."
                    );
                bytes = resp
                    .Content.ReadAsByteArrayAsync(cancellationToken)
                    .GetAwaiter()
                    .GetResult();
            }
            catch (Exception e)
                when (e is HttpRequestException or TaskCanceledException
                    && !cancellationToken.IsCancellationRequested
                )
            {
                throw new IOException(
                    $"Could not download Lucid's feature visualization {layer}:{unit} from {url} ({e.Message}). "
                        + "Are you offline? Drop the Lucid-hosted option to render locally.",
                    e
                );
            }
            ImageFiles.Decode(bytes, url).Dispose();
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file + ".tmp", bytes);
            File.Move(file + ".tmp", file, overwrite: true);
        }
        return ImageFiles.Load(file);
    }

    static Tensor ResizeTo(Tensor hwc, int size)
    {
        if (hwc.shape[0] == size && hwc.shape[1] == size)
            return hwc;
        using var scope = NewDisposeScope();
        var nchw = hwc.permute(2, 0, 1).unsqueeze(0);
        return nn
            .functional.interpolate(
                nchw,
                new long[] { size, size },
                mode: InterpolationMode.Bilinear,
                align_corners: false
            )
            .squeeze(0)
            .permute(1, 2, 0)
            .clamp(0, 1)
            .contiguous()
            .MoveToOuterDisposeScope();
    }

    static string Safe(string layer) =>
        string.Concat(
            layer.Select(c => char.IsLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_')
        );
}
