#:project ../src/Notebooks.Weights/Notebooks.Weights.csproj
using System.Diagnostics;
using Notebooks.Weights.Models;
using static TorchSharp.torch;
var m = ModelRegistry.Load("default");
if (Environment.GetEnvironmentVariable("NOMKLDNN") == "1") {
  var lib = System.Runtime.InteropServices.NativeLibrary.Load("libtorch_cpu.so");
  var ctx = System.Runtime.InteropServices.Marshal.GetDelegateForFunctionPointer<Ctx>(System.Runtime.InteropServices.NativeLibrary.GetExport(lib, "_ZN2at13globalContextEv"))();
  System.Runtime.InteropServices.Marshal.GetDelegateForFunctionPointer<SetB>(System.Runtime.InteropServices.NativeLibrary.GetExport(lib, "_ZN2at7Context20setUserEnabledMkldnnEb"))(ctx, false);
  Console.WriteLine("mkldnn off");
}
foreach (var p in m.Module.parameters()) p.requires_grad_(false);
Console.WriteLine(string.Join(", ", m.Layers().Select(l => l.Name)));
foreach (var mode in new[]{"plain","cl"})
foreach (int b in new[]{1, 8, 1, 8})
{
    double best = 1e9, bestF = 1e9;
    for (int r = 0; r < 6; r++)
    {
        using var scope = NewDisposeScope();
        var x = rand(b, 3, 128, 128);
        if (mode == "cl") x = x.permute(0,2,3,1).contiguous().permute(0,3,1,2);
        x.requires_grad_(true);
        var sw = Stopwatch.StartNew();
        var y = m.Run(m.Preprocess(x), new RunOptions { Capture = ["avgpool"] })["avgpool"];
        double f = sw.Elapsed.TotalMilliseconds;
        var g = autograd.grad([y.sum()], [x])[0];
        best = Math.Min(best, sw.Elapsed.TotalMilliseconds); bestF = Math.Min(bestF, f);
    }
    Console.WriteLine($"{mode} b={b}: fwd {bestF:F1} ms, fwd+bwd {best:F1} ms");
}

[System.Runtime.InteropServices.UnmanagedFunctionPointer(System.Runtime.InteropServices.CallingConvention.Cdecl)] delegate IntPtr Ctx();
[System.Runtime.InteropServices.UnmanagedFunctionPointer(System.Runtime.InteropServices.CallingConvention.Cdecl)] delegate void SetB(IntPtr c, [System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.U1)] bool v);
