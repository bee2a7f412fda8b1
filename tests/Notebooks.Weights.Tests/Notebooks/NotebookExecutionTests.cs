using System.Text.Json.Nodes;
using AngleSharp.Html.Parser;
using Notebooks.Weights.Cli.Notebook;
using Notebooks.Weights.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.NotebookTests;

/// <summary>
/// Executes the committed notebooks (notebooks/*.ipynb) with <see cref="NotebookRunner"/> and checks that no cell fails
/// and that the pictures the notebooks promise are there.
/// </summary>
[Collection("NotebookRunner")]
public class NotebookExecutionTests
{
    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Notebooks.Weights.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root (Notebooks.Weights.sln) not found above " + AppContext.BaseDirectory);
    }

    internal static string NotebookPath(string name) => Path.Combine(RepoRoot(), "notebooks", name);

    public static TheoryData<string> Notebooks() => new(Directory.GetFiles(Path.Combine(RepoRoot(), "notebooks"), "*.ipynb").Select(Path.GetFileName).Order()!);

    /// <summary>
    /// A small conv net (5 convolutions, two max pools, 32 px input) with seeded random weights: not a trained model,
    /// but every notebook's generic path (layers and units picked by position and weight strength) must run on it.
    /// </summary>
    sealed class TinyNetProvider : IModelProvider
    {
        public const string ModelName = "notebook-test-tiny";
        public IReadOnlyList<string> Names => [ModelName];
        public IReadOnlyList<string> Extensions => [];
        public VisionModel Load(string nameOrPath)
        {
            var net = nn.Sequential(
                ("conv1", nn.Conv2d(3, 8, 5, padding: 2)), ("relu1", nn.ReLU()),
                ("conv2", nn.Conv2d(8, 12, 3, padding: 1)), ("relu2", nn.ReLU()),
                ("pool1", nn.MaxPool2d(2)),
                ("conv3", nn.Conv2d(12, 16, 3, padding: 1)), ("relu3", nn.ReLU()),
                ("conv4", nn.Conv2d(16, 16, 3, padding: 1)), ("relu4", nn.ReLU()),
                ("pool2", nn.MaxPool2d(2)),
                ("conv5", nn.Conv2d(16, 20, 3, padding: 1)), ("relu5", nn.ReLU()));
            SeededInit.Apply(net, 11);
            return new VisionModel(ModelName, net, InputSpec.Unit(3, 32));
        }
    }

    static readonly Lazy<bool> Registered = new(() => { ModelRegistry.Register(new TinyNetProvider()); return true; });

    /// <summary>Name of the small test net.</summary>
    internal const string TinyModelName = TinyNetProvider.ModelName;
    /// <summary>Registers the small test net with the model registry (once per process).</summary>
    internal static void EnsureTinyModel() => _ = Registered.Value;

    static NotebookRunResult RunOn(string notebook, string model, params KeyValuePair<string, string>[] extra)
    {
        var doc = NotebookDocument.Load(NotebookPath(notebook));
        var result = NotebookRunner.Run(doc, new NotebookRunOptions { Parameters = [new("modelName", model), .. extra] });
        Assert.True(result.Succeeded, $"{notebook} on {model}: {result.Error?.Message}");
        return result;
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Notebook_runs_on_a_small_random_conv_net_without_cell_errors(string notebook)
    {
        EnsureTinyModel();
        KeyValuePair<string, string>[] extra = notebook switch
        {
            "feature-vis-objectives.ipynb" => [new("steps", "4"), new("size", "32")],
            "visualizing-weights.ipynb" => [new("featureVisSteps", "4")],
            _ => [],
        };
        var result = RunOn(notebook, TinyNetProvider.ModelName, extra);
        var doc = result.Notebook;
        // Every code cell ran (got an execution count) and none recorded an error output.
        foreach (var cell in doc.Cells.Where(c => c.CellType == "code"))
        {
            Assert.NotNull(cell.ExecutionCount);
            Assert.DoesNotContain(cell.Outputs, o => o!["output_type"]!.GetValue<string>() == "error");
        }
        if (notebook == "visualizing-weights.ipynb")
        {
            AssertTopConnections(doc, expectedWeightSizes: [5, 5]);
            AssertExpandedWeightsOfAdjacentConvs(result);
        }
    }

    /// <summary>
    /// On the test net the notebook's expanded weights have closed forms: conv outputs are linear in their input, so
    /// input → conv1 (5×5, pad 2, an 8×8 window, center 3) is conv1's kernel placed at offset 1 with zeros around it, and
    /// pool1 → conv3 (3×3, pad 1, a 5×5 window, center 2) is conv3's kernel at offset 1: W[y, x, c, o] = w[o, c, y−1, x−1].
    /// </summary>
    static void AssertExpandedWeightsOfAdjacentConvs(NotebookRunResult result)
    {
        var model = (VisionModel)result.Variables["model"]!;
        Assert.Equal(("pool1", "conv3"), ((string)result.Variables["hiddenA"]!, (string)result.Variables["hiddenB"]!));
        Assert.Equal("conv1", (string)result.Variables["firstConvLayer"]!);
        void Check(Tensor expanded, string weight, int window, int kernel)
        {
            var w = model.Parameters[weight];                                     // [O, C, k, k]
            Assert.Equal(new long[] { window, window, w.shape[1], w.shape[0] }, expanded.shape);
            var expected = torch.zeros(window, window, w.shape[1], w.shape[0]);
            expected[TensorIndex.Slice(1, 1 + kernel), TensorIndex.Slice(1, 1 + kernel)] = w.permute(2, 3, 1, 0);
            Assert.True(expanded.allclose(expected, rtol: 1e-4, atol: 1e-6), $"expanded weights of {weight} differ from the kernel by {(expanded - expected).abs().max().item<float>()}");
        }
        Check((Tensor)result.Variables["W_inp_0_alt"]!, "conv1.weight", 8, 5);
        Check((Tensor)result.Variables["W_3a_3b"]!, "conv3.weight", 5, 3);
    }

    /// <summary>The top-connections cell shows two rows (in, out) of 10 units, each weight a valid W×W PNG (W per row).</summary>
    internal static void AssertTopConnections(NotebookDocument doc, int[] expectedWeightSizes)
    {
        var cell = doc.Cells.Single(c => c.CellType == "code" && c.Source.Contains("NotebookPictures.TopConnections("));
        var result = cell.Outputs.Select(o => o!.AsObject()).Single(o => o["output_type"]!.GetValue<string>() == "execute_result");
        var html = NotebookText.FromLines(result["data"]!["text/html"]);
        var page = new HtmlParser().ParseDocument(html);
        var rows = page.QuerySelectorAll(".nw-row");
        Assert.Equal(2, rows.Length);
        foreach (var (row, expectedWeightSize) in rows.Zip(expectedWeightSizes))
        {
            var images = row.QuerySelectorAll("img.weight");
            Assert.Equal(10, images.Length);
            foreach (var img in images)
            {
                var src = img.GetAttribute("src")!;
                Assert.StartsWith("data:image/png;base64,", src);
                using var bmp = SkiaSharp.SKBitmap.Decode(Convert.FromBase64String(src["data:image/png;base64,".Length..]));
                Assert.NotNull(bmp);
                Assert.Equal(expectedWeightSize, bmp.Width);
                Assert.Equal(expectedWeightSize, bmp.Height);
            }
        }
        var png = Convert.FromBase64String(NotebookText.FromLines(result["data"]!["image/png"]));
        using var whole = SkiaSharp.SKBitmap.Decode(png);
        Assert.NotNull(whole);
    }

    [Fact]
    public void Every_notebook_starts_with_the_package_cell_then_one_parameters_cell_naming_the_model()
    {
        foreach (var path in Directory.GetFiles(Path.Combine(RepoRoot(), "notebooks"), "*.ipynb"))
        {
            var doc = NotebookDocument.Load(path);
            var code = doc.Cells.Where(c => c.CellType == "code").ToList();
            Assert.StartsWith("#r \"nuget: Notebooks.Weights, *-*\"", code[0].Source);
            Assert.Contains("#i \"nuget:", code[0].Source);
            Assert.Equal([NotebookParameters.ParametersTag], code[1].Tags);
            Assert.Contains("var modelName = \"default\";", code[1].Source);
            Assert.Single(doc.Cells, c => c.Tags.Contains(NotebookParameters.ParametersTag));
            Assert.Equal("csharp", doc.DefaultLanguage);
        }
    }
}
