#:project ../src/Notebooks.Weights/Notebooks.Weights.csproj
using System.Diagnostics;
using Notebooks.Weights.Decomposition;
using static TorchSharp.torch;
var weight = SyntheticWeights.ConvLayer(1024, 832, 3, 3, seed: 0);
var x = LayerNmf.PosNegMatrices(weight);
Console.WriteLine(string.Join(",", x.shape));
foreach (var (name, opt) in new[]{("full", new NmfOptions{Components=3}), ("iter1", new NmfOptions{Components=3, MaxIter=1}), ("random-full", new NmfOptions{Components=3, Init=NmfInit.Random})})
{
  double best = 1e9;
  for (int r = 0; r < 4; r++) { var sw = Stopwatch.StartNew(); using var res = Nmf.FitBatched(x, opt); best = Math.Min(best, sw.Elapsed.TotalSeconds); }
  Console.WriteLine($"{name}: {best:F3} s");
}
