using Notebooks.Weights.Models.Default;
using Notebooks.Weights.Training;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.Default;

using DefaultModel = Notebooks.Weights.Models.Default.DefaultModel;

public class TrainingTests
{
    static readonly TrainOptions Tiny = new()
    {
        Config = new DefaultNetConfig(InputSize: 16, Width0: 4, Width1: 4, Width2: 6, Width3: 8),
        Steps = 12,
        BatchSize = 8,
        ValidationSize = 16,
    };

    [Fact]
    public void SameSeedGivesBitwiseIdenticalWeights()
    {
        var (a, ra) = DefaultModelTrainer.Train(Tiny with { Seed = 4 });
        var (b, rb) = DefaultModelTrainer.Train(Tiny with { Seed = 4 });
        var (c, _) = DefaultModelTrainer.Train(Tiny with { Seed = 5 });
        using (a)
        using (b)
        using (c)
        {
            Assert.Equal(a.WeightsHash, b.WeightsHash);
            Assert.Equal(ra, rb);
            Assert.NotEqual(a.WeightsHash, c.WeightsHash);
            // Training moved the weights away from the same-seed init.
            using var init = DefaultModel.Create(Tiny.Config, 4);
            Assert.False(init.Parameters["conv2d0_w"].allclose(a.Parameters["conv2d0_w"], 0, 0));
            Assert.Equal(4, ra.Seed);
            Assert.Equal(SyntheticScenes.Version, ra.GeneratorVersion);
            Assert.Equal(a.WeightsHash, ra.WeightsHash);
        }
    }

    [Fact]
    public void VariantsTrainAndTheRotatedVariantSeesRotatedData()
    {
        foreach (var head in Enum.GetValues<PoolingHead>())
        {
            var (m, r) = DefaultModelTrainer.Train(
                Tiny with
                {
                    Steps = 2,
                    Config = Tiny.Config with { Head = head },
                }
            );
            using (m)
                Assert.Equal(head.ToString(), r.Head);
        }
        var (plain, _) = DefaultModelTrainer.Train(Tiny with { Steps = 3 });
        var (rot, rr) = DefaultModelTrainer.Train(Tiny with { Steps = 3, Rotate90 = true });
        using (plain)
        using (rot)
        {
            Assert.True(rr.Rotate90);
            Assert.NotEqual(plain.WeightsHash, rot.WeightsHash);
        }
    }

    [Fact]
    public void SavedWeightsLoadBackWithTheirHead()
    {
        var dir = Directory.CreateTempSubdirectory("dm-save").FullName;
        try
        {
            var options = Tiny with
            {
                Steps = 2,
                Config = Tiny.Config with { Head = PoolingHead.AverageX },
            };
            var (m, r) = DefaultModelTrainer.Train(options);
            using (m)
            {
                var path = Path.Combine(dir, "x.weights");
                DefaultModel.Save(m, path);
                // No record next to it: the standard architecture does not fit these tensors.
                var e = Assert.Throws<InvalidDataException>(() => DefaultModel.LoadFile(path));
                Assert.Contains(path, e.Message);
                using var back = DefaultModel.LoadFile(path, options.Config);
                Assert.Equal(m.WeightsHash, back.WeightsHash);
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void BadOptionsAreNamed()
    {
        Assert.Contains(
            "Steps must be positive; got 0",
            Assert
                .Throws<ArgumentException>(() => DefaultModelTrainer.Train(Tiny with { Steps = 0 }))
                .Message
        );
        Assert.Contains(
            "Config.Classes must be 10",
            Assert
                .Throws<ArgumentException>(() =>
                    DefaultModelTrainer.Train(
                        Tiny with
                        {
                            Config = Tiny.Config with { Classes = 3 },
                        }
                    )
                )
                .Message
        );
        Assert.Contains(
            "LearningRate must be positive",
            Assert
                .Throws<ArgumentException>(() =>
                    DefaultModelTrainer.Train(Tiny with { LearningRate = double.NaN })
                )
                .Message
        );
    }
}
