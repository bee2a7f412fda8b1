using Notebooks.Weights.Connections;
using Notebooks.Weights.Decomposition;
using Notebooks.Weights.Models;
using Notebooks.Weights.Models.InceptionV1;
using Notebooks.Weights.Tests.Models.ResNet18;
using Notebooks.Weights.Walkthrough;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Walkthrough;

/// <summary>Helpers shared by the preset tests.</summary>
static class PresetChecks
{
    /// <summary>Every pair of the preset computes on the model with the right shape.</summary>
    public static void PairsCompute(VisionModel model, WalkthroughPreset p)
    {
        using var scope = NewDisposeScope();
        p.Validate(model);
        var first = ExpandedWeights.Get(
            model,
            VisionModel.InputLayer,
            p.FirstConvLayer,
            p.FirstWidth,
            units: [0]
        );
        Assert.Equal(
            new long[] { p.FirstWidth, p.FirstWidth, model.Input.Channels, 1 },
            first.shape
        );
        foreach (
            var (pair, unit) in new[]
            {
                (p.Hidden, p.UnitB),
                (p.Next, 0),
                (p.Factor, p.Families[0].Units[0]),
            }
        )
        {
            var w = ExpandedWeights.Get(model, pair.From, pair.To, pair.Width, units: [unit]);
            Assert.Equal(
                new long[] { pair.Width, pair.Width, model.LayerInfo(pair.From).Channels, 1 },
                w.shape
            );
            Assert.True(
                w.abs().max().item<float>() > 0,
                $"{pair} unit {unit}: all-zero expanded weights"
            );
        }
        Assert.Equal(4, model.WeightByName(p.BandedWeight).Weight.dim());
        Assert.Equal(4, model.WeightByName(p.EarlyBandingWeight).Weight.dim());
        Assert.Equal(model.Input.Channels, model.WeightByName(p.FirstConvWeight).Weight.shape[1]);
        Assert.Equal(
            model.WeightByName(p.FirstConvWeight).Weight.shape[0],
            model.WeightByName(p.SecondConvWeight).Weight.shape[1]
        );
    }

    /// <summary>The literal preset's units are what <see cref="WalkthroughPreset.Derive"/>'s rules
    /// give on its layers.</summary>
    public static void UnitsAreTheRules(VisionModel model, WalkthroughPreset literal)
    {
        var derived = WalkthroughPreset.Derive(model, literal);
        Assert.Equal(
            (literal.UnitA, literal.UnitB, literal.NmfUnit),
            (derived.UnitA, derived.UnitB, derived.NmfUnit)
        );
        Assert.Equal(literal.RowUnits, derived.RowUnits);
        Assert.Equal(literal.Families.Count, derived.Families.Count);
        for (int i = 0; i < literal.Families.Count; i++)
        {
            Assert.Equal(literal.Families[i].Units, derived.Families[i].Units);
            Assert.Equal(literal.Families[i].Name, derived.Families[i].Name);
            Assert.Equal(literal.Families[i].Description, derived.Families[i].Description);
        }
        Assert.Equal(
            (literal.ObjectivesUnit, literal.ObjectivesSecondUnit),
            (derived.ObjectivesUnit, derived.ObjectivesSecondUnit)
        );
    }

    /// <summary>The notebook's shared-factor fit (one NMF over a family, posneg along units): its
    /// relative error.</summary>
    public static double FamilyError(Tensor w, IReadOnlyList<int> units)
    {
        using var scope = NewDisposeScope();
        var x = w.index_select(3, tensor(units.Select(u => (long)u).ToArray())).permute(3, 0, 1, 2);
        using var nmf = new ChannelReducer(2);
        nmf.FitTransform(PosNeg.Split(x, axis: 0));
        return nmf.RelativeError;
    }
}

public class WalkthroughPresetTests
{
    static string Fixture(string name) =>
        Path.Combine(AppContext.BaseDirectory, "Fixtures", "Onnx", name);

    [Fact]
    public void BundledPresetIsTheRulesOnItsLayersAndItsPairsCompute()
    {
        using var model = ModelRegistry.Load("default");
        var p = WalkthroughPreset.For(model);
        Assert.Same(WalkthroughPreset.Bundled, p);
        PresetChecks.PairsCompute(model, p);
        PresetChecks.UnitsAreTheRules(model, p);
    }

    [Fact]
    public void UnitRulesAreArgmaxesOfTheStatedQuantities()
    {
        using var model = ModelRegistry.Load("default");
        using var scope = NewDisposeScope();
        var p = WalkthroughPreset.Bundled;
        var w = ExpandedWeights.Get(model, p.Hidden.From, p.Hidden.To, p.Hidden.Width);
        // UnitB: largest sum of squared expanded weights; UnitA: largest squared weight into UnitB
        // (checked by brute force).
        var energy = Enumerable
            .Range(0, (int)w.shape[3])
            .Select(u => w[.., .., .., u].pow(2).sum().item<float>())
            .ToArray();
        Assert.Equal(Array.IndexOf(energy, energy.Max()), p.UnitB);
        var into = Enumerable
            .Range(0, (int)w.shape[2])
            .Select(a => w[.., .., a, p.UnitB].pow(2).sum().item<float>())
            .ToArray();
        Assert.Equal(Array.IndexOf(into, into.Max()), p.UnitA);
        var probe = rand(new long[] { 8, 3, 64, 64 }, generator: new Generator(7));
        var mean = model
            .Activation(probe, p.ObjectivesLayer)
            .mean([0, 2, 3])
            .data<float>()
            .ToArray();
        Assert.Equal(Array.IndexOf(mean, mean.Max()), p.ObjectivesUnit);
    }

    [Fact]
    public void FamiliesAreTheUnitsSharedFactorsDescribeBestAndFitBetterThanTheStrongestUnits()
    {
        using var model = ModelRegistry.Load("default");
        using var scope = NewDisposeScope();
        var p = WalkthroughPreset.Bundled;
        var w = ExpandedWeights.Get(model, p.Factor.From, p.Factor.To, p.Factor.Width);
        var norms = w.pow(2).sum([0, 1, 2]).sqrt().data<float>().ToArray();
        var median = norms.OrderBy(v => v).ElementAt((norms.Length - 1) / 2);
        var eligible = Enumerable.Range(0, norms.Length).Where(u => norms[u] >= median).ToList();
        var errors = WalkthroughPreset.SharedFactorErrors(w, eligible, 2);
        var family = p.Families[0].Units;
        double worstIn = family.Max(u => errors[eligible.IndexOf(u)]);
        double bestOut = eligible.Except(family).Min(u => errors[eligible.IndexOf(u)]);
        Assert.True(
            worstIn <= bestOut,
            $"family unit error {worstIn} > outside unit error {bestOut}"
        );
        // The old notebook took the 15 strongest units (error 0.66 on this model): the family fits
        // two factors better.
        var strongest = Enumerable
            .Range(0, norms.Length)
            .OrderByDescending(u => norms[u])
            .Take(family.Count)
            .ToList();
        double familyError = PresetChecks.FamilyError(w, family),
            strongestError = PresetChecks.FamilyError(w, strongest);
        Assert.True(
            familyError < strongestError,
            $"family error {familyError:0.000} not below the strongest units' {strongestError:0.000}"
        );
    }

    [Fact]
    public void SharedFactorErrorsAreZeroForUnitsMadeOfTwoFactorsAndMatchAHandComputation()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(3);
        // Units 0..5 are non-negative mixes of two non-negative [W, W, C] patterns: two factors
        // reconstruct them exactly.
        var f = rand(new long[] { 2, 8 }, generator: g); // factors over C = 8 channels
        var coef = rand(new long[] { 3, 3, 6, 2 }, generator: g); // [W, W, units, K]
        var w = coef.matmul(f).permute(0, 1, 3, 2).contiguous(); // [W, W, C, units]
        var errors = WalkthroughPreset.SharedFactorErrors(w, Enumerable.Range(0, 6).ToList(), 2);
        Assert.All(errors, e => Assert.True(e < 0.02, $"error {e}"));
        // One factor cannot: the errors are positive and equal ‖x − x̂‖/‖x‖ of a rank-one
        // non-negative fit (≤ 1).
        var one = WalkthroughPreset.SharedFactorErrors(w, Enumerable.Range(0, 6).ToList(), 1);
        Assert.All(one, e => Assert.InRange(e, 0.01, 1.0));
    }

    [Fact]
    public void InceptionV1PresetIsTheCompanionNotebooksUnitsAndItsLayersExist()
    {
        using var model = InceptionV1Model.Create(seed: 1);
        var p = WalkthroughPreset.For(model);
        Assert.Same(WalkthroughPreset.InceptionV1, p);
        Assert.Equal((147, 379, 320), (p.UnitA, p.UnitB, p.NmfUnit));
        Assert.Equal(
            new[] { 110, 180, 153, 106, 112, 186, 132, 136, 117, 113, 108, 70, 86, 88, 160 },
            p.Families[0].Units
        );
        Assert.Equal(new[] { 214, 208, 201, 223, 210, 197, 222, 204 }, p.Families[1].Units);
        p.Validate(model);
        using var scope = NewDisposeScope();
        var w = ExpandedWeights.Get(
            model,
            p.Hidden.From,
            p.Hidden.To,
            p.Hidden.Width,
            units: [p.UnitB]
        );
        Assert.Equal(new long[] { 5, 5, 256, 1 }, w.shape);
    }

    [Fact]
    public void ValidateNamesTheFieldThatDoesNotFit()
    {
        using var model = ModelRegistry.Load("default");
        var bad = WalkthroughPreset.Bundled with { Hidden = new("conv2d1", "conv2d9", 5) };
        var e = Assert.Throws<ArgumentException>(() => bad.Validate(model));
        Assert.Contains("Hidden.To 'conv2d9'", e.Message);
        var wide = WalkthroughPreset.Bundled with { Next = new("maxpool2", "conv2d3", 9) };
        Assert.Contains(
            "Next width 9",
            Assert.Throws<ArgumentException>(() => wide.Validate(model)).Message
        );
        var unit = WalkthroughPreset.Bundled with { UnitB = 96 };
        Assert.Contains(
            "UnitB 96 is out of range for 'conv2d2' (96 channels)",
            Assert.Throws<ArgumentException>(() => unit.Validate(model)).Message
        );
    }

    [Fact]
    public void TorchvisionResNetFixture_DerivedFromItsGraph_CutsSkipTheResidualInsides()
    {
        using var model = ModelRegistry.Load(Fixture("resnet_opset9.onnx"));
        var cuts = WalkthroughGraph.Cuts(model).Select(c => c.Layer).ToList();
        // Block outputs are cuts; a conv inside a block is not (the skip connection bypasses it).
        Assert.Contains("layer1.0", cuts);
        Assert.Contains("layer2.0", cuts);
        Assert.DoesNotContain(cuts, c => c.Contains("conv2") || c.Contains("downsample"));
        var p = WalkthroughPreset.Derive(model);
        Assert.Equal("conv1", p.FirstConvLayer);
        Assert.Equal(8, p.FirstWidth); // 7×7 stride 2 → 8
        var hidden = WalkthroughGraph
            .HiddenLayers(WalkthroughGraph.Cuts(model))
            .Select(c => c.Layer)
            .ToList();
        int i = (hidden.Count - 1) / 4;
        Assert.Equal((hidden[i], hidden[i + 1]), (p.Hidden.From, p.Hidden.To));
        PresetChecks.PairsCompute(model, p);
        using var scope = NewDisposeScope();
        var w = ExpandedWeights.Get(model, p.Hidden.From, p.Hidden.To, p.Hidden.Width);
        Assert.Equal((int)w.pow(2).sum([0, 1, 2]).argmax().item<long>(), p.UnitB);
    }

    [Fact]
    public void InnerConvOfAResidualBlockIsNoCut_ItsStemPoolIs()
    {
        // Expanded weights from an inner conv would ignore the skip path; the stem pool feeds
        // everything after it.
        using var model = ModelRegistry.Load(Fixture("resnet_opset9.onnx"));
        var cuts = WalkthroughGraph.Cuts(model).Select(c => c.Layer).ToHashSet();
        Assert.DoesNotContain("layer1.0.conv3", cuts);
        Assert.Contains("maxpool", cuts);
    }
}

public class ResNet18WalkthroughPresetTests(ResNet18Fixture fixture)
    : IClassFixture<ResNet18Fixture>
{
    [Fact]
    public void ResNet18PresetIsTheRulesOnItsLayersAndItsPairsCompute()
    {
        var p = WalkthroughPreset.For(fixture.Model);
        Assert.Same(WalkthroughPreset.ResNet18, p);
        Assert.Equal("layer4.2.conv2", p.BandedWeight); // the last 3×3 conv (stages of 2, 2, 2, 3 blocks)
        PresetChecks.PairsCompute(fixture.Model, p);
        PresetChecks.UnitsAreTheRules(fixture.Model, p);
    }
}
