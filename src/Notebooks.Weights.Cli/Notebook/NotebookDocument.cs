using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Notebooks.Weights.Cli.Notebook;

/// <summary>
/// A Jupyter notebook (nbformat 4) held as its JSON tree, so metadata and fields this tool does not know survive a
/// load/save round trip. <see cref="Cells"/> are views over the tree; editing them edits the document.
/// </summary>
public sealed class NotebookDocument
{
    readonly JsonObject _root;

    /// <summary>The notebook's cells in order.</summary>
    public IReadOnlyList<NotebookCell> Cells => Array().Select((c, i) => new NotebookCell((JsonObject)c!, i + 1)).ToList();

    /// <summary>The notebook-level metadata object.</summary>
    public JsonObject Metadata => (JsonObject)_root["metadata"]!;

    NotebookDocument(JsonObject root) => _root = root;

    /// <summary>Parses notebook JSON; <paramref name="source"/> names the input in errors.</summary>
    public static NotebookDocument Parse(string json, string source = "notebook")
    {
        JsonNode? node;
        try { node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true }); }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON at line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}: {e.Message}");
        }
        if (node is not JsonObject root) throw new InvalidDataException($"{source}: expected a JSON object (nbformat 4 notebook), got {node?.GetValueKind().ToString() ?? "null"}");
        var major = root["nbformat"] is JsonValue v && v.TryGetValue<int>(out var m) ? m : -1;
        if (major != 4)
            throw new InvalidDataException($"{source}: expected nbformat 4, got {(major < 0 ? "no 'nbformat' number" : $"nbformat {major}")}");
        if (root["cells"] is not JsonArray cells) throw new InvalidDataException($"{source}: missing the 'cells' array");
        root["metadata"] ??= new JsonObject();
        root["nbformat_minor"] ??= 5;
        for (int i = 0; i < cells.Count; i++)
        {
            if (cells[i] is not JsonObject c) throw new InvalidDataException($"{source}: cell {i + 1} is not a JSON object");
            var type = c["cell_type"]?.GetValue<string>();
            if (type is not ("code" or "markdown" or "raw"))
                throw new InvalidDataException($"{source}: cell {i + 1} has cell_type '{type ?? "(missing)"}'; expected code, markdown or raw");
            if (c["source"] is not (JsonArray or JsonValue)) throw new InvalidDataException($"{source}: cell {i + 1} has no 'source'");
            c["metadata"] ??= new JsonObject();
        }
        return new NotebookDocument(root);
    }

    /// <summary>Reads a notebook file.</summary>
    public static NotebookDocument Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"notebook '{path}' does not exist", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>A new empty C# notebook with the Polyglot Notebooks (VS Code) metadata.</summary>
    public static NotebookDocument CreateCSharp() => new(new JsonObject
    {
        ["cells"] = new JsonArray(),
        ["metadata"] = new JsonObject
        {
            ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
            ["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" },
            ["polyglot_notebook"] = new JsonObject
            {
                ["kernelInfo"] = new JsonObject
                {
                    ["defaultKernelName"] = "csharp",
                    ["items"] = new JsonArray(new JsonObject { ["aliases"] = new JsonArray(), ["name"] = "csharp" }),
                },
            },
        },
        ["nbformat"] = 4,
        ["nbformat_minor"] = 5,
    });

    /// <summary>Appends a cell; <paramref name="tags"/> go to <c>metadata.tags</c>.</summary>
    public NotebookCell AddCell(string cellType, string source, params string[] tags) => InsertCell(Array().Count, cellType, source, tags);

    /// <summary>Inserts a cell at a 0-based position.</summary>
    public NotebookCell InsertCell(int index, string cellType, string source, params string[] tags)
    {
        var meta = new JsonObject();
        if (cellType == "code")
            meta["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" };
        if (tags.Length > 0) meta["tags"] = new JsonArray(tags.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray());
        var cell = new JsonObject
        {
            ["cell_type"] = cellType,
            ["id"] = Guid.NewGuid().ToString("N")[..12],
            ["metadata"] = meta,
            ["source"] = NotebookText.ToLines(source),
        };
        if (cellType == "code") { cell["execution_count"] = null; cell["outputs"] = new JsonArray(); }
        Array().Insert(index, cell);
        return new NotebookCell(cell, index + 1);
    }

    /// <summary>Removes the cell at a 0-based position.</summary>
    public void RemoveCell(int index) => Array().RemoveAt(index);

    /// <summary>
    /// The language of the notebook's untagged code cells: the Polyglot default kernel name, else the kernelspec
    /// language, else "csharp" (lower-case; "C#" and ".net-csharp" count as "csharp").
    /// </summary>
    public string DefaultLanguage
    {
        get
        {
            var poly = Metadata["polyglot_notebook"]?["kernelInfo"]?["defaultKernelName"]?.GetValue<string>();
            if (poly != null) return NotebookText.NormalizeLanguage(poly);
            var spec = Metadata["kernelspec"]?["language"]?.GetValue<string>() ?? Metadata["kernelspec"]?["name"]?.GetValue<string>();
            return spec != null ? NotebookText.NormalizeLanguage(spec) : "csharp";
        }
    }

    /// <summary>Serializes as Jupyter does (indent 1, sorted as written, trailing newline).</summary>
    public string ToJson()
    {
        var json = _root.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true,
            IndentSize = 1,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
        return json + "\n";
    }

    /// <summary>Writes the notebook (UTF-8, no BOM).</summary>
    public void Save(string path) => File.WriteAllText(path, ToJson(), new UTF8Encoding(false));

    JsonArray Array() => (JsonArray)_root["cells"]!;
}

/// <summary>One cell: a view over its JSON object.</summary>
public sealed class NotebookCell
{
    internal JsonObject Json { get; }

    /// <summary>1-based position in the notebook (what error messages call "cell N").</summary>
    public int Number { get; }
    /// <summary>"code", "markdown" or "raw".</summary>
    public string CellType => Json["cell_type"]!.GetValue<string>();
    /// <summary>The cell's text (source lines joined).</summary>
    public string Source => NotebookText.FromLines(Json["source"]);
    /// <summary>The cell's metadata object.</summary>
    public JsonObject Metadata => (JsonObject)Json["metadata"]!;
    /// <summary>Tags from <c>metadata.tags</c>.</summary>
    public IReadOnlyList<string> Tags =>
        Metadata["tags"] is JsonArray a ? a.Select(t => t?.GetValue<string>() ?? "").ToList() : [];
    /// <summary>The execution count of a code cell that ran, else null.</summary>
    public int? ExecutionCount => Json["execution_count"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : null;
    /// <summary>Outputs of a code cell (empty for other cells).</summary>
    public JsonArray Outputs => Json["outputs"] as JsonArray ?? [];

    internal NotebookCell(JsonObject json, int number) { Json = json; Number = number; }

    /// <summary>
    /// The cell's kernel language from <c>metadata.polyglot_notebook.kernelName</c> or the older
    /// <c>metadata.dotnet_interactive.language</c>, or null when the cell does not say.
    /// </summary>
    public string? Language =>
        (Metadata["polyglot_notebook"]?["kernelName"] ?? Metadata["dotnet_interactive"]?["language"])?.GetValue<string>() is { } s
            ? NotebookText.NormalizeLanguage(s) : null;

    /// <summary>Replaces the outputs and execution count of a code cell.</summary>
    public void SetOutputs(IEnumerable<JsonObject> outputs, int? executionCount)
    {
        Json["outputs"] = new JsonArray(outputs.Cast<JsonNode?>().ToArray());
        Json["execution_count"] = executionCount;
    }
}

/// <summary>nbformat multi-line string helpers.</summary>
public static class NotebookText
{
    /// <summary>Joins an nbformat multiline string (a string or an array of lines).</summary>
    public static string FromLines(JsonNode? node) => node switch
    {
        JsonArray a => string.Concat(a.Select(l => l?.GetValue<string>() ?? "")),
        JsonValue v => v.GetValue<string>(),
        _ => "",
    };

    /// <summary>Splits text into Jupyter's array-of-lines form (every line but the last keeps its '\n').</summary>
    public static JsonArray ToLines(string text)
    {
        var result = new JsonArray();
        int start = 0;
        text = text.Replace("\r\n", "\n");
        while (start < text.Length)
        {
            int nl = text.IndexOf('\n', start);
            int end = nl < 0 ? text.Length : nl + 1;
            result.Add(text[start..end]);
            start = end;
        }
        return result;
    }

    /// <summary>Maps kernel names to lower-case language names ("C#", ".net-csharp" → "csharp").</summary>
    public static string NormalizeLanguage(string s) => s.Trim().ToLowerInvariant() switch
    {
        "c#" or "csharp" or ".net-csharp" or "cs" => "csharp",
        "f#" or "fsharp" or ".net-fsharp" => "fsharp",
        "powershell" or "pwsh" or ".net-pwsh" => "pwsh",
        var other => other,
    };
}
