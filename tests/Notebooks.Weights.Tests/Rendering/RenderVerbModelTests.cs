using Notebooks.Weights.Cli;
using Notebooks.Weights.Models;
using static Notebooks.Weights.Tests.Rendering.RenderTestUtil;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Rendering;

/// <summary><c>weights render --model</c> on a small conv net whose expanded weights are its conv
/// kernels (analytic).</summary>
public class RenderVerbModelTests
{
    sealed class Provider : IModelProvider
    {
        public IReadOnlyList<string> Names => ["render-test-convnet"];
        public IReadOnlyList<string> Extensions => [];

        public VisionModel Load(string nameOrPath) => Build();
    }

    internal static VisionModel Build()
    {
        var seq = nn.Sequential(
            ("conv1", nn.Conv2d(3, 4, 3, padding: 1)),
            ("relu1", nn.ReLU()),
            ("conv2", nn.Conv2d(4, 12, 3, padding: 1)),
            ("relu2", nn.ReLU()),
            ("conv3", nn.Conv2d(12, 7, 1))
        );
        var gen = new Generator(77);
        using (no_grad())
            foreach (var (_, p) in seq.named_parameters())
            {
                using var v = randn(p.shape, generator: gen);
                p.copy_(v);
            }
        return new VisionModel("render-test-convnet", seq, new InputSpec(3, 16, 0, 1));
    }

    [Fact]
    public void Render_from_a_model_uses_its_expanded_weights()
    {
        var models = new ModelRegistry([new Provider()]);
        using var model = Build();
        var w2 = model.Parameters["conv2.weight"]; // [12, 4, 3, 3]
        var w3 = model.Parameters["conv3.weight"]; // [7, 12, 1, 1]
        int unit = 5;
        var dir = Directory.CreateTempSubdirectory("nw-render-model-");
        try
        {
            var html = Path.Combine(dir.FullName, "r.html");
            var o = new StringWriter();
            var e = new StringWriter();
            int code = CliHost.Run(
                [
                    "render",
                    "--model",
                    "render-test-convnet",
                    "--from",
                    "relu1",
                    "--to",
                    "conv2",
                    "--unit",
                    $"{unit}",
                    "--next",
                    "conv3",
                    "--next-from",
                    "relu2",
                    "--top",
                    "3",
                    "--out",
                    html,
                ],
                o,
                e,
                models
            );
            Assert.True(code == 0, e.ToString());
            var doc = Parse(File.ReadAllText(html));
            var rows = doc.QuerySelectorAll(".nw-row").ToList();
            // previous: the 3x3 kernel of conv2 unit 5 sits at the center of the 5x5 expanded
            // window; top inputs by kernel norm
            var wantPrev = w2[unit]
                .pow(2)
                .sum([1, 2])
                .argsort(descending: true)[..3]
                .data<long>()
                .Select(v => $"relu1:{v}")
                .ToList();
            Assert.Equal(
                wantPrev,
                rows[0].QuerySelectorAll(".nw-label").Select(x => x.TextContent)
            );
            int i0 = int.Parse(wantPrev[0].Split(':')[1]);
            var kernel = w2[unit, i0];
            double scale = w2[unit].abs().max().item<float>();
            using (
                var bmp = DecodeDataUri(rows[0].QuerySelector("img.weight")!.GetAttribute("src")!)
            )
            {
                Assert.Equal(5, bmp.Width);
                AssertPixel(bmp, 2, 2, Expected8(kernel[1, 1].item<float>() / scale), tol: 1);
                AssertPixel(bmp, 1, 3, Expected8(kernel[2, 0].item<float>() / scale), tol: 1);
                AssertPixel(bmp, 0, 0, Expected8(0), tol: 1); // outside the kernel's reach
            }
            // next: conv3 is 1x1, so unit 5's uses are w3[:, 5] at the center
            var wantNext = w3[.., unit, 0, 0]
                .abs()
                .argsort(descending: true)[..3]
                .data<long>()
                .Select(v => $"conv3:{v}")
                .ToList();
            Assert.Equal(
                wantNext,
                rows[1].QuerySelectorAll(".nw-label").Select(x => x.TextContent)
            );
            var bad = new StringWriter();
            Assert.Equal(
                1,
                CliHost.Run(
                    [
                        "render",
                        "--model",
                        "render-test-convnet",
                        "--from",
                        "relu1",
                        "--to",
                        "conv2",
                        "--unit",
                        "12",
                        "--out",
                        html,
                    ],
                    new StringWriter(),
                    bad,
                    models
                )
            );
            Assert.Contains("unit 12 is out of range for layer conv2", bad.ToString());
            bad = new StringWriter();
            Assert.Equal(
                2,
                CliHost.Run(
                    [
                        "render",
                        "--model",
                        "x",
                        "--weights",
                        "y.npy",
                        "--from",
                        "a",
                        "--to",
                        "b",
                        "--unit",
                        "0",
                        "--out",
                        html,
                    ],
                    new StringWriter(),
                    bad
                )
            );
            Assert.Contains("either --model", bad.ToString());
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
