namespace Notebooks.Weights.Cli.Verbs;

/// <summary>One timed round of the PyTorch baseline: seconds per step, wall and process
/// CPU.</summary>
sealed record TorchRound(double SecondsPerStep, double CpuSecondsPerStep);

/// <summary>
/// The PyTorch 1.x eager baseline of <c>weights bench featurevis</c> (bench only, never at
/// runtime), a python3 subprocess driven round by round so that its rounds interleave with ours on
/// a shared machine: python3 builds torchvision's ResNet18 with seeded random weights, exports it
/// to ONNX (the file our side imports, so both run the same network; BatchNorm folded into the
/// convs as the export does), runs the warm-up steps of Lucid's render there (FFT image with
/// Lucid's spectrum scale, color decorrelation and sigmoid, <c>standard_transforms</c> as
/// <see cref="Transforms.Standard"/> computes them, the mean of one channel, Adam 0.05) and then
/// times one round of steps per <see cref="Round"/>: with the network's parameters frozen
/// (<c>requires_grad=False</c>, the same work as ours: only the image's gradient) or as lucent runs
/// it (<c>model.eval()</c>, parameters still requiring grad, so the backward also computes and
/// accumulates every weight's gradient).
/// </summary>
sealed class TorchFeatureVisSession : IDisposable
{
    readonly Process _process;
    readonly Task<string> _stderr;

    TorchFeatureVisSession(Process process, string version, double first)
    {
        (_process, Version, FirstObjective) = (process, version, first);
        _stderr = process.StandardError.ReadToEndAsync();
    }

    /// <summary>torch.__version__.</summary>
    public string Version { get; }

    /// <summary>The objective at step 1 (same network, image and transforms: ours should agree
    /// to float rounding).</summary>
    public double FirstObjective { get; }

    /// <summary>Times <c>steps</c> steps from step <paramref name="start"/> (0-based; the
    /// transforms take our draws of those steps) with the parameters frozen or, when
    /// <paramref name="lucent"/>, requiring grad as in lucent.</summary>
    public TorchRound Round(int start, bool lucent)
    {
        _process.StandardInput.WriteLine(
            string.Create(CultureInfo.InvariantCulture, $"{(lucent ? "lucent" : "frozen")} {start}")
        );
        _process.StandardInput.Flush();
        using var doc = JsonDocument.Parse(ReadLine());
        var r = doc.RootElement;
        return new TorchRound(
            r.GetProperty("seconds").GetDouble(),
            r.GetProperty("cpu").GetDouble()
        );
    }

    // The script's next JSON line (other lines, e.g. oneDNN's ONEDNN_VERBOSE output, are skipped).
    string ReadLine()
    {
        while (true)
        {
            var line = _process.StandardOutput.ReadLine()
                ?? throw new InvalidOperationException(
                    $"PyTorch feature visualization benchmark failed: {Stderr()}"
                );
            if (line.StartsWith('{'))
                return line;
        }
    }

    string Stderr()
    {
        _process.WaitForExit(10_000);
        return _stderr.IsCompleted ? _stderr.Result : "(no error output)";
    }

    /// <summary>Ends the subprocess; throws if its objective stopped being finite.</summary>
    public void Finish()
    {
        _process.StandardInput.WriteLine("quit");
        _process.StandardInput.Flush();
        using var doc = JsonDocument.Parse(ReadLine());
        if (!doc.RootElement.GetProperty("finite").GetBoolean())
            throw new InvalidOperationException(
                "PyTorch feature visualization benchmark: the objective is not finite"
            );
        _process.WaitForExit();
    }

    /// <summary>Kills the subprocess if it is still running.</summary>
    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.Dispose();
    }

    /// <summary>Writes the seeded ResNet18 to <paramref name="onnxPath"/>, runs
    /// <paramref name="warmup"/> steps (with our draws of steps 0..warmup-1, then
    /// <paramref name="lucentWarmup"/> steps as lucent runs it) and returns once python3 waits for
    /// rounds. <paramref name="totalSteps"/> bounds the step indices rounds may use.</summary>
    public static TorchFeatureVisSession Start(
        string python,
        string onnxPath,
        string layer,
        int unit,
        int size,
        int warmup,
        int lucentWarmup,
        int steps,
        int totalSteps,
        int threads,
        int seed
    )
    {
        var c = CultureInfo.InvariantCulture;
        var psi = new ProcessStartInfo(
            python,
            [
                "-c",
                TorchFeatureVisRunner.Script,
                onnxPath,
                layer,
                size.ToString(c),
                unit.ToString(c),
                warmup.ToString(c),
                lucentWarmup.ToString(c),
                steps.ToString(c),
                threads.ToString(c),
                seed.ToString(c),
                string.Join(",", TorchFeatureVisRunner.StandardTransformDraws(seed, totalSteps)),
            ]
        )
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var p = Process.Start(psi)!;
        try
        {
            var ready = p.StandardOutput.ReadLine();
            while (ready is not null && !ready.StartsWith('{'))
                ready = p.StandardOutput.ReadLine();
            if (ready is null)
            {
                p.WaitForExit();
                throw new InvalidOperationException(
                    $"PyTorch feature visualization benchmark ({python}) failed: {p.StandardError.ReadToEnd()}"
                );
            }
            using var doc = JsonDocument.Parse(ready);
            var r = doc.RootElement;
            return new TorchFeatureVisSession(
                p,
                r.GetProperty("version").GetString()!,
                r.GetProperty("first").GetDouble()
            );
        }
        catch
        {
            if (!p.HasExited)
                p.Kill();
            p.Dispose();
            throw;
        }
    }
}

/// <summary>Finds python3 for <see cref="TorchFeatureVisSession"/> and holds its script and our
/// transform draws.</summary>
static class TorchFeatureVisRunner
{
    /// <summary>The first of <paramref name="candidates"/> (default python3, /usr/bin/python3)
    /// that can import torch, torchvision and onnx; null if none.</summary>
    public static string? FindPython(IEnumerable<string>? candidates = null)
    {
        foreach (var py in candidates ?? ["python3", "/usr/bin/python3"])
        {
            try
            {
                var psi = new ProcessStartInfo(py, ["-c", "import torch, torchvision, onnx"])
                {
                    RedirectStandardError = true,
                    RedirectStandardOutput = true,
                };
                using var p = Process.Start(psi)!;
                p.WaitForExit();
                if (p.ExitCode == 0)
                    return py;
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        return null;
    }

    internal const string Script = """
import json, math, sys, time
import numpy as np, torch, torchvision
import torch.nn.functional as F
from torch.nn.utils.fusion import fuse_conv_bn_eval
onnx_path, layer = sys.argv[1], sys.argv[2]
size, unit, warm, lucent_warm, steps, threads, seed = (int(a) for a in sys.argv[3:10])
flat = [int(d) for d in sys.argv[10].split(",")]
draws_of_step = [flat[i:i + 6] for i in range(0, len(flat), 6)]  # per step: jitter y, x, scale, angle, jitter y, x
draws = None
torch.set_num_threads(threads)
torch.manual_seed(seed)
net = torchvision.models.resnet18().eval()
with torch.no_grad():
    torch.onnx.export(net, torch.rand(1, 3, size, size), onnx_path, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"}}, opset_version=13)
# The ONNX export folds each BatchNorm into its conv: do the same so both sides run one network.
def fold(parent, conv, bn):
    setattr(parent, conv, fuse_conv_bn_eval(getattr(parent, conv), getattr(parent, bn)))
    setattr(parent, bn, torch.nn.Identity())
fold(net, "conv1", "bn1")
for name in ["layer1", "layer2", "layer3", "layer4"]:
    for block in getattr(net, name):
        fold(block, "conv1", "bn1"); fold(block, "conv2", "bn2")
        if block.downsample is not None:
            block.downsample[0] = fuse_conv_bn_eval(block.downsample[0], block.downsample[1])
            block.downsample[1] = torch.nn.Identity()
order = ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"]
trunk = torch.nn.Sequential(*[getattr(net, n) for n in order[:order.index(layer) + 1]]).eval()

# Lucid's fft_image: spectrum scale sqrt(w h) / max(f, 1/max(w, h)), irfft2, / 4.
h = w = size
fw = w // 2 + 2 if w % 2 else w // 2 + 1
fftw = w + 1 if w % 2 else w
freqs = np.sqrt(np.fft.fftfreq(w)[:fw][None, :] ** 2 + np.fft.fftfreq(h)[:, None] ** 2)
scale = torch.tensor(math.sqrt(w * h) / np.maximum(freqs, 1.0 / max(w, h)), dtype=torch.float32)
g = torch.Generator().manual_seed(seed)
spectrum = (torch.randn(1, 3, h, fw, 2, generator=g) * 0.01).requires_grad_(True)
m = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
m = m / m.pow(2).sum(0).sqrt().max()
def image():
    img = torch.fft.irfft2(torch.view_as_complex(spectrum) * scale, s=(h, fftw), norm="backward")[..., :w] / 4
    return img.permute(0, 2, 3, 1).matmul(m.t()).permute(0, 3, 1, 2).sigmoid()

# Lucid's standard_transforms, computed as ours: pad 12 (0.5), jitter 8, TF1 bilinear random_scale,
# nearest random_rotate (zero fill), jitter 4; the random draws are ours (argv), step for step.
def jitter(x, d):
    oy, ox = next(draws), next(draws)
    return x[:, :, oy:oy + x.shape[2] - d, ox:ox + x.shape[3] - d]
def taps(n_in, n_out):
    s = np.float32(n_in) / np.float32(n_out)
    src = np.arange(n_out, dtype=np.float32) * s
    lo = np.floor(src).astype(np.int64)
    return (torch.tensor(np.minimum(lo, n_in - 1)), torch.tensor(np.minimum(lo + 1, n_in - 1)),
            torch.tensor(src - lo, dtype=torch.float32))
def resize(x, oh, ow):
    y0, y1, fy = taps(x.shape[2], oh); x0, x1, fx = taps(x.shape[3], ow)
    r = x.index_select(2, y0) * (1 - fy).view(1, 1, -1, 1) + x.index_select(2, y1) * fy.view(1, 1, -1, 1)
    return r.index_select(3, x0) * (1 - fx).view(1, 1, 1, -1) + r.index_select(3, x1) * fx.view(1, 1, 1, -1)
rot_cache = {}
def rotate(x, rad):
    if rad == 0:
        return x
    n, c, hh, ww = x.shape
    key = (hh, ww, rad)
    if key not in rot_cache:
        cs, sn = np.float32(math.cos(rad)), np.float32(math.sin(rad))
        ox = ((ww - 1) - (cs * (ww - 1) - sn * (hh - 1))) / 2; oy = ((hh - 1) - (sn * (ww - 1) + cs * (hh - 1))) / 2
        yy, xx = np.mgrid[0:hh, 0:ww].astype(np.float32)
        sx = cs * xx - sn * yy + ox; sy = sn * xx + cs * yy + oy
        ix = (np.sign(sx) * np.floor(np.abs(sx) + 0.5)).astype(np.int64); iy = (np.sign(sy) * np.floor(np.abs(sy) + 0.5)).astype(np.int64)
        ok = (ix >= 0) & (ix < ww) & (iy >= 0) & (iy < hh)
        rot_cache[key] = torch.tensor(np.where(ok, iy * ww + ix, hh * ww).reshape(-1))
    flat = torch.cat([x.flatten(2), torch.zeros(n, c, 1)], 2)
    return flat.index_select(2, rot_cache[key]).reshape(n, c, hh, ww)
scales = [1 + (i - 5) / 50.0 for i in range(11)]
angles = [float(a) for a in range(-10, 11)] + [0.0] * 5
def transform(x):
    x = F.pad(x, (12, 12, 12, 12), mode="constant", value=0.5)
    x = jitter(x, 8)
    s = np.float32(scales[next(draws)])
    x = resize(x, int(s * np.float32(x.shape[2])), int(s * np.float32(x.shape[3])))
    x = rotate(x, 3.14 * angles[next(draws)] / 180.0)
    return jitter(x, 4)

opt = torch.optim.Adam([spectrum], lr=0.05)
def step(i):
    global draws
    draws = iter(draws_of_step[i])
    opt.zero_grad()
    act = trunk(transform(image()))
    loss = -act[:, unit].flatten(1).mean(1).sum()
    loss.backward()
    opt.step()
    return loss.item()
# Frozen: only the image's gradient (as ours). Lucent: model.eval() with the parameters still
# requiring grad (lucent's render_vis), so the backward also computes and accumulates weight gradients.
def freeze(frozen):
    for p in trunk.parameters():
        p.requires_grad_(not frozen)
freeze(True)
first = -step(0)
for i in range(1, warm):
    step(i)
freeze(False)
for i in range(warm, warm + lucent_warm):
    step(i)
freeze(True)
print(json.dumps({"version": torch.__version__, "first": first}), flush=True)
last = first
for line in sys.stdin:
    cmd = line.split()
    if cmd[0] == "quit":
        break
    freeze(cmd[0] == "frozen")
    start = int(cmd[1])
    t0 = time.perf_counter(); c0 = time.process_time()
    for i in range(start, start + steps):
        last = step(i)
    print(json.dumps({"seconds": (time.perf_counter() - t0) / steps, "cpu": (time.process_time() - c0) / steps}), flush=True)
print(json.dumps({"finite": math.isfinite(last)}), flush=True)
""";

    /// <summary>
    /// The random draws <see cref="Transforms.Standard"/> makes from <c>new Random(seed)</c> in
    /// <paramref name="steps"/> steps of a render (per step: jitter(8) y and x offsets, the scale's
    /// index of 11, the angle's index of 26, jitter(4) y and x), so the script transforms every
    /// step exactly as ours.
    /// </summary>
    public static IEnumerable<int> StandardTransformDraws(int seed, int steps)
    {
        var r = new Random(seed);
        for (int i = 0; i < steps; i++)
            foreach (int n in (int[])[9, 9, 11, 26, 5, 5])
                yield return r.Next(n);
    }
}
