using Notebooks.Weights.Connections;
using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Models;
using Notebooks.Weights.Tests.FeatureVis;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Connections;

/// <summary>
/// Weights edited through every public route give fresh results: in memory
/// (<see cref="ExpandedWeightsCache"/>, whose key is hashed from the parameters at lookup) and on
/// disk (<see cref="FeatureVisCache"/> re-renders under the new hash).
/// </summary>
public class StaleWeightsTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("stale-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static readonly FeatureVisSettings Small = new(Size: 24, Steps: 2);

    public static TheoryData<string> Routes =>
        [
            "editor setter",
            "Live add_",
            "Module parameters in place",
            "optimizer step",
            "load_state_dict",
        ];

    static void Edit(VisionModel m, string route)
    {
        switch (route)
        {
            case "editor setter":
                m.Parameters["conv2.weight"] = m.Parameters["conv2.weight"].neg();
                break;
            case "Live add_":
                using (no_grad())
                    m.Parameters.Live("conv2.weight")
                        .add_(m.Parameters["conv2.weight"].sign().mul(0.3));
                break;
            case "Module parameters in place":
                using (no_grad())
                    foreach (var p in m.Module.parameters())
                        p.mul_(-1.5);
                break;
            case "optimizer step":
            {
                using var gen = new Generator(5, device: CPU);
                using var opt = optim.SGD(m.Module.parameters(), 1.0);
                opt.zero_grad();
                m.Forward(rand([2, 3, 32, 32], generator: gen)).square().sum().backward();
                opt.step();
                break;
            }
            case "load_state_dict":
            {
                var state = m
                    .Module.state_dict()
                    .ToDictionary(
                        kv => kv.Key,
                        kv => kv.Key == "conv2.weight" ? kv.Value.flip(2).contiguous() : kv.Value
                    );
                m.Module.load_state_dict(state);
                break;
            }
            default:
                throw new ArgumentException(route);
        }
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public void ExpandedWeightsCacheNeverReturnsTheOldWeightsResult(string route)
    {
        using var m = RenderTests.EdgeModel();
        using var cache = new ExpandedWeightsCache();
        using var before = cache.Get(m, "conv1", "conv2", 5);
        string hash = m.WeightsHash;
        Edit(m, route);
        Assert.NotEqual(hash, m.WeightsHash);
        using var after = cache.Get(m, "conv1", "conv2", 5);
        using var fresh = ExpandedWeights.Get(m, "conv1", "conv2", 5);
        Assert.True(
            after.eq(fresh).all().item<bool>(),
            $"{route}: the cache's result differs from a fresh computation"
        );
        Assert.False(
            after.allclose(before),
            $"{route}: the edit did not change the expanded weights"
        );
        Assert.Equal(2, cache.Count);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public void FeatureVisCacheRendersAgainAfterAnEdit(string route)
    {
        using var m = RenderTests.EdgeModel();
        var cache = new FeatureVisCache(Path.Combine(_dir, "shared"));
        using var before = cache.GetOrRender(m, "conv2", 1, Small);
        var oldPath = cache.PathFor(m, "conv2", 1, Small);
        Edit(m, route);
        var newPath = cache.PathFor(m, "conv2", 1, Small);
        Assert.NotEqual(oldPath, newPath);
        int steps = 0;
        using var after = cache.GetOrRender(m, "conv2", 1, Small, _ => steps++);
        Assert.Equal(Small.Steps, steps); // rendered, not read from the old file
        Assert.True(File.Exists(newPath) && File.Exists(oldPath));
        using var fresh = new FeatureVisCache(Path.Combine(_dir, "fresh")).GetOrRender(
            m,
            "conv2",
            1,
            Small
        );
        Assert.True(
            after.eq(fresh).all().item<bool>(),
            $"{route}: the cached image differs from a fresh render of the edited model"
        );
        Assert.False(
            after.eq(before).all().item<bool>(),
            $"{route}: the edit did not change the image"
        );
    }

    [Fact]
    public void WeightsHashFollowsTheBytesBothWays()
    {
        using var m = RenderTests.EdgeModel();
        using var twin = RenderTests.EdgeModel();
        string original = m.WeightsHash;
        Assert.Equal(original, twin.WeightsHash); // same bytes, same hash, whatever the object
        using var saved = m.Parameters["conv2.bias"];
        using (no_grad())
            m.Parameters.Live("conv2.bias").add_(1);
        string edited = m.WeightsHash;
        Assert.NotEqual(original, edited);
        using (no_grad())
            m.Parameters.Live("conv2.bias").copy_(saved);
        Assert.Equal(original, m.WeightsHash); // back to the original bytes: the original hash
        using (no_grad())
            twin.Parameters.Live("conv2.bias").add_(1);
        Assert.Equal(edited, twin.WeightsHash);
    }
}
