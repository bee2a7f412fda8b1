namespace Notebooks.Weights.Models;

/// <summary>
/// A module whose forward computes some layers only at some input sizes (as a TF graph computes a
/// fetched tensor only when its shapes work out): it says why a layer was not computed, so callers
/// get that reason instead of a bare "not computed". InceptionV1's auxiliary heads implement it.
/// </summary>
public interface ILayerAvailability
{
    /// <summary>Why the forward on an input shaped <paramref name="inputShape"/> (NCHW) does not
    /// compute the module at <paramref name="modulePath"/>; null when it does.</summary>
    string? WhyNotComputed(string modulePath, long[] inputShape);
}
