using System.Text.Json.Nodes;
using Notebooks.Weights.Cli;
using Notebooks.Weights.Cli.Notebook;

namespace Notebooks.Weights.Tests.NotebookTests;

/// <summary>A value with a PNG picture, like the library's views (the runner finds ToPng by reflection).</summary>
public sealed class PngThing
{
    /// <summary>A 1×1 red PNG made by SkiaSharp.</summary>
    public byte[] ToPng()
    {
        using var bmp = new SkiaSharp.SKBitmap(1, 1);
        bmp.SetPixel(0, 0, SkiaSharp.SKColors.Red);
        using var data = SkiaSharp.SKImage.FromBitmap(bmp).Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
    public override string ToString() => "png thing";
}

[Collection("NotebookRunner")] // the Formatter and Console.Out are process-wide: one run at a time
public class NotebookRunnerTests
{
    static NotebookDocument Make(params (string type, string source, string[] tags)[] cells)
    {
        var nb = NotebookDocument.CreateCSharp();
        foreach (var (type, source, tags) in cells) nb.AddCell(type, source, tags);
        return nb;
    }

    static (string, string, string[]) Code(string s, params string[] tags) => ("code", s, tags);
    static (string, string, string[]) Md(string s) => ("markdown", s, []);

    static JsonObject Data(NotebookCell cell, int output) => (JsonObject)cell.Outputs[output]!["data"]!;
    static string Text(JsonNode? n) => NotebookText.FromLines(n);

    [Fact]
    public void Cells_share_one_state_and_capture_display_console_and_last_value()
    {
        var nb = Make(
            Md("# Title"),
            Code("#r \"nuget: Notebooks.Weights, *-*\"\n// #i \"nuget: /some/local/path\"\nvar x = 20;"),
            Code("Console.WriteLine(\"hello\");\ndisplay(x + 1);\nx * 2"),
            Code("new { Name = \"a\", Count = 3 }.Display();\n\"text value\""),
            Code("int Twice(int v) => 2 * v;\nvar y = Twice(x);"));
        var result = NotebookRunner.Run(nb);
        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(4, result.CellsRun);
        var cells = nb.Cells;
        Assert.Empty(cells[1].Outputs);
        Assert.Equal(1, cells[1].ExecutionCount);

        var outs = cells[2].Outputs;
        Assert.Equal(3, outs.Count);
        Assert.Equal("stream", outs[0]!["output_type"]!.GetValue<string>());
        Assert.Equal("hello\n", Text(outs[0]!["text"]));
        Assert.Equal("display_data", outs[1]!["output_type"]!.GetValue<string>());
        Assert.Equal("21", Text(Data(cells[2], 1)["text/plain"]));
        Assert.Equal("execute_result", outs[2]!["output_type"]!.GetValue<string>());
        Assert.Equal(2, outs[2]!["execution_count"]!.GetValue<int>());
        Assert.Equal("40", Text(Data(cells[2], 2)["text/plain"]));

        // An object is formatted by the real HTML formatter (a table of its properties); a string is plain text only.
        var objHtml = Text(Data(cells[3], 0)["text/html"]);
        var table = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(objHtml).QuerySelectorAll("tbody tr")
            .Select(r => string.Join("=", r.QuerySelectorAll("td").Select(td => td.TextContent.Trim()))).ToList();
        Assert.Equal(["Name=a", "Count=3"], table);
        var str = Data(cells[3], 1);
        Assert.Equal("text value", Text(str["text/plain"]));
        Assert.Null(str["text/html"]);
        Assert.Empty(cells[4].Outputs);
    }

    [Fact]
    public void Values_with_ToPng_get_an_image_png_bundle_and_html_page_embeds_outputs()
    {
        var nb = Make(Md("Some **bold** <script>x</script> prose"),
            Code("display(new Notebooks.Weights.Tests.NotebookTests.PngThing(), \"image/png\");\nnew Notebooks.Weights.Tests.NotebookTests.PngThing()"),
            Code("HTML(\"<b id='raw'>raw</b>\")"),
            Code("\"<i>escaped</i>\""));
        var result = NotebookRunner.Run(nb);
        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(["image/png"], Data(nb.Cells[1], 0).Select(kv => kv.Key));  // display(value, mimeTypes) restricts the bundle
        var png = Convert.FromBase64String(Text(Data(nb.Cells[1], 1)["image/png"]));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        using (var bmp = SkiaSharp.SKBitmap.Decode(png)) Assert.Equal(SkiaSharp.SKColors.Red, bmp.GetPixel(0, 0));
        Assert.Equal("png thing", Text(Data(nb.Cells[1], 1)["text/plain"]));
        Assert.NotNull(Data(nb.Cells[1], 1)["text/html"]);
        Assert.Equal("<b id='raw'>raw</b>", Text(Data(nb.Cells[2], 0)["text/html"]));

        var page = NotebookHtml.Render(nb, "t<1>");
        var doc = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(page);
        Assert.Equal("t<1>", doc.Title);
        Assert.Equal("bold", doc.QuerySelector("strong")!.TextContent);
        Assert.Null(doc.QuerySelector("script"));            // markdown HTML is escaped
        Assert.NotNull(doc.QuerySelector("b#raw"));          // text/html output is inline
        Assert.Null(doc.QuerySelector("i"));                 // text/plain output is escaped
        Assert.Contains("<i>escaped</i>", doc.Body!.TextContent);
        Assert.StartsWith("data:image/png;base64,", doc.QuerySelector("img")?.GetAttribute("src") ?? "");
    }

    [Fact]
    public void Failing_cell_stops_the_run_with_its_number_and_error_and_later_cells_do_not_run()
    {
        var nb = Make(Code("var a = 1;"), Md("text"), Code("throw new InvalidOperationException(\"boom\");"), Code("Console.WriteLine(\"never\");"));
        var result = NotebookRunner.Run(nb);
        Assert.False(result.Succeeded);
        Assert.Equal(3, result.Error!.CellNumber);
        Assert.Equal("cell 3: InvalidOperationException: boom", result.Error.Message);
        var err = nb.Cells[2].Outputs.Single()!;
        Assert.Equal("error", err["output_type"]!.GetValue<string>());
        Assert.Equal("InvalidOperationException", err["ename"]!.GetValue<string>());
        Assert.Empty(nb.Cells[3].Outputs);
        Assert.Null(nb.Cells[3].ExecutionCount);

        var compile = Make(Code("var a = 1;\n\nint b = \"no\";"));
        var r2 = NotebookRunner.Run(compile);
        Assert.StartsWith("cell 1: does not compile: (3,9): error CS0029", r2.Error!.Message);
    }

    [Fact]
    public void Unknown_packages_and_other_languages_are_errors_that_name_them()
    {
        var r = NotebookRunner.Run(Make(Code("#r \"nuget: Newtonsoft.Json, 13.0.1\"\nvar a = 1;")));
        Assert.Equal(1, r.Error!.CellNumber);
        Assert.Contains("package 'Newtonsoft.Json' is not available", r.Error.Message);
        Assert.StartsWith("cell 1, line 1:", r.Error.Message);

        var fs = Make(Code("let x = 1"));
        fs.Cells[0].Metadata["polyglot_notebook"] = new JsonObject { ["kernelName"] = "fsharp" };
        Assert.Contains("the cell's language is 'fsharp'", NotebookRunner.Run(fs).Error!.Message);

        var magic = NotebookRunner.Run(Make(Code("#!pwsh\nGet-Date")));
        Assert.Contains("magic command '#!pwsh' is not supported", magic.Error!.Message);

        // #!markdown cells and markdown-language cells are prose, not code.
        var md = Make(Code("#!markdown\n# heading"), Code("1 + 1"));
        Assert.True(NotebookRunner.Run(md).Succeeded);
        Assert.Null(md.Cells[0].ExecutionCount);
        Assert.Equal(1, md.Cells[1].ExecutionCount);
    }

    [Fact]
    public void Params_override_the_parameters_cell_with_typed_injected_assignments()
    {
        var nb = Make(Code("var modelName = \"default\";\nint[] units = { 1, 2 };\ndouble scale = 0.5;\nbool fast = false;", "parameters"),
            Code("$\"{modelName}|{string.Join(\",\", units)}|{scale}|{fast}\""));
        var result = NotebookRunner.Run(nb, new NotebookRunOptions
        {
            Parameters = [new("modelName", "incep\"tion"), new("units", "110, 180,214"), new("scale", "2.5"), new("fast", "true")],
        });
        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(3, nb.Cells.Count);
        Assert.Equal(["injected-parameters"], nb.Cells[1].Tags);
        Assert.Contains("units = new int[] { 110, 180, 214 };", nb.Cells[1].Source);
        Assert.Equal("incep\"tion|110,180,214|2.5|True", Text(Data(nb.Cells[2], 0)["text/plain"]));

        // Running again replaces the previous injected cell instead of stacking another.
        Assert.True(NotebookRunner.Run(nb, new NotebookRunOptions { Parameters = [new("scale", "1")] }).Succeeded);
        Assert.Equal(3, nb.Cells.Count);
        Assert.Equal("default|1,2|1|False", Text(Data(nb.Cells[2], 0)["text/plain"]));

        var bad = Assert.Throws<ArgumentException>(() => NotebookRunner.Run(Make(Code("var units = 3;", "parameters")),
            new NotebookRunOptions { Parameters = [new("unit", "4")] }));
        Assert.Contains("declares no variable 'unit'", bad.Message);
        Assert.Contains("nearest: units", bad.Message);
        var badType = Assert.Throws<ArgumentException>(() => NotebookRunner.Run(Make(Code("var units = 3;", "parameters")),
            new NotebookRunOptions { Parameters = [new("units", "three")] }));
        Assert.Contains("--param units: expected an integer (the parameters cell declares int units), got 'three'", badType.Message);
        Assert.Throws<ArgumentException>(() => NotebookRunner.Run(Make(Code("var units = 3;")),
            new NotebookRunOptions { Parameters = [new("units", "4")] }));
    }

    [Fact]
    public void Saved_notebook_is_valid_nbformat_4_and_round_trips()
    {
        var nb = Make(Md("# T"), Code("display(1);\n2"));
        Assert.True(NotebookRunner.Run(nb).Succeeded);
        var json = JsonNode.Parse(nb.ToJson())!.AsObject();
        Assert.Equal(4, json["nbformat"]!.GetValue<int>());
        Assert.True(json["nbformat_minor"]!.GetValue<int>() >= 4);
        Assert.NotNull(json["metadata"]!["kernelspec"]);
        foreach (var c in json["cells"]!.AsArray().Select(c => c!.AsObject()))
        {
            foreach (var key in new[] { "cell_type", "metadata", "source", "id" }) Assert.True(c.ContainsKey(key), key);
            if (c["cell_type"]!.GetValue<string>() != "code") { Assert.False(c.ContainsKey("outputs")); continue; }
            Assert.True(c.ContainsKey("execution_count"));
            foreach (var o in c["outputs"]!.AsArray().Select(o => o!.AsObject()))
            {
                var type = o["output_type"]!.GetValue<string>();
                Assert.Contains(type, new[] { "display_data", "execute_result", "stream", "error" });
                if (type is "display_data" or "execute_result") { Assert.NotNull(o["data"]); Assert.NotNull(o["metadata"]); }
                if (type == "execute_result") Assert.NotNull(o["execution_count"]);
            }
        }
        var again = NotebookDocument.Parse(nb.ToJson());
        Assert.Equal(nb.ToJson(), again.ToJson());

        Assert.Contains("expected nbformat 4, got nbformat 3", Assert.Throws<InvalidDataException>(() => NotebookDocument.Parse("{\"nbformat\":3,\"cells\":[]}", "x.ipynb")).Message);
        Assert.Contains("x.ipynb: not valid JSON", Assert.Throws<InvalidDataException>(() => NotebookDocument.Parse("{\"nbformat\":4,", "x.ipynb")).Message);
    }

    [Fact]
    public void Verb_writes_outputs_and_html_and_exits_1_with_the_failing_cell()
    {
        var dir = Directory.CreateTempSubdirectory("nbrun");
        try
        {
            var path = Path.Combine(dir.FullName, "t.ipynb");
            Make(Code("var n = 2;", "parameters"), Code("n * 10")).Save(path);
            var html = Path.Combine(dir.FullName, "t.html");
            var o = new StringWriter(); var e = new StringWriter();
            Assert.Equal(0, CliHost.Run(["notebook", "run", path, "--param", "n=4", "--html", html, "--save-outputs", "--quiet"], o, e));
            var saved = NotebookDocument.Load(path);
            Assert.Equal("40", Text(((JsonObject)saved.Cells[2].Outputs[0]!["data"]!)["text/plain"]));
            Assert.Contains("40", File.ReadAllText(html));

            Make(Code("var n = 2;"), Code("n / 0")).Save(path);
            e = new StringWriter();
            Assert.Equal(1, CliHost.Run(["notebook", "run", path, "--quiet"], o, e));
            Assert.Contains("t.ipynb: cell 2: DivideByZeroException", e.ToString());
        }
        finally { dir.Delete(true); }
    }
}
