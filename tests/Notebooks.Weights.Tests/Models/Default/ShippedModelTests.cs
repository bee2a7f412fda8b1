using Notebooks.Weights.Models;
using Notebooks.Weights.Training;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.Default;

using DefaultModel = Notebooks.Weights.Models.Default.DefaultModel;

public class ShippedModelTests
{
    [Fact]
    public void LoadsOfflineFromTheRegistryAndMatchesItsTrainingRecord()
    {
        using var m = ModelRegistry.Load("default");
        var record = DefaultModel.ShippedRecord;
        Assert.Equal("default", m.Name);
        Assert.Equal(record.WeightsHash, m.WeightsHash);
        Assert.Equal(SyntheticScenes.Version, record.GeneratorVersion);
        Assert.Equal(new TrainOptions().Steps, record.Steps);
        Assert.Equal(new TrainOptions().Seed, record.Seed);
    }

    [Fact]
    public void ClassifiesFreshValidationImagesFarAboveChance()
    {
        using var m = DefaultModel.Load();
        // A validation seed never used in training (training used seed 1, stream 1).
        double acc = DefaultModelTrainer.Accuracy(
            m,
            seed: 20261123,
            SyntheticScenes.ValidationStream,
            count: 400
        );
        Assert.True(acc > 0.9, $"accuracy {acc:P1} (chance 10%)");
        // The vertical-order classes (sky_over_ground vs ground_over_sky, sun_high vs ball_low) are
        // learned too.
        using var scope = NewDisposeScope();
        var (x, y) = SyntheticScenes.Batch(20261123, SyntheticScenes.ValidationStream, 0, 400);
        var pred = m.Forward(x).argmax(1);
        foreach (var cls in new[] { 6, 7, 8, 9 })
        {
            var mask = y.eq(cls);
            double classAcc = pred.masked_select(mask)
                .eq(cls)
                .to_type(ScalarType.Float32)
                .mean()
                .item<float>();
            Assert.True(classAcc > 0.8, $"class {SyntheticScenes.ClassNames[cls]}: {classAcc:P0}");
        }
    }

    /// <summary>
    /// Spatial smoothness of each conv2d0 filter: Σ over horizontally/vertically adjacent taps (per
    /// color) of w_a·w_b, divided by Σ of (w_a² + w_b²)/2 over the same pairs. ≈ 0 for white noise,
    /// → 1 for smooth edges/blobs, &lt; 0 for checker noise.
    /// </summary>
    static double[] Smoothness(Tensor w)
    {
        var a = w.contiguous().data<float>().ToArray();
        int o = (int)w.shape[0],
            c = (int)w.shape[1],
            k = (int)w.shape[2];
        var r = new double[o];
        for (int f = 0; f < o; f++)
        {
            double num = 0,
                den = 0;
            for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < k; y++)
            for (int x = 0; x < k; x++)
            {
                double v = a[((f * c + ch) * k + y) * k + x];
                if (x + 1 < k)
                {
                    double u = a[((f * c + ch) * k + y) * k + x + 1];
                    num += v * u;
                    den += (v * v + u * u) / 2;
                }
                if (y + 1 < k)
                {
                    double u = a[((f * c + ch) * k + y + 1) * k + x];
                    num += v * u;
                    den += (v * v + u * u) / 2;
                }
            }
            r[f] = num / den;
        }
        return r;
    }

    [Fact]
    public void FirstLayerLearnedSmoothEdgeAndColorFiltersUnlikeItsInit()
    {
        using var trained = DefaultModel.Load();
        using var init = DefaultModel.Create(seed: DefaultModel.ShippedRecord.Seed);
        var t = Smoothness(trained.Parameters["conv2d0_w"]);
        var i = Smoothness(init.Parameters["conv2d0_w"]);
        int smoothTrained = t.Count(v => v > 0.5),
            smoothInit = i.Count(v => v > 0.5);
        Assert.True(
            smoothTrained >= 24,
            $"{smoothTrained}/32 trained filters smooth; values {string.Join(", ", t.Select(v => v.ToString("F2")))}"
        );
        Assert.True(smoothInit <= 2, $"{smoothInit}/32 init filters smooth");
        // Color: filters respond to color differences, not only to brightness. Fraction of each
        // filter's energy outside its channel-mean (gray) component; random init ≈ 2/3, a pure
        // luminance filter = 0.
        var w = trained.Parameters["conv2d0_w"];
        var chroma =
            (w - w.mean([1], keepdim: true)).pow(2).sum([1, 2, 3]) / w.pow(2).sum([1, 2, 3]);
        Assert.True(
            chroma.gt(0.25).sum().item<long>() >= 10,
            "at least a third of the filters are color-opponent"
        );
    }
}
