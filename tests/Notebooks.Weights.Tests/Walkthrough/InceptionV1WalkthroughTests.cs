using Notebooks.Weights.Connections;
using Notebooks.Weights.Models;
using Notebooks.Weights.Models.InceptionV1;
using Notebooks.Weights.Walkthrough;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Walkthrough;

/// <summary>
/// The walkthrough derived on InceptionV1 (seeded random weights; the architecture is what
/// matters): its cuts are read from the main path the model reports
/// (<see cref="IModuleTrunk"/>, <see cref="TrunkCuts"/>) instead of one 224 px forward per spatial
/// layer, and the derivation's rules then pick the layer pairs of Lucid's companion notebook.
/// </summary>
public sealed class InceptionV1WalkthroughTests
{
    static readonly string[] Mixed = [.. InceptionV1Net.MixedBlocks.Select(b => b.Name)];

    [Fact]
    public void Derived_CutsFromTheTrunk_PairsAreTheCompanionNotebooks()
    {
        using var model = InceptionV1Model.Create(seed: 1);
        var cuts = WalkthroughGraph.Cuts(model);
        // Every spatial layer of the main path, in execution order; no auxiliary head, no layer
        // inside a mixed block (its branches run in parallel).
        Assert.Equal(
            [
                "conv2d0",
                "maxpool0",
                "localresponsenorm0",
                "conv2d1",
                "conv2d2",
                "localresponsenorm1",
                "maxpool1",
                "mixed3a",
                "mixed3b",
                "maxpool4",
                "mixed4a",
                "mixed4b",
                "mixed4c",
                "mixed4d",
                "mixed4e",
                "maxpool10",
                "mixed5a",
                "mixed5b",
            ],
            cuts.Select(c => c.Layer)
        );
        Assert.Equal(
            ["conv2d1", "conv2d2", .. Mixed],
            WalkthroughGraph.HiddenLayers(cuts).Select(c => c.Layer)
        );
        // The walkthrough's cuts are the explorer's (one implementation).
        Assert.Equal(
            TrunkCuts.Cuts(model)!.Select(c => (c.Layer, c.Position, c.Weighted)),
            cuts.Select(c => (c.Layer, c.Position, c.Weighted))
        );
        var table = model.Layers();
        foreach (var c in cuts)
            Assert.Equal(table[c.Position], c.Info);
        Assert.Equal(
            new long[] { 1, 256, 28, 28 },
            cuts.Single(c => c.Layer == "mixed3a").Info.Shape
        );

        // The notebook's pairs: input → conv2d0 (W = 8), mixed3a → mixed3b, maxpool4 → mixed4a,
        // maxpool1 → mixed3a with the factors as directions in conv2d2 (seeds/002; W = 5, Lucid's
        // get_expanded_weights default), as transcribed in the InceptionV1 preset.
        var p = WalkthroughPreset.Derive(model);
        var notebook = WalkthroughPreset.InceptionV1;
        Assert.Equal(
            (
                notebook.FirstConvLayer,
                notebook.FirstConvWeight,
                notebook.FirstWidth,
                notebook.SecondConvWeight
            ),
            (p.FirstConvLayer, p.FirstConvWeight, p.FirstWidth, p.SecondConvWeight)
        );
        Assert.Equal(new LayerPair("mixed3a", "mixed3b", 5), p.Hidden);
        Assert.Equal(notebook.Hidden, p.Hidden);
        Assert.Equal(notebook.Next, p.Next);
        Assert.Equal(notebook.Factor, p.Factor);
        Assert.Equal(notebook.FactorDirectionLayer, p.FactorDirectionLayer);
        Assert.Equal(notebook.ObjectivesEarlierLayer, p.ObjectivesEarlierLayer);
        PresetChecks.PairsCompute(model, p);
    }

    [Fact]
    public void TrunkCutsOfTheNotebooksPairsAreCuts_AMixedBlocksBranchIsNot()
    {
        // The definition the per-layer search tests: with a cut's output taken from image A, the
        // later layer does not depend on image B.
        using var model = InceptionV1Model.Create(seed: 2);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int s = model.Input.DefaultSize;
        var gen = new Generator(5);
        var a = model.Preprocess(rand([1, 3, s, s], generator: gen));
        var b = model.Preprocess(rand([1, 3, s, s], generator: gen));
        string[] layers = ["maxpool1", "mixed3a", "maxpool4", "mixed3b_3x3"];
        var onA = model.Run(a, new RunOptions { Capture = ["mixed4a", .. layers] });
        var cuts = TrunkCuts.Cuts(model)!.Select(c => c.Layer).ToHashSet();
        double scale = (onA["mixed4a"] - model.Activation(b, "mixed4a")).abs().max().item<float>();
        Assert.True(scale > 0);
        foreach (var layer in layers)
        {
            var replaced = model.Run(
                b,
                new RunOptions
                {
                    Capture = ["mixed4a"],
                    Replace = new Dictionary<string, Tensor> { [layer] = onA[layer] },
                }
            )["mixed4a"];
            double diff = (replaced - onA["mixed4a"]).abs().max().item<float>();
            Assert.Equal(cuts.Contains(layer), diff <= 1e-4 * scale);
        }
        Assert.DoesNotContain("mixed3b_3x3", cuts);
    }
}
