using Notebooks.Weights.Models;
using Notebooks.Weights.Models.Onnx;
using TorchSharp;
using static Notebooks.Weights.Tests.Models.Onnx.OnnxTestSupport;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Notebooks.Weights.Tests.Models.Onnx;

/// <summary>Imported models as <see cref="VisionModel"/>s: names, aliases, parameters, layer table,
/// and expanded weights.</summary>
public class OnnxVisionModelTests
{
    [Fact]
    public void ResNetMetadataHasNodeLayersAliasesAndParameterNames()
    {
        var m = OnnxModel.Load(Fixture("resnet_opset13.onnx"));
        Assert.Equal(13, m.Opset);
        Assert.StartsWith("pytorch", m.Producer);
        Assert.Equal(new long[] { 1, 3, 32, 32 }, m.InputShape);
        Assert.Equal(("/conv1/Conv", "Conv"), (m.Layers[0].Name, m.Layers[0].OpType));
        Assert.Equal(("/fc/Gemm", "Gemm"), (m.Layers[^1].Name, m.Layers[^1].OpType));
        Assert.Equal(m.Layers[^1].Output, m.OutputName);
        // Scopes → nodes: a module's alias is its last node; Sequential children are qualified like
        // PyTorch paths.
        Assert.Equal("/conv1/Conv", m.LayerAliases["conv1"]);
        Assert.Equal("/layer2/layer2.2/conv3/Conv", m.LayerAliases["layer2.2.conv3"]);
        Assert.Equal("/layer2/layer2.2/relu_2/Relu", m.LayerAliases["layer2.2"]);
        Assert.Equal("/layer2/layer2.2/relu_2/Relu", m.LayerAliases["layer2"]);
        Assert.Equal(
            "/layer1/layer1.0/downsample/downsample.0/Conv",
            m.LayerAliases["layer1.0.downsample.0"]
        );
        Assert.Equal("/fc/Gemm", m.LayerAliases["fc"]);
        Assert.Equal("layer4.2.conv3", OnnxModel.FriendlyScope("/layer4/layer4.2/conv3/Conv"));
        Assert.Equal(
            "features.1.conv.0.0",
            OnnxModel.FriendlyScope("/features/features.1/conv/conv.0/conv.0.0/Conv")
        );
        Assert.Null(OnnxModel.FriendlyScope("Conv_0"));
        // Parameters: sanitized initializer names; original names and {scope}.weight/.bias as
        // aliases.
        Assert.Equal("fc_weight", m.ParameterAliases["fc.weight"]);
        Assert.Contains("onnx__Conv_173", m.ParameterNames);
        Assert.Equal("onnx__Conv_173", m.ParameterAliases["onnx::Conv_173"]);
        Assert.Equal("onnx__Conv_173", m.ParameterAliases["conv1.weight"]);
        Assert.Equal("onnx__Conv_174", m.ParameterAliases["conv1.bias"]);
        // Every parameter is a registered, named parameter of the module.
        var shapes = m.Module.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal(new long[] { 16, 3, 7, 7 }, shapes["onnx__Conv_173"]);
        Assert.Equal(
            new long[] { 8, 16, 1, 1 },
            shapes[m.ParameterAliases["layer1.0.conv1.weight"]]
        );
    }

    [Fact]
    public void RegistryLoadsOnnxFilesAsVisionModelsThatMatchOnnxRuntime()
    {
        var path = Fixture("googlenet_opset11.onnx");
        using var model = ModelRegistry.Load(path);
        Assert.Equal("googlenet_opset11", model.Name);
        Assert.Equal(new InputSpec(3, 48, 0, 1), model.Input);

        var table = model.Layers();
        Assert.Equal("input", table[0].Name);
        var inc = table.Single(l => l.Name == "/inception3b/Concat");
        // 8 + 8 + 4 + 4 branch channels; 48 → stride-2 conv 24 → 3x3/2 ceil-mode pool 12 (inception
        // blocks keep the size).
        Assert.Equal(("Concat", 24L, 12L, 12L), (inc.Kind, inc.Channels, inc.Height, inc.Width));
        Assert.True(model.HasLayer("inception3b")); // alias of the same module
        Assert.Equal(
            model.Layer("inception3b").ModulePath,
            model.Layer("/inception3b/Concat").ModulePath
        );

        var e = Assert.Throws<UnknownLayerException>(() => model.Layer("inception3c"));
        Assert.Contains("inception3b", e.Message);

        // Activations through the VisionModel API equal ONNX Runtime's graph output and an
        // intermediate value.
        using var scope = NewDisposeScope();
        var x = RandomInput([1, 3, 48, 48], 3).Select(v => Math.Abs(v) / 4).ToArray();
        var bytes = OnnxWriter.WithExtraOutputs(
            File.ReadAllBytes(path),
            ["/inception3b/Concat_output_0"]
        );
        var ort = RunOrt(bytes, "input", x, [1, 3, 48, 48]);
        var acts = model.Activations(tensor(x).reshape(1, 3, 48, 48), "fc", "inception3b");
        Assert.True(RelativeError(acts["fc"], ort["output"].shape, ort["output"].values) <= 1e-4);
        Assert.True(
            RelativeError(
                acts["inception3b"],
                ort["/inception3b/Concat_output_0"].shape,
                ort["/inception3b/Concat_output_0"].values
            ) <= 1e-4
        );
    }

    /// <summary>A TensorFlow-style graph taking NHWC images (input → Transpose(0,3,1,2)) is
    /// detected; the module takes NCHW.</summary>
    [Fact]
    public void NhwcGraphsTakeNchwImages()
    {
        var path = Path.Combine(Path.GetTempPath(), $"nw-onnx-nhwc-{Guid.NewGuid():N}.onnx");
        var bytes = new OnnxWriter { Opset = 13 }
            .Input("x", 1, 6, 5, 3)
            .Init("W", RandomInput([54], 1), 2, 3, 3, 3)
            .Node("Transpose", "to_nchw", ["x"], ["t"], ("perm", new long[] { 0, 3, 1, 2 }))
            .Node("Conv", "conv", ["t", "W"], ["c"], ("auto_pad", "SAME_UPPER"))
            .Node("Relu", "relu", ["c"], ["y"])
            .Output("y")
            .Save(path);
        try
        {
            var m = OnnxModel.Load(path);
            Assert.Equal("NHWC", m.InputLayout);
            Assert.Equal(new long[] { 1, 3, 6, 5 }, m.ImageShape);
            Assert.Equal("NCHW", OnnxModel.Load(path, "NCHW").InputLayout);
            Assert.Throws<ArgumentException>(() => OnnxModel.Load(path, "CHW"));
            using var vm = m.ToVisionModel();
            Assert.Equal(new InputSpec(3, 6, 0, 1), vm.Input);

            using var scope = NewDisposeScope();
            var nchw = rand(1, 3, 6, 5, generator: new Generator(2));
            var nhwc = nchw.permute(0, 2, 3, 1).contiguous().data<float>().ToArray();
            var ort = RunOrt(File.ReadAllBytes(path), "x", nhwc, [1, 6, 5, 3])["y"];
            Assert.True(RelativeError(vm.Forward(nchw), ort.shape, ort.values) <= 1e-4);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// A MaxPool TorchSharp cannot express (SAME_UPPER padding) keeps its forward value in
    /// linearized runs, and its gradient becomes that of the same-window AveragePool with padding
    /// excluded (whose forward matches ONNX Runtime in <see cref="OnnxOperatorParityTests"/>).
    /// </summary>
    [Fact]
    public void LinearizedSamePaddedMaxPoolTakesTheAveragePoolGradient()
    {
        string Pool(string op) =>
            new OnnxWriter { Opset = 13 }
                .Input("x", 1, 2, 7, 6)
                .Node("Relu", "relu", ["x"], ["r"])
                .Node(
                    op,
                    "pool",
                    ["r"],
                    ["y"],
                    ("kernel_shape", new long[] { 3, 3 }),
                    ("strides", new long[] { 2, 2 }),
                    ("auto_pad", "SAME_UPPER")
                )
                .Output("y")
                .Save(Path.Combine(Path.GetTempPath(), $"nw-onnx-{op}-{Guid.NewGuid():N}.onnx"));
        var maxPath = Pool("MaxPool");
        var avgPath = Pool("AveragePool");
        try
        {
            using var maxModel = OnnxModel.Load(maxPath).ToVisionModel();
            using var avgModel = OnnxModel.Load(avgPath).ToVisionModel();
            Assert.IsType<OnnxMaxPool>(maxModel.LayerModule("pool"));
            using var scope = NewDisposeScope();
            var x = randn(1, 2, 7, 6, generator: new Generator(3));
            var w = randn(1, 2, 4, 3, generator: new Generator(4));

            (Tensor value, Tensor grad) Linearized(VisionModel m)
            {
                var xi = x.clone().requires_grad_(true);
                var y = m.Run(xi, new RunOptions { Capture = ["pool"], Linearize = true })["pool"];
                var g = TorchSharp.torch.autograd.grad([y.mul(w).sum()], [xi])[0];
                return (y.detach(), g);
            }
            var (maxValue, maxGrad) = Linearized(maxModel);
            var (_, avgGrad) = Linearized(avgModel);
            using (no_grad())
                Assert.True(
                    maxValue.allclose(maxModel.Activation(x, "pool"), rtol: 1e-6, atol: 1e-6),
                    "linearization changed the forward value"
                );
            Assert.True(
                maxGrad.allclose(avgGrad, rtol: 1e-5, atol: 1e-6),
                "max-pool gradient is not the average-pool gradient"
            );
            Assert.True(avgGrad.abs().sum().item<float>() > 0);
        }
        finally
        {
            File.Delete(maxPath);
            File.Delete(avgPath);
        }
    }

    /// <summary>
    /// Gradients flow through an imported graph (convs, pools, the
    /// Shape/Gather/Unsqueeze/Concat/Reshape flatten path, Gemm, Softmax): d output / d input
    /// agrees with central finite differences (float64 copy of the module).
    /// </summary>
    [Fact]
    public void InputGradientsMatchFiniteDifferences()
    {
        using var model = ModelRegistry.Load(Fixture("vgg_opset9.onnx"));
        using var scope = NewDisposeScope();
        model.Module.to(ScalarType.Float64);
        var x = rand(1, 3, 32, 32, generator: new Generator(11), dtype: ScalarType.Float64)
            .requires_grad_(true);
        Tensor F0(Tensor input) => model.Module.call(input)[0, 3];
        var grad = TorchSharp.torch.autograd.grad([F0(x)], [x])[0];
        Assert.True(grad.abs().sum().item<double>() > 0);
        var rng = new Random(5);
        using var _ = no_grad();
        for (int k = 0; k < 6; k++)
        {
            long c = rng.Next(3),
                i = rng.Next(32),
                j = rng.Next(32);
            const double eps = 1e-4;
            var plus = x.detach().clone();
            plus[0, c, i, j] += eps;
            var minus = x.detach().clone();
            minus[0, c, i, j] -= eps;
            double fd = (F0(plus).item<double>() - F0(minus).item<double>()) / (2 * eps);
            double g = grad[0, c, i, j].item<double>();
            Assert.True(
                Math.Abs(fd - g) <= 1e-6 + 1e-4 * Math.Abs(g),
                $"pixel ({c},{i},{j}): autograd {g:g6}, finite difference {fd:g6}"
            );
        }
    }

    /// <summary>A model loaded inside a caller's dispose scope keeps its weights after that scope
    /// ends.</summary>
    [Fact]
    public void ModelsOutliveTheDisposeScopeTheyWereLoadedIn()
    {
        OnnxModel m;
        Tensor before;
        var x = rand(1, 3, 32, 32, generator: new Generator(1));
        using (var inner = NewDisposeScope())
        {
            m = OnnxModel.Load(Fixture("mobilenetv1_opset12.onnx"));
            using var _ = no_grad();
            before = m.Module.call(x).MoveToOuterDisposeScope();
        }
        using (no_grad())
            Assert.True(m.Module.call(x).allclose(before, rtol: 0, atol: 0));
    }

    [Fact]
    public void ParameterEditsThroughAliasesChangeTheImportedForward()
    {
        using var model = ModelRegistry.Load(Fixture("resnet_opset9.onnx"));
        using var scope = NewDisposeScope();
        var img = rand(2, 3, 32, 32, generator: new Generator(4));
        var before = model.Forward(img);
        model.Parameters.Edit("fc.bias", b => b.add_(1));
        var after = model.Forward(img);
        Assert.True(after.sub(before).sub(1).abs().max().item<float>() < 1e-5f);
        model.Parameters.Restore();
        Assert.True(model.Forward(img).allclose(before, rtol: 0, atol: 0));
        Assert.Equal(new long[] { 10, 64 }, model.Parameters.Shape("fc.weight"));
    }

    /// <summary>
    /// Expanded weights between the residual sum of block layer1.0 (before its final ReLU) and the
    /// output of block layer1.1 before its final ReLU (relu → conv1→relu→conv2→relu→conv3, +
    /// identity shortcut), computed as the notebook does (gradient of the output's center with
    /// ReLUs linearized), equal a per-channel reference: the linear response of the same
    /// convolutions, composed by hand with F.conv2d, to a one-hot impulse at every input channel
    /// and position.
    /// </summary>
    [Fact]
    public void ExpandedWeightsThroughAnImportedResNetBlockMatchPerChannelReference()
    {
        using var model = ModelRegistry.Load(Fixture("resnet_opset13.onnx"));
        using var scope = NewDisposeScope();
        const string from = "/layer1/layer1.0/Add";
        var a = model.LayerInfo(from);
        const string to = "/layer1/layer1.1/Add";
        var b = model.LayerInfo(to);
        Assert.Equal((32L, 8L, 8L), (a.Channels, a.Height, a.Width));
        Assert.Equal((32L, 8L, 8L), (b.Channels, b.Height, b.Width));
        long cin = a.Channels,
            cout = b.Channels,
            h = a.Height,
            w = a.Width,
            cy = b.Height / 2,
            cx = b.Width / 2;

        // Gradient route: one batch item per output channel j, d(out[j, j, cy, cx]) / d(from).
        var replaced = randn(cout, cin, h, w, generator: new Generator(7)).requires_grad_(true);
        var run = model.Run(
            zeros(1, 3, 32, 32),
            new RunOptions
            {
                Capture = [to],
                Replace = new Dictionary<string, Tensor> { [from] = replaced },
                Linearize = true,
            }
        );
        var outp = run[to];
        Assert.True(outp.requires_grad, "output has no autograd history");
        var pick = outp[TensorIndex.Colon, TensorIndex.Colon, cy, cx].diagonal().sum();
        var expanded = TorchSharp.torch.autograd.grad([pick], [replaced])[0]; // [cout, cin, h, w]

        // Reference: the block's linear map applied to impulses (bias-free, so the affine offset
        // drops out).
        Tensor W(string n) => model.Parameters[n];
        var impulses = eye(cin * h * w).reshape(cin * h * w, cin, h, w);
        var y = F.conv2d(impulses, W("layer1.1.conv1.weight"));
        y = F.conv2d(y, W("layer1.1.conv2.weight"), padding: [1, 1]);
        y = F.conv2d(y, W("layer1.1.conv3.weight")).add(impulses);
        var reference = y[TensorIndex.Colon, TensorIndex.Colon, cy, cx]
            .t()
            .reshape(cout, cin, h, w);

        double err =
            reference.sub(expanded).abs().max().item<float>() / reference.abs().max().item<float>();
        Assert.True(
            err <= 1e-4,
            $"expanded weights differ from the per-channel reference by {err:g3}"
        );
        // The shortcut shows up as the identity at the center: E[j, j, cy, cx] includes 1 for every
        // j.
        Assert.True(reference.abs().max().item<float>() > 0.1f);
    }
}
