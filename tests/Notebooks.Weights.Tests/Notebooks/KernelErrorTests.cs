using Microsoft.DotNet.Interactive.Documents;
using Notebooks.Weights.Cli;
using Notebooks.Weights.Cli.Notebook;
using static Notebooks.Weights.Tests.NotebookTests.KernelTestSupport;

namespace Notebooks.Weights.Tests.NotebookTests;

/// <summary>A failing cell: its number, its source line and the kernel's message; the cells before
/// it keep their outputs.</summary>
[Collection("NotebookRunner")]
public class KernelErrorTests
{
    [Fact]
    public async Task Compile_error_names_the_cell_its_source_line_and_the_compiler_message_and_keeps_earlier_outputs()
    {
        var doc = Notebook(
            "Console.WriteLine(\"before\");\n6 * 7",
            null,
            "// a comment\nvar x = 1;\nvar y = undefinedName + x;",
            "Console.WriteLine(\"never\");"
        );
        var result = await Task.Run(() => NotebookRunner.RunAsync(doc));
        var e = Assert.IsType<NotebookCellException>(result.Error);
        Assert.Equal(3, e.CellNumber);
        Assert.Equal(3, e.Line);
        Assert.Equal("var y = undefinedName + x;", e.SourceLine);
        Assert.Equal(
            "error CS0103: The name 'undefinedName' does not exist in the current context",
            e.Error
        );
        Assert.Equal(
            "cell 3, line 3 `var y = undefinedName + x;`: error CS0103: The name 'undefinedName' does not exist in the current context",
            e.Message
        );
        // Cell 1 ran with the kernel's outputs; cell 3 holds the error; cell 4 did not run.
        var first = doc.Elements[0].Outputs;
        Assert.Equal("before\n", Assert.IsType<TextElement>(first[0]).Text.Replace("\r\n", "\n"));
        Assert.Contains("42", Html(first[1]));
        Assert.Contains(
            "CS0103",
            Assert.IsType<ErrorElement>(Assert.Single(doc.Elements[2].Outputs)).ErrorValue
        );
        Assert.Empty(doc.Elements[3].Outputs);
        Assert.Equal(0, doc.Elements[3].ExecutionOrder);
        Assert.Equal(2, result.CellsRun);
    }

    [Fact]
    public void Runtime_error_names_the_cell_and_the_exception_and_the_verb_exits_1_writing_earlier_outputs()
    {
        var dir = Directory.CreateTempSubdirectory("nb-error");
        try
        {
            var path = Path.Combine(dir.FullName, "bad.ipynb");
            var doc = Notebook(
                "var answer = 6 * 7;\nanswer",
                "int[] a = new int[1];\nvar b = a[3];",
                "answer + 1"
            );
            NotebookRunner.Save(doc, path);
            var outPath = Path.Combine(dir.FullName, "out.ipynb");
            var o = new StringWriter();
            var e = new StringWriter();
            Assert.Equal(
                1,
                CliHost.Run(["notebook", "run", path, "--out", outPath, "--quiet"], o, e)
            );
            Assert.Contains("bad.ipynb: cell 2", e.ToString());
            Assert.Contains(
                "System.IndexOutOfRangeException: Index was outside the bounds of the array.",
                e.ToString()
            );
            var saved = NotebookRunner.Load(outPath);
            Assert.Contains("42", Html(Assert.Single(saved.Elements[0].Outputs)));
            Assert.IsType<ErrorElement>(Assert.Single(saved.Elements[1].Outputs));
            Assert.Empty(saved.Elements[2].Outputs);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public async Task Parameters_are_injected_after_the_parameters_cell_with_the_declared_types()
    {
        var doc = Notebook(
            "var name = \"x\";\nint steps = 3;\ndouble[] rates = { 1 };",
            "$\"{name}:{steps}:{string.Join(',', rates)}\""
        );
        doc.Elements[0].Metadata = new Dictionary<string, object>
        {
            ["tags"] = new object[] { NotebookParameters.ParametersTag },
        };
        var result = await Task.Run(() =>
            NotebookRunner.RunAsync(
                doc,
                new NotebookRunOptions
                {
                    Parameters =
                    [
                        new("steps", "12"),
                        new("name", "a \"b\""),
                        new("rates", "0.5,2"),
                    ],
                }
            )
        );
        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(3, doc.Elements.Count);
        Assert.Equal([NotebookParameters.InjectedTag], NotebookRunner.Tags(doc.Elements[1]));
        Assert.Equal(
            "a \"b\":12:0.5,2",
            NotebookHtml.DataText(Data(doc.Elements[2].Outputs.Single())!, "text/plain")
        );
        var other = Notebook("int steps = 3;");
        other.Elements[0].Metadata = new Dictionary<string, object>
        {
            ["tags"] = new object[] { NotebookParameters.ParametersTag },
        };
        var bad = await Assert.ThrowsAsync<ArgumentException>(() =>
            Task.Run(() =>
                NotebookRunner.RunAsync(
                    other,
                    new NotebookRunOptions { Parameters = [new("step", "4")] }
                )
            )
        );
        Assert.Contains("declares no variable 'step'", bad.Message);
        Assert.Contains("nearest: steps", bad.Message);
    }
}
