using System.Net;
using System.Net.Sockets;
using Notebooks.Weights.Cli;
using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Models;
using Notebooks.Weights.Models.InceptionV1;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.FeatureVis;

public sealed class EdgesProvider : IModelProvider
{
    public IReadOnlyList<string> Names => ["fv-test-edges"];
    public IReadOnlyList<string> Extensions => [];

    public VisionModel Load(string nameOrPath) => RenderTests.EdgeModel();
}

public class CacheAndCliTests() : TempDirectoryTest("fvcache-")
{
    static readonly FeatureVisSettings Small = new(Size: 24, Steps: 4);

    [Fact]
    public void SecondCallReadsTheCachedPngsAndMissingUnitsRenderInOneBatch()
    {
        using var m = RenderTests.EdgeModel();
        var cache = new FeatureVisCache(Dir);
        var renders = new List<int>();
        var a = cache.GetOrRender(m, "conv2", [1, 3], Small, p =>
        {
            if (p.Step == 1)
                renders.Add(p.Objective.Length);
        });
        Assert.Equal(new long[] { 2, 24, 24, 3 }, a.shape);
        Assert.Equal([2], renders); // one batched render of both units
        var path = cache.PathFor(m, "conv2", 3, Small);
        Assert.StartsWith(Path.Combine(Dir, m.WeightsHash, "conv2_3_"), path);
        Assert.True(File.Exists(path));
        var b = cache.GetOrRender(m, "conv2", [3, 1, 5], Small, p =>
        {
            if (p.Step == 1)
                renders.Add(p.Objective.Length);
        });
        Assert.Equal([2, 1], renders); // only unit 5 rendered
        Assert.True(b[0].eq(a[1]).all().item<bool>());
        Assert.True(b[1].eq(a[0]).all().item<bool>());
        // Other settings → another file.
        Assert.NotEqual(path, cache.PathFor(m, "conv2", 3, Small with { Steps = 5 }));
        Assert.NotEqual(
            path,
            cache.PathFor(m, "conv2", 3, Small with { Transforms = Transforms.Jitter(8) })
        );
    }

    [Fact]
    public void ThePreReluTensorIsOptimizedSoUnitsDeadAtTheStartStillGetAPicture()
    {
        using var m = Notebooks.Weights.Models.ModelRegistry.Load("default");
        var cache = new FeatureVisCache(Dir);
        var post = Small with { PreRelu = false };
        Assert.Contains("conv2d2_pre_relu_5_", cache.PathFor(m, "conv2d2", 5, Small));
        Assert.Contains("conv2d2_5_", cache.PathFor(m, "conv2d2", 5, post));
        Assert.Equal("conv2d2_pre_relu", Small.TargetLayer(m, "conv2d2_pre_relu"));
        Assert.Equal("maxpool2", Small.TargetLayer(m, "maxpool2")); // no _pre_relu tensor: used as is

        // On the ReLU output with ordinary ReLU gradients, a unit that is 0 for every transformed
        // start image gets no gradient: Adam leaves its image exactly where step 1 left it. Such
        // units exist in conv2d2; on the pre-ReLU tensor the same units do move, and so they do on
        // the ReLU output with Lucid's redirected gradient (the default).
        var units = Enumerable.Range(0, 96).ToArray();
        var plain = post with { ReluGradientOverride = false };
        var one = new FeatureVisCache(Path.Combine(Dir, "1")).GetOrRender(
            m,
            "conv2d2",
            units,
            plain with
            {
                Steps = 1,
            }
        );
        var four = new FeatureVisCache(Path.Combine(Dir, "4")).GetOrRender(
            m,
            "conv2d2",
            units,
            plain with
            {
                Steps = 4,
            }
        );
        var dead = units.Where(u => one[u].eq(four[u]).all().item<bool>()).ToArray();
        Assert.NotEmpty(dead);
        var red1 = new FeatureVisCache(Path.Combine(Dir, "r1")).GetOrRender(
            m,
            "conv2d2",
            dead,
            post with
            {
                Steps = 1,
            }
        );
        var red4 = new FeatureVisCache(Path.Combine(Dir, "r4")).GetOrRender(
            m,
            "conv2d2",
            dead,
            post with
            {
                Steps = 4,
            }
        );
        for (int i = 0; i < dead.Length; i++)
            Assert.False(
                red1[i].eq(red4[i]).all().item<bool>(),
                $"conv2d2 unit {dead[i]}: its image did not move with the redirected ReLU gradient"
            );
        var pre1 = new FeatureVisCache(Path.Combine(Dir, "p1")).GetOrRender(
            m,
            "conv2d2",
            dead,
            Small with
            {
                Steps = 1,
            }
        );
        var pre4 = new FeatureVisCache(Path.Combine(Dir, "p4")).GetOrRender(
            m,
            "conv2d2",
            dead,
            Small with
            {
                Steps = 4,
            }
        );
        for (int i = 0; i < dead.Length; i++)
            Assert.False(
                pre1[i].eq(pre4[i]).all().item<bool>(),
                $"conv2d2 unit {dead[i]}: its pre-ReLU image did not move"
            );
    }

    [Fact]
    public void AUnitsImageDoesNotDependOnWhichUnitsShareItsBatch()
    {
        using var m = RenderTests.EdgeModel();
        var alone = new FeatureVisCache(Path.Combine(Dir, "a")).GetOrRender(
            m,
            "conv2",
            [3],
            Small with
            {
                Steps = 6,
            }
        );
        var batched = new FeatureVisCache(Path.Combine(Dir, "b")).GetOrRender(
            m,
            "conv2",
            [1, 3, 4],
            Small with
            {
                Steps = 6,
            }
        );
        // Same per-unit seed and transform draws; only float rounding of batched convolutions may
        // differ (then 8-bit PNG).
        Assert.True(alone[0].sub(batched[1]).abs().max().item<float>() <= 2 / 255f + 1e-6);
        Assert.False(batched[0].eq(batched[1]).all().item<bool>());
    }

    [Fact]
    public void BadUnitsAndHostedOptionsGiveClearErrors()
    {
        using var m = RenderTests.EdgeModel();
        var cache = new FeatureVisCache(Dir);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            cache.GetOrRender(m, "conv2", [6], Small)
        );
        Assert.Contains(
            "Unit 6 is out of range: layer 'conv2' of edges has 6 channels (0..5)",
            e.Message
        );
        Assert.Throws<UnknownLayerException>(() => cache.GetOrRender(m, "conv3", [0], Small));
        var e2 = Assert.Throws<ArgumentException>(() =>
            cache.GetOrRender(m, "fc", [0], Small with { Objective = UnitObjective.Neuron })
        );
        Assert.Contains("spatial extent", e2.Message);
        var hosted = new FeatureVisCache(Dir) { UseLucidHosted = true };
        var e3 = Assert.Throws<ArgumentException>(() => hosted.GetOrRender(m, "conv2", [0], Small));
        Assert.Contains("only for InceptionV1", e3.Message);
    }

    [Fact]
    public void LucidHostedImagesDownloadOnceFromTheBaseUrlAndOfflineIsAClearError()
    {
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
        }
        var prefix = $"http://127.0.0.1:{port}/images/neuron/";
        var jpeg = ImageFiles.EncodeJpeg(full(16, 16, 3, 0.5f));
        var requests = new List<string>();
        using var listener = new HttpListener();
        listener.Prefixes.Add(prefix);
        listener.Start();
        var server = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext ctx;
                try
                {
                    ctx = await listener.GetContextAsync();
                }
                catch
                {
                    return;
                }
                lock (requests)
                    requests.Add(ctx.Request.Url!.AbsolutePath);
                if (ctx.Request.Url!.AbsolutePath.EndsWith("mixed3a_147.jpg"))
                {
                    ctx.Response.ContentType = "image/jpeg";
                    await ctx.Response.OutputStream.WriteAsync(jpeg);
                }
                else
                    ctx.Response.StatusCode = 404;
                ctx.Response.Close();
            }
        });
        using var m = InceptionV1Model.Create();
        var cache = new FeatureVisCache(Dir) { UseLucidHosted = true, LucidBaseUrl = prefix };
        var img = cache.GetLucidHosted(m, "mixed3a", 147);
        Assert.Equal(new long[] { 16, 16, 3 }, img.shape);
        Assert.Equal(0.5, img.mean().item<float>(), 1);
        cache.GetLucidHosted(m, "mixed3a", 147); // second time from disk
        Assert.Equal(["/images/neuron/mixed3a_147.jpg"], requests);
        var e404 = Assert.Throws<IOException>(() => cache.GetLucidHosted(m, "mixed3a", 148));
        Assert.Contains("HTTP 404", e404.Message);
        listener.Stop();
        var offline = new FeatureVisCache(Dir)
        {
            UseLucidHosted = true,
            LucidBaseUrl = $"http://127.0.0.1:{port}/nothing/",
        };
        var e = Assert.Throws<IOException>(() => offline.GetLucidHosted(m, "mixed3a", 1));
        Assert.Contains("Are you offline?", e.Message);
        Assert.Throws<InvalidOperationException>(() =>
            new FeatureVisCache(Dir).GetLucidHosted(m, "mixed3a", 1)
        );
    }

    [Fact]
    public void FeatureVisVerbWritesOnePngPerUnit()
    {
        var models = new ModelRegistry([new EdgesProvider()]);
        var outDir = Path.Combine(Dir, "out");
        var so = new StringWriter();
        var se = new StringWriter();
        int rc = CliHost.Run(
            [
                "featurevis",
                "--model",
                "fv-test-edges",
                "--layer",
                "conv2",
                "--units",
                "0,2",
                "--steps",
                "3",
                "--size",
                "24",
                "--cache",
                Path.Combine(Dir, "c"),
                "--out",
                outDir,
            ],
            so,
            se,
            models
        );
        Assert.True(rc == 0, se.ToString());
        foreach (var u in new[] { 0, 2 })
        {
            var img = ImageFiles.Load(Path.Combine(outDir, $"conv2_{u}.png"));
            Assert.Equal(new long[] { 24, 24, 3 }, img.shape);
        }
        Assert.Contains("3/3", se.ToString()); // progress bar
        se = new StringWriter();
        Assert.Equal(
            1,
            CliHost.Run(
                [
                    "featurevis",
                    "--model",
                    "fv-test-edges",
                    "--layer",
                    "conv2",
                    "--units",
                    "9",
                    "--steps",
                    "3",
                    "--size",
                    "24",
                    "--no-cache",
                    "--out",
                    outDir,
                ],
                so,
                se,
                models
            )
        );
        Assert.Contains("Unit 9 is out of range", se.ToString());
        se = new StringWriter();
        Assert.Equal(
            2,
            CliHost.Run(
                [
                    "featurevis",
                    "--model",
                    "fv-test-edges",
                    "--layer",
                    "conv2",
                    "--units",
                    "1",
                    "--objective",
                    "dot",
                    "--out",
                    outDir,
                ],
                so,
                se,
                models
            )
        );
        Assert.Contains("expected channel or neuron", se.ToString());
    }

    [Fact]
    public void FeatureVisVerbOptimizesThePreReluTensorUnlessToldNot()
    {
        var cacheDir = Path.Combine(Dir, "c");
        var so = new StringWriter();
        var se = new StringWriter();
        Assert.Equal(
            0,
            CliHost.Run(
                [
                    "featurevis",
                    "--model",
                    "default",
                    "--layer",
                    "conv2d2",
                    "--units",
                    "3",
                    "--steps",
                    "1",
                    "--size",
                    "16",
                    "--cache",
                    cacheDir,
                    "--out",
                    Path.Combine(Dir, "a"),
                ],
                so,
                se
            )
        );
        Assert.Contains("optimizing conv2d2_pre_relu", se.ToString());
        Assert.Single(
            Directory.GetFiles(cacheDir, "conv2d2_pre_relu_3_*.png", SearchOption.AllDirectories)
        );
        se = new StringWriter();
        Assert.Equal(
            0,
            CliHost.Run(
                [
                    "featurevis",
                    "--model",
                    "default",
                    "--layer",
                    "conv2d2",
                    "--units",
                    "3",
                    "--steps",
                    "1",
                    "--size",
                    "16",
                    "--no-pre-relu",
                    "--cache",
                    cacheDir,
                    "--out",
                    Path.Combine(Dir, "b"),
                ],
                so,
                se
            )
        );
        Assert.DoesNotContain("optimizing", se.ToString());
        Assert.Single(Directory.GetFiles(cacheDir, "conv2d2_3_*.png", SearchOption.AllDirectories));
        Assert.True(File.Exists(Path.Combine(Dir, "b", "conv2d2_3.png")));
    }

    [Fact]
    public void BenchVerbReportsBothTimingsAndTheirRatio()
    {
        var models = new ModelRegistry([new EdgesProvider()]);
        var so = new StringWriter();
        var se = new StringWriter();
        int rc = CliHost.Run(
            [
                "bench",
                "featurevis",
                "--model",
                "fv-test-edges",
                "--layer",
                "conv2",
                "--units",
                "2",
                "--size",
                "24",
                "--steps",
                "2",
                "--json",
            ],
            so,
            se,
            models
        );
        Assert.True(rc == 0, se.ToString());
        using var doc = System.Text.Json.JsonDocument.Parse(so.ToString());
        var r = doc.RootElement;
        double batch = r.GetProperty("batchSecondsPerStep").GetDouble(),
            single = r.GetProperty("singleSecondsPerStep").GetDouble();
        Assert.True(batch > 0 && single > 0);
        Assert.Equal(batch / single, r.GetProperty("batchOverSingle").GetDouble(), 9);
    }

    [Theory]
    [InlineData("", "PyTorch baseline: not run (pass --vs-torch)")]
    [InlineData(
        "--vs-torch --python /nonexistent/python3",
        "PyTorch baseline: skipped: /nonexistent/python3 cannot import torch"
    )]
    public void BenchFeatureVisSaysWhenItSkipsThePyTorchBaseline(string options, string line)
    {
        var models = new ModelRegistry([new EdgesProvider()]);
        string Run(params string[] extra)
        {
            var so = new StringWriter();
            var se = new StringWriter();
            int rc = CliHost.Run(
                [
                    "bench",
                    "featurevis",
                    "--model",
                    "fv-test-edges",
                    "--layer",
                    "conv2",
                    "--units",
                    "1",
                    "--size",
                    "16",
                    "--steps",
                    "1",
                    .. options.Split(' ', StringSplitOptions.RemoveEmptyEntries),
                    .. extra,
                ],
                so,
                se,
                models
            );
            Assert.True(rc == 0, se.ToString());
            return so.ToString();
        }
        Assert.Contains(line, Run());
        using var doc = System.Text.Json.JsonDocument.Parse(Run("--json"));
        var r = doc.RootElement;
        Assert.Equal(System.Text.Json.JsonValueKind.Null, r.GetProperty("torchOverOurs").ValueKind);
        Assert.StartsWith(
            line["PyTorch baseline: ".Length..],
            r.GetProperty("torchNote").GetString()
        );
    }

    [Fact]
    public void BenchFeatureVisProfilePrintsTheRenderPhasesItObserves()
    {
        var models = new ModelRegistry([new EdgesProvider()]);
        var so = new StringWriter();
        var se = new StringWriter();
        int rc = CliHost.Run(
            [
                "bench",
                "featurevis",
                "--model",
                "fv-test-edges",
                "--layer",
                "conv2",
                "--units",
                "2",
                "--size",
                "24",
                "--steps",
                "2",
                "--profile",
            ],
            so,
            se,
            models
        );
        Assert.True(rc == 0, se.ToString());
        var rows = so.ToString().Split('\n').Where(l => l.StartsWith("  ")).ToList();
        double Ms(string phase, int column) =>
            double.Parse(
                rows.Single(l => l.TrimStart().StartsWith(phase + " "))
                    .Substring(2 + 28)
                    .Split(' ', StringSplitOptions.RemoveEmptyEntries)[column],
                System.Globalization.CultureInfo.InvariantCulture
            );
        string[] phases =
        [
            RenderPhases.Image,
            RenderPhases.Transforms,
            RenderPhases.Forward,
            RenderPhases.Objective,
            RenderPhases.Backward,
            RenderPhases.Step,
        ];
        foreach (var p in phases)
            Assert.True(Ms(p, 0) >= 0 && Ms(p, 1) >= 0, p);
        // (Thread CPU time ticks coarsely, so a phase of this tiny model may read 0; the whole step
        // does not.)
        Assert.True(Ms("total", 0) > 0 && Ms("total", 1) > 0);
        // The total is the sum of the observed phases (printed to 0.1 ms each), for the batch and
        // for one unit.
        for (int c = 0; c < 2; c++)
            Assert.Equal(phases.Sum(p => Ms(p, c)), Ms("total", c), 0.1 * phases.Length);
        Assert.Contains("of which model backward", so.ToString());
        Assert.Contains("random_rotate", so.ToString());
    }
}
