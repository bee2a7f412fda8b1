using Notebooks.Weights.FeatureVis;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.FeatureVis;

/// <summary>Every objective that takes a direction vector rejects a zero, empty or non-finite one
/// when it is built.</summary>
public class DirectionInputTests
{
    static readonly Whitening Identity2 = Whitening.Fit(
        tensor(new float[] { 1, 0, 0, 1, -1, 0, 0, -1 }).reshape(4, 2, 1, 1)
    );

    public static TheoryData<string> Factories =>
        new() { "direction", "direction_neuron", "cossim", "dot_orth_l2", "whitened" };

    static Objective Make(string kind, float[] v) =>
        kind switch
        {
            "direction" => Objective.Direction("l", v),
            "direction_neuron" => Objective.DirectionNeuron("l", v),
            "cossim" => Objective.CosineSimilarity("l", v),
            "dot_orth_l2" => Objective.DotOrthogonalL2("l", v),
            "whitened" => Objective.WhitenedDirection("l", v, Identity2),
            _ => throw new ArgumentException(kind),
        };

    [Theory]
    [MemberData(nameof(Factories))]
    public void ZeroEmptyAndNonFiniteVectorsAreRejectedByName(string kind)
    {
        var zero = Assert.Throws<ArgumentException>(() => Make(kind, [0f, 0f]));
        Assert.Contains("all zeros (2 entries)", zero.Message);
        Assert.Equal("vec", zero.ParamName);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => Make(kind, [])).Message);
        Assert.Contains(
            "NaN or infinity",
            Assert.Throws<ArgumentException>(() => Make(kind, [1f, float.NaN])).Message
        );
        Make(kind, [0f, 1e-30f]); // tiny but nonzero is a direction
    }
}
