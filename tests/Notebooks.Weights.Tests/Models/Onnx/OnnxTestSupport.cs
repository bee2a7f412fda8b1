using Microsoft.ML.OnnxRuntime;
using Notebooks.Weights.Models.Onnx;
using static TorchSharp.torch;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using Tensor = TorchSharp.torch.Tensor;

namespace Notebooks.Weights.Tests.Models.Onnx;

/// <summary>ONNX Runtime as the independent reference, fixture paths, seeded inputs and the parity
/// measure.</summary>
static class OnnxTestSupport
{
    public static string Fixture(string name) =>
        Path.Combine(AppContext.BaseDirectory, "Fixtures", "Onnx", name);

    /// <summary>Seeded standard-normal input values.</summary>
    public static float[] RandomInput(long[] shape, int seed)
    {
        var rng = new Random(seed);
        long n = shape.Aggregate(1L, (a, b) => a * b);
        var v = new float[n];
        for (int i = 0; i < n; i++)
            v[i] = (float)(
                Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble()))
                * Math.Cos(2 * Math.PI * rng.NextDouble())
            );
        return v;
    }

    /// <summary>Runs ONNX Runtime on model bytes; returns every requested output (all when null) as
    /// (shape, values).</summary>
    public static Dictionary<string, (long[] shape, float[] values)> RunOrt(
        byte[] model,
        string inputName,
        float[] input,
        long[] shape
    )
    {
        using var opts = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            IntraOpNumThreads = 1,
        };
        using var session = new InferenceSession(model, opts);
        return Run(session, inputName, input, shape);
    }

    /// <summary>Runs ONNX Runtime on a model file (external data is found next to it).</summary>
    public static Dictionary<string, (long[] shape, float[] values)> RunOrt(
        string path,
        string inputName,
        float[] input,
        long[] shape
    )
    {
        using var opts = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            IntraOpNumThreads = 1,
        };
        using var session = new InferenceSession(path, opts);
        return Run(session, inputName, input, shape);
    }

    static Dictionary<string, (long[] shape, float[] values)> Run(
        InferenceSession session,
        string inputName,
        float[] input,
        long[] shape
    )
    {
        var t = new DenseTensor(input, shape.Select(d => (int)d).ToArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, t)]);
        return results.ToDictionary(
            r => r.Name,
            r =>
            {
                var tt = r.AsTensor<float>();
                return (tt.Dimensions.ToArray().Select(d => (long)d).ToArray(), tt.ToArray());
            }
        );
    }

    /// <summary>Runs the imported module, capturing every node output through forward hooks (name →
    /// tensor).</summary>
    public static (Tensor output, Dictionary<string, Tensor> layers) RunImported(
        OnnxModel model,
        Tensor x
    )
    {
        var captured = new Dictionary<string, Tensor>();
        var removers = new List<Action>();
        var modules = model.Module.named_children().ToDictionary(c => c.name, c => c.module);
        foreach (var l in model.Nodes.Where(n => n.IsLayer))
        {
            var name = l.Output;
            var h = ((nn.Module<Tensor, Tensor>)modules[l.ModuleName]).register_forward_hook(
                (m, i, o) =>
                {
                    captured[name] = o.detach().clone();
                    return null!;
                }
            );
            removers.Add(h.remove);
        }
        try
        {
            using var _ = no_grad();
            return (model.Module.call(x).detach(), captured);
        }
        finally
        {
            foreach (var r in removers)
                r();
        }
    }

    /// <summary>Imports a graph and runs it and ONNX Runtime on the same seeded input; returns the
    /// relative error of output "y".</summary>
    public static double ErrorAgainstOrt(byte[] bytes, long[] shape, int seed)
    {
        var path = Path.Combine(Path.GetTempPath(), $"nw-onnx-op-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, bytes);
        try
        {
            using var scope = NewDisposeScope();
            var model = OnnxModel.Load(path);
            var input = RandomInput(shape, seed);
            var (output, _) = RunImported(model, tensor(input).reshape(shape));
            var (refShape, refValues) = RunOrt(bytes, "x", input, shape)["y"];
            return RelativeError(output, refShape, refValues);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>max |a − b| / max(|b|, tiny): the relative error of a tensor against its
    /// reference.</summary>
    public static double RelativeError(Tensor actual, long[] refShape, float[] reference)
    {
        Assert.Equal(refShape, actual.shape);
        var a = actual.cpu().contiguous().to_type(ScalarType.Float32).data<float>().ToArray();
        double maxDiff = 0,
            maxRef = 1e-12;
        for (int i = 0; i < a.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(a[i] - reference[i]));
            maxRef = Math.Max(maxRef, Math.Abs(reference[i]));
        }
        Assert.False(double.IsNaN(maxDiff), "NaN in the imported output");
        return maxDiff / maxRef;
    }
}
