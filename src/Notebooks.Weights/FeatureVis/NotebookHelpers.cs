using Notebooks.Weights.Models;
using static TorchSharp.torch;

namespace Notebooks.Weights.FeatureVis;

/// <summary>The companion notebook's helpers around <see cref="Optvis.Render"/>.</summary>
public static class NotebookHelpers
{
    /// <summary>
    /// The notebook's <c>vis_vecs(layer, W, vecs, cossim_pow, n_steps)</c>: one image per vector of
    /// <paramref name="vecs"/> [..., C] (typically a neuron's expanded weights [W, W, C] — what
    /// each spatial position looks for), all rendered in one batch with <c>direction_neuron(layer,
    /// vec, batch=i, cossim_pow)</c>. Zero vectors (positions with no weight) are rejected with
    /// their index; pass them through <paramref name="skipZero"/> to get gray (0.5) images instead,
    /// which <c>build_img_grid</c> fades out anyway (magnitude 0). With a <paramref name="cache"/>,
    /// images rendered before for the same vectors and settings are read from disk (a re-run
    /// notebook cell takes seconds).
    /// </summary>
    public static VisVecsResult VisVecs(
        VisionModel model,
        string layer,
        Tensor vecs,
        int size = 60,
        double cossimPow = 0,
        int steps = 512,
        int seed = 0,
        ImageTransform? transforms = null,
        bool skipZero = false,
        Action<RenderProgress>? progress = null,
        FeatureVisCache? cache = null,
        CancellationToken cancellationToken = default
    )
    {
        if (vecs.dim() < 1)
            throw new ArgumentException("vecs must have a channel axis [..., C].", nameof(vecs));
        using var scope = NewDisposeScope();
        long c = vecs.shape[^1];
        var lead = vecs.shape[..^1];
        var flat = vecs.detach().to(ScalarType.Float32).reshape(-1, c).contiguous();
        int n = (int)flat.shape[0];
        var rows = Enumerable.Range(0, n).Select(i => flat[i].data<float>().ToArray()).ToArray();
        var mags = linalg.vector_norm(flat, dims: [1]).reshape(lead);
        var active = Enumerable.Range(0, n).Where(i => rows[i].Any(v => v != 0)).ToList();
        if (active.Count < n && !skipZero)
            throw new ArgumentException(
                $"vecs row {Enumerable.Range(0, n).First(i => !active.Contains(i))} (flattened) is all zeros: no direction to visualize (pass skipZero: true to leave such positions gray).",
                nameof(vecs)
            );
        var images = full(new long[] { n, size, size, 3 }, 0.5f);
        if (active.Count > 0)
            images.index_copy_(
                0,
                tensor(active.Select(i => (long)i).ToArray()),
                CachedRender(
                    model,
                    layer,
                    "direction_neuron",
                    active.Select(i => (i, rows[i])).ToList(),
                    size,
                    cossimPow,
                    steps,
                    seed,
                    transforms,
                    (todo, b, row) =>
                        Objective.DirectionNeuron(layer, row, batch: b, cossimPow: cossimPow),
                    progress,
                    cache,
                    cancellationToken
                )
            );
        var shape = lead.Concat(new long[] { size, size, 3 }).ToArray();
        return new VisVecsResult(
            images.reshape(shape).MoveToOuterDisposeScope(),
            mags.MoveToOuterDisposeScope()
        );
    }

    /// <summary>
    /// Visualizes directions such as NMF factors (the notebook's
    /// <c>sum(direction(layer, NMF.components[i], batch=i))</c>): <paramref name="directions"/> [K,
    /// C] → images [K, S, S, 3]. With a <paramref name="cache"/>, directions rendered before with
    /// the same settings are read from disk.
    /// </summary>
    public static Tensor VisDirections(
        VisionModel model,
        string layer,
        Tensor directions,
        int size = 60,
        double cossimPow = 0,
        int steps = 512,
        int seed = 0,
        ImageTransform? transforms = null,
        Action<RenderProgress>? progress = null,
        FeatureVisCache? cache = null,
        CancellationToken cancellationToken = default
    )
    {
        if (directions.dim() != 2)
            throw new ArgumentException(
                $"directions must be [K, C]; got [{string.Join(", ", directions.shape)}].",
                nameof(directions)
            );
        using var scope = NewDisposeScope();
        var flat = directions.detach().to(ScalarType.Float32).contiguous();
        int k = (int)flat.shape[0];
        var rows = Enumerable
            .Range(0, k)
            .Select(i => (i, flat[i].data<float>().ToArray()))
            .ToList();
        return CachedRender(
                model,
                layer,
                "direction",
                rows,
                size,
                cossimPow,
                steps,
                seed,
                transforms,
                (todo, b, row) => Objective.Direction(layer, row, batch: b, cossimPow: cossimPow),
                progress,
                cache,
                cancellationToken
            )
            .MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Renders one image per (index, vector) in one batch (image seed <c>seed·1000003 + index</c>),
    /// or with a
    /// <paramref name="cache"/> reads the ones rendered before (keyed by the vector's values and
    /// every setting, see <see cref="FeatureVisCache.DirectionPath"/>) and renders only the rest.
    /// Images come back as the cache stores them (8-bit), so a first and a second run agree.
    /// </summary>
    static Tensor CachedRender(
        VisionModel model,
        string layer,
        string objective,
        IReadOnlyList<(int Index, float[] Row)> rows,
        int size,
        double cossimPow,
        int steps,
        int seed,
        ImageTransform? transforms,
        Func<int, int, float[], Objective> objectiveOf,
        Action<RenderProgress>? progress,
        FeatureVisCache? cache,
        CancellationToken cancellationToken
    )
    {
        using var scope = NewDisposeScope();
        var paths = rows.Select(r =>
                cache?.DirectionPath(
                    model,
                    layer,
                    objective,
                    r.Row,
                    size,
                    steps,
                    seed * 1_000_003 + r.Index,
                    cossimPow,
                    transforms
                )
            )
            .ToArray();
        var images = new Tensor?[rows.Count];
        for (int j = 0; j < rows.Count; j++)
            if (
                paths[j] is { } path
                && File.Exists(path)
                && ImageFiles.Load(path) is var img
                && img.shape[0] == size
                && img.shape[1] == size
            )
                images[j] = img;
        var todo = Enumerable.Range(0, rows.Count).Where(j => images[j] is null).ToList();
        if (todo.Count > 0)
        {
            var obj = Objective.Sum(todo.Select((j, b) => objectiveOf(j, b, rows[j].Row)));
            using var p = ImageParam.Create(
                size,
                todo.Select(j => seed * 1_000_003 + rows[j].Index).ToArray()
            );
            using var r = Optvis.Render(
                model,
                obj,
                p,
                new RenderOptions
                {
                    Thresholds = [steps],
                    Seed = seed,
                    Transforms = transforms,
                    Progress = progress,
                },
                cancellationToken
            );
            for (int b = 0; b < todo.Count; b++)
            {
                int j = todo[b];
                if (paths[j] is not { } path)
                {
                    images[j] = r.Final[b].clone();
                    continue;
                }
                ImageFiles.SavePng(r.Final[b], path);
                images[j] = ImageFiles.Load(path);
            }
        }
        return stack(images.Select(t => t!).ToArray()).MoveToOuterDisposeScope();
    }
}
