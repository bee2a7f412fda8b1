#:project ../src/Notebooks.Weights/Notebooks.Weights.csproj
using Notebooks.Weights.Models;
using static TorchSharp.torch;
var m = ModelRegistry.Load("default");
var w = m.Parameters["conv2d2_w"]; var b = m.Parameters["conv2d2_b"];
var norms = w.pow(2).sum([1,2,3]).sqrt();
for (int u = 0; u < 20; u++) Console.WriteLine($"unit {u}: |w| {norms[u].item<float>():F3}  b {b[u].item<float>():F3}");
Console.WriteLine($"median |w| {norms.median().item<float>():F3}");
