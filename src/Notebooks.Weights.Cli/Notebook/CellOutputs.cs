using System.Text.Json.Nodes;

namespace Notebooks.Weights.Cli.Notebook;

/// <summary>The outputs one cell produces, in nbformat 4 form (stream, display_data, execute_result, error).</summary>
public sealed class CellOutputs
{
    readonly List<JsonObject> _outputs = [];
    readonly Func<string> _flushConsole;

    internal CellOutputs(Func<string> flushConsole) => _flushConsole = flushConsole;

    /// <summary>The outputs so far.</summary>
    public IReadOnlyList<JsonObject> Outputs { get { FlushConsole(); return _outputs; } }

    internal DisplayedValue Display(object? value, string[] mimeTypes)
    {
        FlushConsole();
        _outputs.Add(MimeBundles.DisplayData(value, mimeTypes));
        return new DisplayedValue(this, _outputs.Count - 1, mimeTypes);
    }

    internal void Replace(int index, object? value, string[] mimeTypes) => _outputs[index] = MimeBundles.DisplayData(value, mimeTypes);

    internal void Result(object value, int executionCount)
    {
        FlushConsole();
        var output = MimeBundles.DisplayData(value, []);
        output["output_type"] = "execute_result";
        output["execution_count"] = executionCount;
        _outputs.Add(output);
    }

    internal void Error(string name, string message)
    {
        FlushConsole();
        _outputs.Add(new JsonObject
        {
            ["output_type"] = "error",
            ["ename"] = name,
            ["evalue"] = message,
            ["traceback"] = new JsonArray(JsonValue.Create(message)),
        });
    }

    void FlushConsole()
    {
        var text = _flushConsole();
        if (text.Length == 0) return;
        if (_outputs.Count > 0 && _outputs[^1]["output_type"]?.GetValue<string>() == "stream")
        {
            var last = _outputs[^1];
            last["text"] = NotebookText.ToLines(NotebookText.FromLines(last["text"]) + text);
        }
        else _outputs.Add(new JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = NotebookText.ToLines(text) });
    }
}
