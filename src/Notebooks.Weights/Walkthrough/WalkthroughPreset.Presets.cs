namespace Notebooks.Weights.Walkthrough;

public sealed partial record WalkthroughPreset
{
    /// <summary>
    /// InceptionV1: the companion notebook's own choices (conv2d0, mixed3a 147 → mixed3b 379,
    /// maxpool4 → mixed4a, mixed3b 320 and its neighbours, the high-low frequency and
    /// black-and-white families of mixed3a over maxpool1), the banding article's mixed3a/mixed5b
    /// and the objectives example mixed4d 504/505.
    /// </summary>
    public static WalkthroughPreset InceptionV1 { get; } =
        new()
        {
            Model = "InceptionV1",
            Origin = "the companion notebook's own layers and units",
            FirstConvLayer = "conv2d0",
            FirstConvWeight = "conv2d0_w",
            FirstWidth = 8,
            SecondConvWeight = "conv2d1_w",
            Hidden = new("mixed3a", "mixed3b", 5),
            UnitA = 147,
            UnitB = 379,
            Next = new("maxpool4", "mixed4a", 5),
            NmfUnit = 320,
            RowUnits = Enumerable.Range(320, 20).ToArray(),
            Factor = new("maxpool1", "mixed3a", 5),
            FactorDirectionLayer = "conv2d2",
            Families =
            [
                new(
                    "high-low frequency detectors",
                    [110, 180, 153, 106, 112, 186, 132, 136, 117, 113, 108, 70, 86, 88, 160],
                    "the companion notebook's family (Schubert et al., High-Low Frequency Detectors): high frequency on one side, low on the other"
                ),
                new(
                    "black-and-white vs. color detectors",
                    [214, 208, 201, 223, 210, 197, 222, 204],
                    "the companion notebook's black-and-white family"
                ),
            ],
            BandedWeight = "mixed5b_3x3_w",
            EarlyBandingWeight = "mixed3a_3x3_w",
            ObjectivesLayer = "mixed4d",
            ObjectivesEarlierLayer = "mixed4a",
            ObjectivesUnit = 504,
            ObjectivesSecondUnit = 505,
            FeatureVisSize = 128,
            FeatureVisSteps = 256,
            VisVecSize = 60,
        };

    /// <summary>
    /// The bundled default model: the layers the notebook used for it (conv2d0 5×5; conv2d1 →
    /// conv2d2 through a max pool, W = 6; maxpool2 → conv2d3, W = 3; maxpool0 → conv2d1, W = 3,
    /// factors as directions in conv2d0) and units chosen by <see cref="Derive"/>'s rules on those
    /// layers (a test checks they still are).
    /// </summary>
    public static WalkthroughPreset Bundled { get; } =
        new()
        {
            Model = "default",
            Origin =
                "the bundled model's layers; units chosen by the derivation's rules (WalkthroughPreset.Derive)",
            FirstConvLayer = "conv2d0",
            FirstConvWeight = "conv2d0_w",
            FirstWidth = 5,
            SecondConvWeight = "conv2d1_w",
            Hidden = new("conv2d1", "conv2d2", 6),
            UnitA = 13,
            UnitB = 52,
            Next = new("maxpool2", "conv2d3", 3),
            NmfUnit = 52,
            RowUnits = Enumerable.Range(52, 20).ToArray(),
            Factor = new("maxpool0", "conv2d1", 3),
            FactorDirectionLayer = "conv2d0",
            Families =
            [
                new(
                    "the 15 units of conv2d1 that two shared factors describe best",
                    [45, 49, 2, 43, 18, 10, 62, 30, 55, 0, 16, 8, 37, 29, 48],
                    "of the 33 units of conv2d1 whose weights from maxpool0 have at least the median norm, the 15 with the lowest reconstruction error under one two-factor NMF fitted to all of them"
                ),
                new(
                    "the next 8 units of conv2d1 that two shared factors describe best",
                    [52, 39, 61, 12, 9, 44, 28, 17],
                    "of the 33 units of conv2d1 whose weights from maxpool0 have at least the median norm, after removing the first family, the 8 with the lowest error under a two-factor NMF refitted to the rest"
                ),
            ],
            BandedWeight = "conv2d3_w",
            EarlyBandingWeight = "conv2d1_w",
            ObjectivesLayer = "conv2d2",
            ObjectivesEarlierLayer = "conv2d1",
            ObjectivesUnit = 4,
            ObjectivesSecondUnit = 51,
            FeatureVisSize = 64,
            FeatureVisSteps = 256,
            VisVecSize = 32,
        };

    /// <summary>
    /// ResNet18 (the NuGet ImageNet model): the layers <see cref="Derive"/> picks from its graph
    /// (conv1, W = 8; layer2.0 → layer2.1; layer2.1 → layer3.0 and layer1.1 → layer2.0 with even
    /// widths into the stride-2 blocks; the last 3×3 conv layer4.2.conv2 for banding) and units by
    /// its rules, written out so the walkthrough does not search the graph; feature visualizations
    /// at 96 px (about layer2's receptive field) and 128 steps: a tour renders about 80 images, and
    /// on 2 cores ResNet18 takes about 0.04 s per image and step (measured on a shared machine), so
    /// 256 steps would need 15 minutes.
    /// </summary>
    public static WalkthroughPreset ResNet18 { get; } =
        new()
        {
            Model = "ResNet18",
            Origin =
                "layers and units chosen by the derivation's rules on ResNet18 (WalkthroughPreset.Derive), written out",
            FirstConvLayer = "conv1",
            FirstConvWeight = "conv1.weight",
            FirstWidth = 8,
            SecondConvWeight = "layer1.0.conv1.weight",
            Hidden = new("layer2.0", "layer2.1", 5),
            UnitA = 123,
            UnitB = 57,
            Next = new("layer2.1", "layer3.0", 6),
            NmfUnit = 57,
            RowUnits = Enumerable.Range(57, 20).ToArray(),
            Factor = new("layer1.1", "layer2.0", 6),
            FactorDirectionLayer = "layer1.1",
            Families =
            [
                new(
                    "the 15 units of layer2.0 that two shared factors describe best",
                    [99, 116, 65, 73, 22, 87, 0, 57, 108, 72, 120, 52, 66, 125, 10],
                    "of the 65 units of layer2.0 whose weights from layer1.1 have at least the median norm, the 15 with the lowest reconstruction error under one two-factor NMF fitted to all of them"
                ),
                new(
                    "the next 8 units of layer2.0 that two shared factors describe best",
                    [93, 67, 83, 17, 28, 5, 60, 56],
                    "of the 65 units of layer2.0 whose weights from layer1.1 have at least the median norm, after removing the first family, the 8 with the lowest error under a two-factor NMF refitted to the rest"
                ),
            ],
            BandedWeight = "layer4.2.conv2",
            EarlyBandingWeight = "layer1.0.conv1",
            ObjectivesLayer = "layer3.1",
            ObjectivesEarlierLayer = "layer2.1",
            ObjectivesUnit = 87,
            ObjectivesSecondUnit = 94,
            FeatureVisSize = 96,
            FeatureVisSteps = 128,
            VisVecSize = 64,
        };
}
