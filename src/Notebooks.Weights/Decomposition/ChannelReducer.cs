using static TorchSharp.torch;

namespace Notebooks.Weights.Decomposition;

/// <summary>
/// Lucid's <c>ChannelReducer</c>: reduces the last axis of any tensor [..., C] to
/// <see cref="NComponents"/> factors with NMF (default), PCA or truncated SVD. The tensor is
/// flattened to [N, C], fitted, and the result reshaped to [..., K]; <see cref="Components"/> is
/// the estimator's <c>components_</c> [K, C]. Computation is float64; outputs keep the input's
/// floating type (float64 for integer inputs).
/// </summary>
/// <example><code>
/// using var nmf = new ChannelReducer(3);
/// var factors = nmf.FitTransformPosNeg(w, axis: -1);      // one neuron's [kH, kW, C] weights, channels posneg
/// var rgb = CollapseChannels.Collapse(factors / factors.max());
/// </code></example>
public sealed class ChannelReducer : IDisposable
{
    Tensor? _components,
        _signedComponents,
        _mean,
        _explainedVariance,
        _singularValues;

    /// <summary>A reducer to <paramref name="nComponents"/> factors with
    /// <paramref name="algorithm"/>; <paramref name="seed"/> drives random init.</summary>
    public ChannelReducer(
        int nComponents,
        ReductionAlgorithm algorithm = ReductionAlgorithm.Nmf,
        int seed = 0
    )
    {
        if (nComponents < 1)
            throw new ArgumentOutOfRangeException(
                nameof(nComponents),
                $"ChannelReducer needs nComponents ≥ 1; got {nComponents}."
            );
        NComponents = nComponents;
        Algorithm = algorithm;
        Seed = seed;
    }

    /// <summary>Number of factors K.</summary>
    public int NComponents { get; }

    /// <summary>The decomposition.</summary>
    public ReductionAlgorithm Algorithm { get; }

    /// <summary>Seed for randomized choices (NMF <see cref="NmfInit.Random"/>); NNDSVD, PCA and SVD
    /// are exact and deterministic.</summary>
    public int Seed { get; }

    /// <summary>NMF initialization (default NNDSVDa, sklearn ≥ 1.1).</summary>
    public NmfInit Init { get; init; } = NmfInit.Nndsvda;

    /// <summary>NMF tolerance (sklearn default 1e-4).</summary>
    public double Tol { get; init; } = 1e-4;

    /// <summary>NMF maximum iterations (sklearn default 200).</summary>
    public int MaxIter { get; init; } = 200;

    /// <summary>PCA only: scale the transformed data to unit variance per component (sklearn
    /// <c>whiten</c>).</summary>
    public bool Whiten { get; init; }

    /// <summary>True after a fit.</summary>
    public bool IsFitted => _components is not null;

    /// <summary>The factors [K, C] (float64), Lucid's <c>reducer.components</c>.</summary>
    public Tensor Components => _components ?? throw NotFitted();

    /// <summary>
    /// After <see cref="FitTransformPosNeg"/> on the channel axis: the signed channel factors
    /// <c>components[:, :C] − components[:, C:]</c> [K, C]; after other fits the same as
    /// <see cref="Components"/>.
    /// </summary>
    public Tensor SignedComponents => _signedComponents ?? Components;

    /// <summary>PCA: the per-channel mean [C]; null otherwise.</summary>
    public Tensor? Mean => _mean;

    /// <summary>PCA / SVD: variance of the data along each component [K] (S²/(n−1)).</summary>
    public Tensor? ExplainedVariance => _explainedVariance;

    /// <summary>PCA / SVD: the top K singular values [K].</summary>
    public Tensor? SingularValues => _singularValues;

    /// <summary>‖X − reconstruction‖ (Frobenius) of the last fit (NMF: sklearn's
    /// <c>reconstruction_err_</c>).</summary>
    public double ReconstructionError { get; private set; }

    /// <summary><see cref="ReconstructionError"/> / ‖X‖ (PCA: relative to the centered
    /// data).</summary>
    public double RelativeError { get; private set; }

    /// <summary>Solver iterations of the last fit (NMF); 0 for the exact SVD-based
    /// algorithms.</summary>
    public int Iterations { get; private set; }

    /// <summary>False when NMF stopped at <see cref="MaxIter"/> before reaching
    /// <see cref="Tol"/>.</summary>
    public bool Converged { get; private set; }

    /// <summary>NMF settings this reducer uses.</summary>
    public NmfOptions NmfOptions =>
        new()
        {
            Components = NComponents,
            Init = Init,
            Tol = Tol,
            MaxIter = MaxIter,
            Seed = Seed,
        };

    /// <summary>Fits to <paramref name="x"/> [..., C] and returns its reduced form [...,
    /// K].</summary>
    public Tensor FitTransform(Tensor x)
    {
        using var scope = NewDisposeScope();
        var flat = Flatten(x, "ChannelReducer input");
        if (Algorithm == ReductionAlgorithm.Nmf)
            InputChecks.NonNegative(x, "ChannelReducer (NMF) input");
        ClearFit();
        Tensor reduced;
        switch (Algorithm)
        {
            case ReductionAlgorithm.Nmf:
            {
                using var fit = Nmf.Fit(flat, NmfOptions);
                _components = fit.H.clone().DetachFromDisposeScope();
                reduced = fit.W;
                ReconstructionError = fit.ReconstructionError;
                RelativeError = fit.RelativeError;
                Iterations = fit.Iterations;
                Converged = fit.Converged;
                reduced = reduced.clone();
                break;
            }
            default:
            {
                CheckSvdShape(flat, nameof(x));
                bool pca = Algorithm == ReductionAlgorithm.Pca;
                if (pca && Whiten && flat.shape[0] < 2)
                    throw new ArgumentException(
                        $"whitened PCA needs at least 2 samples to estimate variance; got {flat.shape[0]}.",
                        nameof(x)
                    );
                var f = SvdReduction.Compute(flat, NComponents, center: pca);
                _components = f.Components.DetachFromDisposeScope();
                _mean = f.Mean?.DetachFromDisposeScope();
                _singularValues = f.SingularValues.DetachFromDisposeScope();
                _explainedVariance = f.ExplainedVariance.DetachFromDisposeScope();
                reduced = ProjectSvd(flat);
                var X = flat.to_type(ScalarType.Float64);
                var target = _mean is null ? X : X - _mean;
                var recon = (pca && Whiten ? reduced * _explainedVariance.sqrt() : reduced).matmul(
                    _components
                );
                ReconstructionError = (target - recon).norm().item<double>();
                double norm = target.norm().item<double>();
                RelativeError = norm > 0 ? ReconstructionError / norm : 0;
                Iterations = 0;
                Converged = true;
                break;
            }
        }
        return Reshape(reduced, x).MoveToOuterDisposeScope();
    }

    /// <summary>Reduces new data [..., C] with the fitted components (NMF: solves for W ≥ 0 with H
    /// fixed, like sklearn).</summary>
    public Tensor Transform(Tensor x)
    {
        var comps = Components;
        using var scope = NewDisposeScope();
        var flat = Flatten(x, "ChannelReducer.Transform input");
        if (flat.shape[1] != comps.shape[1])
            throw new ArgumentException(
                $"ChannelReducer.Transform input has {flat.shape[1]} channels on its last axis; the reducer was fitted on {comps.shape[1]}.",
                nameof(x)
            );
        Tensor reduced;
        if (Algorithm == ReductionAlgorithm.Nmf)
        {
            using var fit = Nmf.Transform(flat, comps, NmfOptions);
            reduced = fit.W.clone();
        }
        else
            reduced = ProjectSvd(flat);
        return Reshape(reduced, x).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One-sided NMF (the notebook's posneg trick). Splits <paramref name="x"/> into max(0,x) and
    /// max(0,−x) along
    /// <paramref name="axis"/> and fits. On the channel (last) axis the result is the non-negative
    /// reduction [..., K] of the 2C posneg channels and <see cref="SignedComponents"/> holds the
    /// signed channel factors. On any other axis (e.g. the neuron axis of a group [N, ...]) the
    /// result is recombined as <c>W[:N] − W[N:]</c>, signed, with the shape of <paramref name="x"/>
    /// but K on the last axis.
    /// </summary>
    public Tensor FitTransformPosNeg(Tensor x, long axis = -1)
    {
        if (x.dim() < 1)
            throw new ArgumentException(
                "ChannelReducer input must have at least one axis (channels last); got a scalar.",
                nameof(x)
            );
        InputChecks.NonEmptyFinite(x, "ChannelReducer input");
        long a = InputChecks.NormalizeAxis(axis, x.dim(), "posneg axis");
        using var scope = NewDisposeScope();
        var split = PosNeg.Split(x, a);
        var reduced = FitTransform(split);
        if (a == x.dim() - 1)
        {
            _signedComponents = PosNeg.Merge(Components, 1).DetachFromDisposeScope();
            return reduced.MoveToOuterDisposeScope();
        }
        return PosNeg.Merge(reduced, a).MoveToOuterDisposeScope();
    }

    Tensor ProjectSvd(Tensor flat)
    {
        var X = flat.to_type(ScalarType.Float64);
        if (_mean is not null)
            X = X - _mean;
        var t = X.matmul(Components.t());
        if (Algorithm == ReductionAlgorithm.Pca && Whiten)
            t = t / _explainedVariance!.sqrt().clamp_min(1e-300);
        return t;
    }

    void CheckSvdShape(Tensor flat, string paramName)
    {
        long n = flat.shape[0],
            c = flat.shape[1];
        if (NComponents > Math.Min(n, c))
            throw new ArgumentOutOfRangeException(
                paramName,
                $"{Algorithm} with K = {NComponents} components needs K ≤ min(n_samples, channels) = min({n}, {c}) = {Math.Min(n, c)}."
            );
    }

    static Tensor Flatten(Tensor x, string name)
    {
        if (x.dim() < 1)
            throw new ArgumentException(
                $"{name} must have at least one axis (channels last); got a scalar.",
                nameof(x)
            );
        InputChecks.NonEmptyFinite(x, name);
        return x.reshape(-1, x.shape[^1]);
    }

    static Tensor Reshape(Tensor reduced, Tensor like)
    {
        var shape = like.shape.ToArray();
        shape[^1] = reduced.shape[1];
        var dtype = like.is_floating_point() ? like.dtype : ScalarType.Float64;
        return reduced.to_type(dtype).reshape(shape);
    }

    void ClearFit()
    {
        _components?.Dispose();
        _signedComponents?.Dispose();
        _mean?.Dispose();
        _explainedVariance?.Dispose();
        _singularValues?.Dispose();
        _components = _signedComponents = _mean = _explainedVariance = _singularValues = null;
    }

    static InvalidOperationException NotFitted() =>
        new("ChannelReducer is not fitted yet; call FitTransform (or FitTransformPosNeg) first.");

    /// <inheritdoc/>
    public void Dispose() => ClearFit();
}
