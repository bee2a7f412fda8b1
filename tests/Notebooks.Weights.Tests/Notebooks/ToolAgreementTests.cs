using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Notebooks.Weights.Cli.Notebook;
using static Notebooks.Weights.Tests.NotebookTests.KernelTestSupport;

namespace Notebooks.Weights.Tests.NotebookTests;

/// <summary>
/// The <c>dotnet-interactive</c> tool itself (1.0.712001, from the repository's tool manifest,
/// .config/dotnet-tools.json, restored by scripts/setup) driven over its <c>stdio</c> JSON
/// protocol: in a fresh process where nothing loaded TorchSharp before, either package first gives
/// working raw TorchSharp and HTML pictures, and every cell's outputs (MIME types and values) are
/// the ones <c>weights notebook run</c>'s in-process kernel produces for the same cells.
/// </summary>
[Collection("NotebookRunner")]
public partial class ToolAgreementTests
{
    /// <summary>A running <c>dotnet-interactive stdio</c>.</summary>
    sealed class StdioTool : IDisposable
    {
        readonly Process _process;
        int _token;

        public StdioTool(string workingDirectory)
        {
            var (code, output) = Run(
                "dotnet",
                ["tool", "restore"],
                RepoRoot(),
                TimeSpan.FromMinutes(5)
            );
            Assert.True(code == 0, $"dotnet tool restore failed:\n{output}");
            var psi = new ProcessStartInfo(
                "dotnet",
                [
                    "tool",
                    "run",
                    "dotnet-interactive",
                    "--",
                    "stdio",
                    "--default-kernel",
                    "csharp",
                    "--working-dir",
                    workingDirectory,
                ]
            )
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = RepoRoot(),
            };
            psi.Environment["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1";
            _process = Process.Start(psi)!;
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginErrorReadLine();
        }

        /// <summary>Submits one cell; returns its outputs as (kind, mime → value) in order, and the
        /// failure message if any.</summary>
        public (List<(string Kind, Dictionary<string, string> Data)> Outputs, string? Error) Submit(
            string code
        )
        {
            var token = $"t{++_token}";
            var envelope = new JsonObject
            {
                ["token"] = token,
                ["commandType"] = "SubmitCode",
                ["command"] = new JsonObject { ["code"] = code, ["targetKernelName"] = "csharp" },
            };
            _process.StandardInput.WriteLine(envelope.ToJsonString());
            _process.StandardInput.Flush();
            var outputs = new List<(string, Dictionary<string, string>)>();
            var byId = new Dictionary<string, int>();
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
            while (DateTime.UtcNow < deadline)
            {
                var line = _process.StandardOutput.ReadLine()
                    ?? throw new InvalidOperationException("dotnet-interactive exited");
                if (!line.StartsWith('{'))
                    continue; // the tool's welcome text
                var e = JsonNode.Parse(line)!.AsObject();
                var type = e["eventType"]?.GetValue<string>();
                var commandToken = e["command"]?["token"]?.GetValue<string>() ?? "";
                if (
                    commandToken != token
                    && !commandToken.StartsWith(token + ".", StringComparison.Ordinal)
                )
                    continue;
                var ev = e["event"]!.AsObject();
                Dictionary<string, string> Data() =>
                    ev["formattedValues"]!
                        .AsArray()
                        .ToDictionary(
                            f => f!["mimeType"]!.GetValue<string>(),
                            f => f!["value"]!.GetValue<string>()
                        );
                switch (type)
                {
                    case "ReturnValueProduced":
                        outputs.Add(("result", Data()));
                        break;
                    case "DisplayedValueProduced":
                        if (ev["valueId"]?.GetValue<string>() is { } id)
                            byId[id] = outputs.Count;
                        outputs.Add(("display", Data()));
                        break;
                    case "DisplayedValueUpdated"
                        when ev["valueId"]?.GetValue<string>() is { } uid
                            && byId.TryGetValue(uid, out var at):
                        outputs[at] = ("display", Data());
                        break;
                    case "StandardOutputValueProduced"
                        when outputs.Count > 0 && outputs[^1].Item1 == "stdout":
                        outputs[^1].Item2["text/plain"] += Data()["text/plain"];
                        break;
                    case "StandardOutputValueProduced":
                        outputs.Add(("stdout", Data()));
                        break;
                    case "CommandFailed" when commandToken == token:
                        return (outputs, ev["message"]!.GetValue<string>());
                    case "CommandSucceeded" when commandToken == token:
                        return (outputs, null);
                }
            }
            throw new TimeoutException($"no answer to {code}");
        }

        public void Dispose()
        {
            try
            {
                _process.StandardInput.Close();
                if (!_process.WaitForExit(5000))
                    _process.Kill(true);
            }
            finally
            {
                _process.Dispose();
            }
        }
    }

    /// <summary>The in-process host's outputs in the same form.</summary>
    static List<(string Kind, Dictionary<string, string> Data)> Form(
        Microsoft.DotNet.Interactive.Documents.InteractiveDocumentElement cell
    ) =>
        cell
            .Outputs.Select(o =>
                o switch
                {
                    Microsoft.DotNet.Interactive.Documents.ReturnValueElement r => (
                        "result",
                        r.Data.ToDictionary(k => k.Key, k => (string)k.Value)
                    ),
                    Microsoft.DotNet.Interactive.Documents.DisplayElement d => (
                        "display",
                        d.Data.ToDictionary(k => k.Key, k => (string)k.Value)
                    ),
                    Microsoft.DotNet.Interactive.Documents.TextElement t => (
                        "stdout",
                        new Dictionary<string, string> { ["text/plain"] = t.Text }
                    ),
                    _ => ("error", new Dictionary<string, string>()),
                }
            )
            .ToList();

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}")]
    private static partial Regex Guid();

    /// <summary>Outputs with per-render ids (chart element ids) blanked.</summary>
    static string Canonical(List<(string Kind, Dictionary<string, string> Data)> outputs) =>
        string.Join(
            "\n---\n",
            outputs.Select(o =>
                o.Kind
                + ": "
                + string.Join(
                    " | ",
                    o.Data.OrderBy(d => d.Key)
                        .Select(d =>
                            $"{d.Key}={Guid().Replace(d.Value.Replace("\r\n", "\n"), "GUID")}"
                        )
                )
            )
        );

    [Theory]
    [InlineData("#r \"nuget: Notebooks.Weights, *-*\"")]
    [InlineData(
        "#r \"nuget: Notebooks.Weights.Interactive, *-*\"\n#r \"nuget: Notebooks.Weights, *-*\""
    )]
    public async Task The_tool_runs_either_package_first_and_agrees_with_the_in_process_kernel(
        string packageLines
    )
    {
        EnsurePacked();
        string[] cells =
        [
            PackageOrderTests.Source(packageLines),
            .. PackageOrderTests.Checks,
            "Console.WriteLine(\"out\");\n\"text\"",
        ];
        var doc = Notebook(cells);
        var inProcess = await Task.Run(() =>
            NotebookRunner.RunAsync(
                doc,
                new NotebookRunOptions { WorkingDirectory = NotebooksFolder }
            )
        );
        Assert.True(inProcess.Succeeded, inProcess.Error?.Message);

        using var tool = new StdioTool(NotebooksFolder);
        var toolOutputs = new List<List<(string, Dictionary<string, string>)>>();
        foreach (var code in cells)
        {
            var (outputs, error) = tool.Submit(code);
            Assert.True(error is null, $"dotnet-interactive: {error}\n--- cell ---\n{code}");
            toolOutputs.Add(outputs);
        }
        PackageOrderTests.AssertChecks(
            toolOutputs.Skip(1).Take(4).Select(o => Assert.Single(o).Item2["text/html"]).ToList()
        );
        for (int i = 0; i < cells.Length; i++)
            Assert.Equal(Canonical(toolOutputs[i]), Canonical(Form(doc.Elements[i])));
    }
}
