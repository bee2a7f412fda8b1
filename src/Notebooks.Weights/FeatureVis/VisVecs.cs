using Notebooks.Weights.Models;
using static TorchSharp.torch;

namespace Notebooks.Weights.FeatureVis;

/// <summary>Images of weight vectors and their magnitudes (for <c>build_img_grid</c>-style display: dim by magnitude).</summary>
/// <param name="Images">[..., S, S, 3] in [0,1]: one image per vector (e.g. [W, W, S, S, 3] for a neuron's spatial positions).</param>
/// <param name="Magnitudes">[...]: the L2 norm of each vector.</param>
public sealed record VisVecsResult(Tensor Images, Tensor Magnitudes) : IDisposable
{
    /// <summary>Frees both tensors.</summary>
    public void Dispose() { Images.Dispose(); Magnitudes.Dispose(); }
}

/// <summary>The companion notebook's helpers around <see cref="Optvis.Render"/>.</summary>
public static class NotebookHelpers
{
    /// <summary>
    /// The notebook's <c>vis_vecs(layer, W, vecs, cossim_pow, n_steps)</c>: one image per vector of
    /// <paramref name="vecs"/> [..., C] (typically a neuron's expanded weights [W, W, C] — what each spatial position
    /// looks for), all rendered in one batch with <c>direction_neuron(layer, vec, batch=i, cossim_pow)</c>. Zero vectors
    /// (positions with no weight) are rejected with their index; pass them through <paramref name="skipZero"/> to get gray
    /// (0.5) images instead, which <c>build_img_grid</c> fades out anyway (magnitude 0).
    /// </summary>
    public static VisVecsResult VisVecs(VisionModel model, string layer, Tensor vecs, int size = 60, double cossimPow = 0, int steps = 512,
                                        int seed = 0, ImageTransform? transforms = null, bool skipZero = false,
                                        Action<RenderProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (vecs.dim() < 1) throw new ArgumentException("vecs must have a channel axis [..., C].", nameof(vecs));
        using var scope = NewDisposeScope();
        long c = vecs.shape[^1];
        var lead = vecs.shape[..^1];
        var flat = vecs.detach().to(ScalarType.Float32).reshape(-1, c).contiguous();
        int n = (int)flat.shape[0];
        var rows = Enumerable.Range(0, n).Select(i => flat[i].data<float>().ToArray()).ToArray();
        var mags = linalg.vector_norm(flat, dims: [1]).reshape(lead);
        var active = Enumerable.Range(0, n).Where(i => rows[i].Any(v => v != 0)).ToList();
        if (active.Count < n && !skipZero)
            throw new ArgumentException($"vecs row {Enumerable.Range(0, n).First(i => !active.Contains(i))} (flattened) is all zeros: no direction to visualize (pass skipZero: true to leave such positions gray).", nameof(vecs));
        var images = full(new long[] { n, size, size, 3 }, 0.5f);
        if (active.Count > 0)
        {
            var obj = Objective.Sum(active.Select((i, b) => Objective.DirectionNeuron(layer, rows[i], batch: b, cossimPow: cossimPow)));
            using var p = ImageParam.Create(size, active.Select(i => seed * 1_000_003 + i).ToArray());
            using var r = Optvis.Render(model, obj, p, new RenderOptions { Thresholds = [steps], Seed = seed, Transforms = transforms, Progress = progress }, cancellationToken);
            images.index_copy_(0, tensor(active.Select(i => (long)i).ToArray()), r.Final);
        }
        var shape = lead.Concat(new long[] { size, size, 3 }).ToArray();
        return new VisVecsResult(images.reshape(shape).MoveToOuterDisposeScope(), mags.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Visualizes directions such as NMF factors (the notebook's
    /// <c>sum(direction(layer, NMF.components[i], batch=i))</c>): <paramref name="directions"/> [K, C] → images [K, S, S, 3].
    /// </summary>
    public static Tensor VisDirections(VisionModel model, string layer, Tensor directions, int size = 60, double cossimPow = 0, int steps = 512,
                                       int seed = 0, ImageTransform? transforms = null,
                                       Action<RenderProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (directions.dim() != 2) throw new ArgumentException($"directions must be [K, C]; got [{string.Join(", ", directions.shape)}].", nameof(directions));
        using var scope = NewDisposeScope();
        var flat = directions.detach().to(ScalarType.Float32).contiguous();
        int k = (int)flat.shape[0];
        var obj = Objective.Sum(Enumerable.Range(0, k).Select(i => Objective.Direction(layer, flat[i].data<float>().ToArray(), batch: i, cossimPow: cossimPow)));
        using var p = ImageParam.Create(size, Enumerable.Range(0, k).Select(i => seed * 1_000_003 + i).ToArray());
        using var r = Optvis.Render(model, obj, p, new RenderOptions { Thresholds = [steps], Seed = seed, Transforms = transforms, Progress = progress }, cancellationToken);
        return r.Final.clone().MoveToOuterDisposeScope();
    }
}
