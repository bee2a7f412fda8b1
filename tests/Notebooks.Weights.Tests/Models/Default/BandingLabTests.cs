using Notebooks.Weights.Models.Default;
using Notebooks.Weights.Training;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.Default;

public class BandingLabTests
{
    [Fact]
    public void VariantsChangeExactlyOneThing()
    {
        var baseOptions = new TrainOptions { Seed = 7, Steps = 11 };
        var all = BandingVariant.All.ToDictionary(v => v.Name, v => v.Apply(baseOptions));
        Assert.Equal(
            new[] { "baseline", "flatten", "xpool", "rotated" },
            BandingVariant.All.Select(v => v.Name)
        );
        Assert.Equal(baseOptions, all["baseline"]);
        Assert.Equal(
            baseOptions with
            {
                Config = baseOptions.Config with { Head = PoolingHead.Flatten },
            },
            all["flatten"]
        );
        Assert.Equal(
            baseOptions with
            {
                Config = baseOptions.Config with { Head = PoolingHead.AverageX },
            },
            all["xpool"]
        );
        Assert.Equal(baseOptions with { Rotate90 = true }, all["rotated"]);
        var e = Assert.Throws<ArgumentException>(() => BandingVariant.Get("rotate"));
        Assert.Contains("Unknown banding variant 'rotate'", e.Message);
        Assert.Contains("rotated", e.Message);
    }

    static readonly TrainOptions Small = new()
    {
        Config = new DefaultNetConfig(InputSize: 16, Width0: 4, Width1: 6, Width2: 6, Width3: 8),
        Steps = 6,
        BatchSize = 8,
        ValidationSize = 8,
    };

    static Dictionary<string, float[]> Weights(Notebooks.Weights.Models.VisionModel m) =>
        m
            .Module.named_parameters()
            .ToDictionary(
                p => p.name,
                p => p.parameter.detach().cpu().contiguous().data<float>().ToArray()
            );

    [Theory]
    [InlineData("baseline")]
    [InlineData("flatten")]
    [InlineData("xpool")]
    [InlineData("rotated")]
    public void EachVariantTrainsBitIdenticallyForASeedAndDifferentlyForAnother(string variant)
    {
        var v = BandingVariant.Get(variant);
        var (a, ra) = DefaultModelTrainer.Train(v.Apply(Small with { Seed = 21 }));
        var (b, rb) = DefaultModelTrainer.Train(v.Apply(Small with { Seed = 21 }));
        var (c, _) = DefaultModelTrainer.Train(v.Apply(Small with { Seed = 22 }));
        using (a)
        using (b)
        using (c)
        {
            var wa = Weights(a);
            var wb = Weights(b);
            var wc = Weights(c);
            Assert.Equal(wa.Keys.Order(), wb.Keys.Order());
            foreach (var (name, values) in wa)
            {
                // Bit-identical: compare the raw IEEE bits, not with a tolerance.
                Assert.True(
                    values
                        .Select(BitConverter.SingleToInt32Bits)
                        .SequenceEqual(wb[name].Select(BitConverter.SingleToInt32Bits)),
                    $"{variant} {name} differs between two runs with seed 21"
                );
                Assert.False(
                    values.SequenceEqual(wc[name]),
                    $"{variant} {name} is the same for seeds 21 and 22"
                );
            }
            Assert.Equal(ra, rb);
            Assert.Equal(v.Head.ToString(), ra.Head);
            Assert.Equal(v.Rotate90, ra.Rotate90);
        }
    }
}
