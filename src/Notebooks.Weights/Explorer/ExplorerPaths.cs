using System.Globalization;
using System.Text.RegularExpressions;

namespace Notebooks.Weights.Explorer;

/// <summary>
/// File names of the explorer site (flat pages so relative links work from disk):
/// <c>index.html</c>, <c>layer-LAYER.html</c>, <c>LAYER_UNIT.html</c> (Lucid's explorer naming) and
/// pictures under <c>img/</c> (<see cref="ExplorerAsset"/>). Layer names are kept when they are
/// letters, digits, '_', '-' or '.'; other characters become '~'.
/// </summary>
public static partial class ExplorerPaths
{
    /// <summary>The index page.</summary>
    public const string Index = "index.html";

    /// <summary>The stylesheet.</summary>
    public const string Style = "explorer.css";

    /// <summary>The script (keyboard navigation; progressive loading when served).</summary>
    public const string Script = "explorer.js";

    /// <summary>A layer name as it appears in file names.</summary>
    public static string Safe(string layer) =>
        string.Concat(
            layer.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '~')
        );

    /// <summary>The page of a layer.</summary>
    public static string LayerPage(string layer) => $"layer-{Safe(layer)}.html";

    /// <summary>The page of a unit.</summary>
    public static string UnitPage(string layer, int unit) =>
        FormattableString.Invariant($"{Safe(layer)}_{unit}.html");

    /// <summary>The path of <paramref name="a"/>.</summary>
    public static string AssetPath(ExplorerAsset a)
    {
        var l = Safe(a.Layer);
        return a.Kind switch
        {
            ExplorerAssetKind.FeatureVis => Inv($"img/fv/{l}_{a.Unit}.png"),
            ExplorerAssetKind.InputSwatch => Inv($"img/fv/input_{a.Unit}.png"),
            ExplorerAssetKind.UnitNmf => Inv($"img/nmf/{l}_{a.Unit}.png"),
            ExplorerAssetKind.UnitFactor => Inv($"img/factor/{l}_{a.Unit}_{a.Other}.png"),
            ExplorerAssetKind.InputWeight => Inv($"img/in/{l}_{a.Unit}_{a.Other}.png"),
            ExplorerAssetKind.OutputWeight => Inv($"img/out/{l}_{a.Unit}_{a.Other}.png"),
            ExplorerAssetKind.AllInputs => Inv($"img/inputs/{l}_{a.Unit}.png"),
            ExplorerAssetKind.Spatial => Inv($"img/spatial/{l}_{a.Unit}.png"),
            ExplorerAssetKind.Interaction => Inv($"img/interaction/{l}_{a.Unit}_{a.Other}.png"),
            ExplorerAssetKind.LayerNmf => $"img/layer/{l}_nmf.png",
            ExplorerAssetKind.LayerHistogram => $"img/layer/{l}_hist.png",
            ExplorerAssetKind.Legend => "img/legend.png",
            _ => throw new ArgumentOutOfRangeException(nameof(a), a.Kind, "unknown asset kind"),
        };
    }

    /// <summary>
    /// The asset at <paramref name="path"/> with its layer resolved through
    /// <paramref name="layers"/> (real layer names), or null when the path names no picture of the
    /// site.
    /// </summary>
    public static ExplorerAsset? ParseAsset(string path, IEnumerable<string> layers)
    {
        var bySafe = layers.ToDictionary(Safe, l => l, StringComparer.Ordinal);
        if (path == "img/legend.png")
            return new ExplorerAsset(ExplorerAssetKind.Legend);
        var m = AssetPattern().Match(path);
        if (!m.Success)
            return null;
        string folder = m.Groups["folder"].Value,
            name = m.Groups["name"].Value;
        if (folder == "layer")
        {
            foreach (
                var (suffix, kind) in new[]
                {
                    ("_nmf", ExplorerAssetKind.LayerNmf),
                    ("_hist", ExplorerAssetKind.LayerHistogram),
                }
            )
                if (
                    name.EndsWith(suffix, StringComparison.Ordinal)
                    && bySafe.TryGetValue(name[..^suffix.Length], out var layer)
                )
                    return new ExplorerAsset(kind, layer);
            return null;
        }
        int nums = folder is "factor" or "in" or "out" or "interaction" ? 2 : 1;
        var parts = name.Split('_');
        if (parts.Length <= nums)
            return null;
        var ints = new int[nums];
        for (int i = 0; i < nums; i++)
            if (
                !int.TryParse(
                    parts[parts.Length - nums + i],
                    NumberStyles.None,
                    CultureInfo.InvariantCulture,
                    out ints[i]
                )
            )
                return null;
        var safeLayer = string.Join('_', parts[..^nums]);
        if (folder == "fv" && safeLayer == "input")
            return new ExplorerAsset(
                ExplorerAssetKind.InputSwatch,
                Models.VisionModel.InputLayer,
                ints[0]
            );
        if (!bySafe.TryGetValue(safeLayer, out var real))
            return null;
        var kindOf = folder switch
        {
            "fv" => ExplorerAssetKind.FeatureVis,
            "nmf" => ExplorerAssetKind.UnitNmf,
            "factor" => ExplorerAssetKind.UnitFactor,
            "in" => ExplorerAssetKind.InputWeight,
            "out" => ExplorerAssetKind.OutputWeight,
            "inputs" => ExplorerAssetKind.AllInputs,
            "interaction" => ExplorerAssetKind.Interaction,
            "spatial" => ExplorerAssetKind.Spatial,
            _ => (ExplorerAssetKind?)null,
        };
        return kindOf is { } k
            ? new ExplorerAsset(k, real, ints[0], nums == 2 ? ints[1] : -1)
            : null;
    }

    [GeneratedRegex(
        @"^img/(?<folder>fv|nmf|factor|in|out|inputs|interaction|spatial|layer)/(?<name>[A-Za-z0-9_.~-]+)\.png$"
    )]
    private static partial Regex AssetPattern();

    static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
