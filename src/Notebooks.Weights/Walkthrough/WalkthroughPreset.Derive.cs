using Notebooks.Weights.Connections;
using Notebooks.Weights.Decomposition;
using Notebooks.Weights.Models;
using static TorchSharp.torch;

namespace Notebooks.Weights.Walkthrough;

public sealed partial record WalkthroughPreset
{
    /// <summary>Largest family size (the companion notebook's high-low family has 15
    /// units).</summary>
    public const int FirstFamilySize = 15;

    /// <summary>Size of the second family (the companion notebook's black-and-white family has 8
    /// units).</summary>
    public const int SecondFamilySize = 8;

    /// <summary>Units in <see cref="RowUnits"/> (the companion notebook shows 20).</summary>
    public const int RowSize = 20;

    /// <summary>Seed and image size of the probe the objectives units are chosen on (the objectives
    /// notebook's defaults).</summary>
    public const int ProbeSeed = 7,
        ProbeSize = 64,
        ProbeImages = 8;

    /// <summary>
    /// The walkthrough's choices for any model, from its graph. Layers come from
    /// <paramref name="layersFrom"/> when given (then only the units are derived), else by these
    /// rules, with H the hidden layers of <see cref="WalkthroughGraph.HiddenLayers"/> (cuts of the
    /// graph with a kernel before them, after the first conv):
    /// <list type="bullet">
    /// <item><b>first layer</b>: <see cref="VisionModel.FirstConvLayer"/>; width = its kernel size
    /// rounded up to a multiple of its stride (input size / its output size); the second conv is
    /// the next conv reading its channels.</item>
    /// <item><b>hidden pair</b>: H[i] → H[i+1] with i = (|H| − 1) / 4 (InceptionV1: mixed3a →
    /// mixed3b; ResNet18: layer2.0 → layer2.1). Widths: 5 rounded up to a multiple of the pair's
    /// stride (6 into a stride-2 block: graphs with fixed padding need an even window there), at
    /// most the map size. <b>Next</b>: the cut before H[i+2] → H[i+2]. <b>Factor pair</b>: the cut
    /// before H[i] → H[i], factors as directions in the last weighted cut at or before that cut
    /// with the same channels (maxpool1 pools conv2d2).</item>
    /// <item><b>UnitB</b>: the unit of H[i+1] with the largest squared expanded weight from H[i]
    /// (sum over W, W and inputs); <b>UnitA</b>: the input unit with the largest squared weight
    /// into UnitB; <b>NmfUnit</b> = UnitB; <b>RowUnits</b>: 20 consecutive units starting at UnitB
    /// (moved down to fit).</item>
    /// <item><b>Families</b>: among the units of the factor pair's second layer with
    /// expanded-weight norm at or above the median, one two-factor NMF is fitted to all of them
    /// (posneg along units) and each unit's relative reconstruction error taken; the first family
    /// is the min(15, n/2) units with the lowest error, the second the min(8, rest) lowest after
    /// refitting on the rest (<see cref="SharedFactorErrors"/>). They are the units shared factors
    /// describe best — the rule says nothing about what they detect, and neither do their
    /// names.</item>
    /// <item><b>Banding</b>: the last conv with a spatial kernel (banded) and the second one
    /// (early).</item>
    /// <item><b>Objectives</b>: layer H[2(|H| − 1)/3], the earlier layer two hidden layers before
    /// it (or H[0]); unit and second unit: the largest and second largest mean activation over 8
    /// uniform random 64 px images (seed 7).</item>
    /// <item><b>Sizes</b>: feature visualization min(128, default input size) px and 256 steps;
    /// positions and factors half that size, at most 60.</item>
    /// </list>
    /// </summary>
    public static WalkthroughPreset Derive(VisionModel model, WalkthroughPreset? layersFrom = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var preset = layersFrom is null
            ? DeriveLayers(model)
            : layersFrom with
            {
                Model = model.Name,
            };
        using var scope = NewDisposeScope();

        using var wh = ExpandedWeights.Get(
            model,
            preset.Hidden.From,
            preset.Hidden.To,
            preset.Hidden.Width
        );
        int unitB = ArgMax(wh.pow(2).sum([0, 1, 2]));
        int unitA = ArgMax(wh[.., .., .., unitB].pow(2).sum([0, 1]));
        int c2 = (int)wh.shape[3];
        int rowCount = Math.Min(RowSize, c2);
        int rowStart = Math.Min(unitB, c2 - rowCount);

        using var wf = ExpandedWeights.Get(
            model,
            preset.Factor.From,
            preset.Factor.To,
            preset.Factor.Width
        );
        var families = DeriveFamilies(wf, preset.Factor);

        var probe = rand(
            new long[] { ProbeImages, model.Input.Channels, ProbeSize, ProbeSize },
            generator: new Generator(ProbeSeed)
        );
        Tensor meanActs;
        using (no_grad())
            meanActs = model.Activation(probe, preset.ObjectivesLayer).mean([0, 2, 3]);
        var order = meanActs.argsort(descending: true).data<long>().ToArray();

        return preset with
        {
            Origin = layersFrom is null
                ? $"derived from {model.Name}'s graph (WalkthroughPreset.Derive)"
                : layersFrom.Origin,
            UnitA = unitA,
            UnitB = unitB,
            NmfUnit = unitB,
            RowUnits = Enumerable.Range(rowStart, rowCount).ToArray(),
            Families = families,
            ObjectivesUnit = (int)order[0],
            ObjectivesSecondUnit = (int)order[Math.Min(1, order.Length - 1)],
        };
    }

    static WalkthroughPreset DeriveLayers(VisionModel model)
    {
        var table = model.Layers();
        // A kernel's shortest layer name (ONNX graphs list "/conv1/Conv" and "conv1" for the same
        // node).
        var kernelNames = table
            .Where(l => l.Name != VisionModel.InputLayer)
            .Select(l => (l.Name, W: TryWeightName(model, l.Name)))
            .Where(t => t.W is not null)
            .GroupBy(t => model.Parameters.PathOf(t.W!))
            .ToDictionary(g => g.Key, g => g.Select(t => t.Name).OrderBy(n => n.Length).First());
        string Short(string layer) =>
            kernelNames.GetValueOrDefault(
                model.Parameters.PathOf(model.LayerWeightName(layer)!),
                layer
            );
        var firstRaw = model.FirstConvLayer;
        var first = Short(firstRaw);
        var firstWeight = model.LayerWeightName(first)!;
        var k = model.Parameters.Shape(firstWeight);
        var firstInfo = table.First(l => l.Name == first);
        int stride = Math.Max(
            1,
            (int)Math.Round(model.Input.DefaultSize / (double)firstInfo.Height)
        );
        int firstWidth = Math.Min(
            model.Input.DefaultSize,
            (int)((k[2] + stride - 1) / stride * stride)
        );
        var convs = model.ConvLayers;
        var second = convs
            .Skip(convs.ToList().IndexOf(firstRaw) + 1)
            .FirstOrDefault(c => model.Parameters.Shape(model.LayerWeightName(c)!)[1] == k[0])
            ?? throw new ArgumentException(
                $"{model.Name}: no convolution reads the {k[0]} channels of its first convolution '{first}'."
            );

        var cuts = WalkthroughGraph.Cuts(model);
        var hidden = WalkthroughGraph.HiddenLayers(cuts);
        if (hidden.Count < 3)
            throw new ArgumentException(
                $"{model.Name} has {hidden.Count} hidden layers that are cuts of its graph ({string.Join(", ", hidden.Select(h => h.Layer))}); "
                    + "the walkthrough needs three (a hidden pair and the layer after it)."
            );
        int i = Math.Min((hidden.Count - 1) / 4, hidden.Count - 3);
        GraphCut Before(GraphCut c) =>
            cuts[
                cuts.ToList().FindIndex(x => x.Layer == c.Layer) - 1 is var j && j >= 0
                    ? j
                    : throw new ArgumentException($"{model.Name}: no cut before '{c.Layer}'.")
            ];
        LayerPair Pair(GraphCut from, GraphCut to)
        {
            int stride = (int)Math.Max(1, from.Info.Height / Math.Max(1, to.Info.Height));
            return new(
                from.Layer,
                to.Layer,
                (int)
                    Math.Min(
                        (5 + stride - 1) / stride * stride,
                        Math.Min(from.Info.Height, from.Info.Width)
                    )
            );
        }

        var factorFrom = Before(hidden[i]);
        var direction = cuts.Take(cuts.ToList().IndexOf(factorFrom) + 1)
            .Reverse()
            .TakeWhile(c => c.Info.Channels == factorFrom.Info.Channels)
            .FirstOrDefault(c => c.Weighted)
            ?? factorFrom;

        var spatialConvs = convs
            .Where(c =>
                model.Parameters.Shape(model.LayerWeightName(c)!) is var s && s[2] * s[3] > 1
            )
            .ToList();
        int o = 2 * (hidden.Count - 1) / 3;
        int fv = Math.Min(128, model.Input.DefaultSize);
        return new WalkthroughPreset
        {
            Model = model.Name,
            Origin = "",
            FirstConvLayer = first,
            FirstConvWeight = firstWeight,
            FirstWidth = firstWidth,
            SecondConvWeight = model.LayerWeightName(second)!,
            Hidden = Pair(hidden[i], hidden[i + 1]),
            UnitA = 0,
            UnitB = 0,
            Next = Pair(Before(hidden[i + 2]), hidden[i + 2]),
            NmfUnit = 0,
            RowUnits = [],
            Factor = Pair(factorFrom, hidden[i]),
            FactorDirectionLayer = direction.Layer,
            Families = [],
            BandedWeight = Short(spatialConvs[^1]),
            EarlyBandingWeight = Short(spatialConvs[Math.Min(1, spatialConvs.Count - 1)]),
            ObjectivesLayer = hidden[o].Layer,
            ObjectivesEarlierLayer = hidden[Math.Max(0, o - 2)].Layer,
            ObjectivesUnit = 0,
            ObjectivesSecondUnit = 0,
            FeatureVisSize = fv,
            FeatureVisSteps = 256,
            VisVecSize = Math.Min(60, fv / 2),
        };
    }

    static IReadOnlyList<UnitFamily> DeriveFamilies(Tensor w, LayerPair pair)
    {
        using var scope = NewDisposeScope();
        var norms = w.pow(2).sum([0, 1, 2]).sqrt().data<float>().ToArray();
        var median = norms.OrderBy(v => v).ElementAt((norms.Length - 1) / 2);
        var eligible = Enumerable
            .Range(0, norms.Length)
            .Where(u => norms[u] >= median && norms[u] > 0)
            .ToList();
        int size1 = Math.Min(FirstFamilySize, eligible.Count / 2);
        if (size1 < 2)
            throw new ArgumentException(
                $"'{pair.To}' has {eligible.Count} units with weights from '{pair.From}' at or above the median norm; families need at least 4."
            );
        var first = Best(eligible, size1);
        var rest = eligible.Except(first).ToList();
        var second = Best(rest, Math.Min(SecondFamilySize, rest.Count));
        string rule =
            $"of the {eligible.Count} units of {pair.To} whose weights from {pair.From} have at least the median norm";
        return
        [
            new UnitFamily(
                $"the {first.Count} units of {pair.To} that two shared factors describe best",
                first,
                $"{rule}, the {first.Count} with the lowest reconstruction error under one two-factor NMF fitted to all of them"
            ),
            new UnitFamily(
                $"the next {second.Count} units of {pair.To} that two shared factors describe best",
                second,
                $"{rule}, after removing the first family, the {second.Count} with the lowest error under a two-factor NMF refitted to the rest"
            ),
        ];

        List<int> Best(List<int> units, int k)
        {
            var errors = SharedFactorErrors(w, units, 2);
            return units
                .Select((u, j) => (u, e: errors[j]))
                .OrderBy(t => t.e)
                .ThenBy(t => t.u)
                .Take(k)
                .Select(t => t.u)
                .ToList();
        }
    }

    /// <summary>
    /// Per-unit relative reconstruction errors of one NMF with <paramref name="nComponents"/>
    /// factors fitted to all
    /// <paramref name="units"/> of expanded weights <paramref name="w"/> [W, W, C1, C2] together,
    /// posneg split along the units (the notebook's shared factors): for unit j, ‖x_j − x̂_j‖ /
    /// ‖x_j‖ over both its posneg halves.
    /// </summary>
    public static double[] SharedFactorErrors(Tensor w, IReadOnlyList<int> units, int nComponents)
    {
        if (w.dim() != 4)
            throw new ArgumentException(
                $"Expected expanded weights [W, W, C1, C2]; got [{string.Join(", ", w.shape)}].",
                nameof(w)
            );
        if (units.Count == 0)
            throw new ArgumentException("Name at least one unit.", nameof(units));
        using var scope = NewDisposeScope();
        int n = units.Count;
        var x = w.index_select(3, tensor(units.Select(u => (long)u).ToArray())).permute(3, 0, 1, 2); // [N, W, W, C]
        var split = PosNeg.Split(x, axis: 0).to_type(ScalarType.Float64); // [2N, W, W, C]
        using var nmf = new ChannelReducer(nComponents);
        var t = nmf.FitTransform(split).to_type(ScalarType.Float64); // [2N, W, W, K]
        var recon = t.matmul(nmf.Components.to_type(ScalarType.Float64)); // [2N, W, W, C]
        var err2 = (split - recon).pow(2).sum([1, 2, 3]);
        var norm2 = split.pow(2).sum([1, 2, 3]);
        var e = (err2[..n] + err2[n..]).data<double>().ToArray();
        var m = (norm2[..n] + norm2[n..]).data<double>().ToArray();
        return e.Select((v, j) => m[j] > 0 ? Math.Sqrt(v / m[j]) : 0).ToArray();
    }

    static string? TryWeightName(VisionModel model, string layer)
    {
        try
        {
            return model.LayerWeightName(layer);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    static int ArgMax(Tensor t) => (int)t.argmax().item<long>();
}
