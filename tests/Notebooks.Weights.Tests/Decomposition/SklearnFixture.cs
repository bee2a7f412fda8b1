using System.Text.Json;
using Notebooks.Weights.IO;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Decomposition;

/// <summary>Reference numbers written by scripts/fixtures/decomposition.py (sklearn
/// 1.2.1).</summary>
static class SklearnFixture
{
    public static string Dir => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Decomposition");
    static readonly Lazy<JsonDocument> Doc = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "decomposition.json")))
    );
    public static JsonElement Root => Doc.Value.RootElement;

    public static Tensor Load(string name) => Npy.Load(Path.Combine(Dir, name + ".npy"));

    public static double[] Doubles(JsonElement e) =>
        e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    /// <summary>Flips each row so its largest-|x| entry is positive (the fixture's
    /// convention).</summary>
    public static double[,] SignNormalizeRows(Tensor t)
    {
        var c = t.to_type(ScalarType.Float64).contiguous();
        long k = c.shape[0],
            d = c.shape[1];
        var a = c.data<double>().ToArray();
        var r = new double[k, d];
        for (long i = 0; i < k; i++)
        {
            long arg = 0;
            for (long j = 0; j < d; j++)
                if (Math.Abs(a[i * d + j]) > Math.Abs(a[i * d + arg]))
                    arg = j;
            double s = a[i * d + arg] < 0 ? -1 : 1;
            for (long j = 0; j < d; j++)
                r[i, j] = s * a[i * d + j];
        }
        return r;
    }
}
