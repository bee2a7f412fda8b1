using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;
using Microsoft.DotNet.Interactive.Formatting;
using static TorchSharp.torch;

namespace Notebooks.Weights.Interactive.Tests;

/// <summary>
/// Runs the C# cells of extension.dib the way the kernel does (as C# script, with the package's assemblies
/// referenced), then checks that the formatters are live.
/// </summary>
public class ExtensionDibTests
{
    static IEnumerable<string> CSharpCells(string dib)
    {
        var parts = dib.Replace("\r\n", "\n").Split('\n');
        string? kernel = null;
        var cell = new List<string>();
        foreach (var line in parts.Append("#!end"))
        {
            if (line.StartsWith("#!", StringComparison.Ordinal))
            {
                if (kernel == "csharp" && cell.Any(l => l.Trim().Length > 0)) yield return string.Join('\n', cell);
                kernel = line[2..].Trim(); cell.Clear();
            }
            else cell.Add(line);
        }
    }

    [Fact]
    public async Task Extension_dib_cells_run_as_csharp_script_and_register_formatters()
    {
        var dib = File.ReadAllText(Path.Combine(Util.RepoRoot(), "kernel-extension", "Notebooks.Weights.Interactive", "extension.dib"));
        var cells = CSharpCells(dib).ToList();
        Assert.Single(cells);
        Formatter.ResetToDefault();
        var t = tensor(new float[] { 1, -1 }).view(1, 2);
        Assert.DoesNotContain("nw-summary", t.ToDisplayString("text/html")); // not registered yet
        var options = ScriptOptions.Default.AddReferences(typeof(Formatters).Assembly, typeof(Notebooks.Weights.Rendering.View).Assembly);
        foreach (var code in cells) await CSharpScript.RunAsync(code, options);
        var doc = Util.Parse(t.ToDisplayString("text/html"));
        Assert.Contains("Tensor [1, 2] Float32", doc.QuerySelector(".nw-summary")!.TextContent);
        using var bmp = Util.DecodeDataUri(doc.QuerySelector("img")!.GetAttribute("src"));
        Util.AssertPixel(bmp, 0, 0, Util.Expected8(1)); Util.AssertPixel(bmp, 1, 0, Util.Expected8(-1));
    }
}
