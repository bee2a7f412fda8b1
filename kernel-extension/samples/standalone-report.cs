// A .NET 10 file-based app that writes the weight pictures as one standalone HTML page, no notebook host needed:
//   dotnet run kernel-extension/samples/standalone-report.cs -- out.html
#:project ../../src/Notebooks.Weights/Notebooks.Weights.csproj
using Notebooks.Weights.Models.InceptionV1;
using Notebooks.Weights.Rendering;
using static TorchSharp.torch;

var outPath = args.Length > 0 ? args[0] : "weights-report.html";
using var model = InceptionV1Model.Create(seed: 0); // architecture with seeded weights; swap in ModelRegistry.Load("default")
var report = new HtmlReport("Weights: first sections of the companion notebook");

report.AddHeading("First-layer filters");
var w0 = model.Parameters["conv2d0_w"];
report.Add(NotebookPictures.FirstLayerFilters(w0, Enumerable.Range(0, 64).ToList()));

report.AddHeading("One connection, without and with context");
var w2 = model.Parameters["conv2d2_w"];                  // OIHW [192, 64, 3, 3]
var slice = w2[5, 3];                                     // conv2d1:3 → conv2d2:5
report.Add(WeightColorScale.Heatmap(slice, WeightNormalization.DivideBy(w2[5].abs().max().item<float>())).Image.With(displayWidth: 128));
report.Add(new WeightInContext("conv2d1", 3, "conv2d2", 5, slice, WeightNormalization.DivideBy(w2[5].abs().max().item<float>())));

report.AddHeading("Top connections in and out");
var prev = w2[5].permute(1, 2, 0).contiguous();
var next = model.Parameters["mixed3a_1x1_w"][.., 5].permute(1, 2, 0).contiguous();
report.Add(NotebookPictures.TopConnections("conv2d2", 5, "conv2d1", prev, "mixed3a_1x1", next));

Console.WriteLine(report.Save(outPath));
