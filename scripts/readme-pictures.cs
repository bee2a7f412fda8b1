#:project ../src/Notebooks.Weights/Notebooks.Weights.csproj
// The README's pictures of the real ImageNet ResNet18, made with the library alone (a file-based
// app, no notebook):
//   dotnet run scripts/readme-pictures.cs -- [OUT_DIR] [STEPS]      (default docs/images/resnet18,
//   128 steps)
// Units are chosen by stated rules, not for looks: the layer4.1 unit with the largest
// expanded-weight norm from layer4.0, its strongest inputs and uses, and the eight layer4.1 units
// with the largest such norms. Feature visualizations go through the usual on-disk cache, so a
// second run takes seconds.
using Notebooks.Weights.Connections;
using Notebooks.Weights.Decomposition;
using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Models;
using Notebooks.Weights.Rendering;
using TorchSharp;
using static TorchSharp.torch;

var outDir = args.Length > 0 ? args[0] : "docs/images/resnet18";
var steps = args.Length > 1 ? int.Parse(args[1]) : 128;
Directory.CreateDirectory(outDir);
var model = ModelRegistry.Load("resnet18");
var fv = new FeatureVisCache();
var settings = new FeatureVisSettings(Size: 96, Steps: steps);
var images = new Dictionary<(string, int), Image>();
Image? Vis(string layer, int unit)
{
    if (!images.TryGetValue((layer, unit), out var img))
    {
        using var scope = NewDisposeScope();
        images[(layer, unit)] = img = Image.FromTensor(
            fv.GetOrRender(model, layer, unit, settings),
            label: $"{layer}:{unit}"
        );
    }
    return img;
}
void Prefetch(string layer, IEnumerable<int> units)
{
    var missing = units.Distinct().Where(u => !images.ContainsKey((layer, u))).ToList();
    if (missing.Count == 0)
        return;
    Console.Error.WriteLine(
        $"feature visualizations: {layer} units {string.Join(",", missing)} ({settings.Size} px, {steps} steps)"
    );
    using var scope = NewDisposeScope();
    var t = fv.GetOrRender(model, layer, missing, settings);
    for (int i = 0; i < missing.Count; i++)
        images[(layer, missing[i])] = Image.FromTensor(t[i], label: $"{layer}:{missing[i]}");
}
void Save(View view, string name)
{
    view.SavePng(Path.Combine(outDir, name));
    Console.WriteLine(Path.Combine(outDir, name));
}

// 1. First-layer filters, ordered like the notebook: by the first principal component of
// |layer1.0.conv1| weights.
var conv1 = FirstLayerFilters.Weight(model);
Save(
    NotebookPictures.FirstLayerFilters(
        conv1,
        FirstLayerFilters.Conv2d0Ordering(model, "layer1.0.conv1")
    ),
    "first-layer.png"
);

// 2. Top connections of a layer4 unit: into layer4.1 from layer4.0, and out of it into layer4.2.
var w41 = ExpandedWeights.Get(model, "layer4.0", "layer4.1", 5); // [5, 5, 512, 512]
var w42 = ExpandedWeights.Get(model, "layer4.1", "layer4.2", 5);
var norms = w41.pow(2).sum([0, 1, 2]); // per layer4.1 unit
int unit = (int)norms.argmax().item<long>();
const int top = 6;
Prefetch("layer4.1", [unit]);
Prefetch("layer4.0", NeuronWithWeightRow.TopUnits(w41[.., .., .., unit], top));
Prefetch("layer4.2", NeuronWithWeightRow.TopUnits(w42[.., .., unit, ..], top));
Save(
    NotebookPictures.TopConnections(
        "layer4.1",
        unit,
        "layer4.0",
        w41[.., .., .., unit],
        "layer4.2",
        w42[.., .., unit, ..],
        top: top,
        featureVis: Vis
    ),
    "top-connections.png"
);

// 3. Three-factor NMF of the weights (from layer4.0) of the eight layer4.1 units with the strongest
// weights.
var rowUnits = norms.argsort(descending: true)[..8].data<long>().Select(u => (int)u).ToList();
var posneg = PosNeg.Split(w41, axis: 2);
var pictures = rowUnits
    .Select(u =>
    {
        using var nmf = new ChannelReducer(3);
        var f = nmf.FitTransform(posneg[.., .., .., u]);
        return CollapseChannels.Collapse(f / f.max());
    })
    .ToList();
Prefetch("layer4.1", rowUnits);
Save(
    NeuronWithWeightRow.Preselected(
        "layer4.1",
        rowUnits,
        pictures,
        title: "layer4.1: 3-factor NMF of each unit's weights from layer4.0",
        featureVis: u => Vis("layer4.1", u)
    ),
    "nmf-row.png"
);
