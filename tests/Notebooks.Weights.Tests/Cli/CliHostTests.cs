using System.CommandLine;
using Notebooks.Weights.Cli;

namespace Notebooks.Weights.Tests.Cli;

/// <summary>The tool's command line itself (System.CommandLine): version, unknown verbs, flags,
/// shared validators, messages, output folders.</summary>
public sealed class CliHostTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("nw-cli-host-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void VersionPrintsTheAssemblyVersion()
    {
        var (code, o, _) = CliRun.Run("--version");
        Assert.Equal(0, code);
        var expected = typeof(CliHost)
            .Assembly.GetCustomAttributes(
                typeof(System.Reflection.AssemblyInformationalVersionAttribute),
                false
            )
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>()
            .Single()
            .InformationalVersion;
        Assert.Equal(expected, o.Trim());
    }

    [Theory]
    [InlineData(new[] { "help", "frobnicate" }, "unknown command 'frobnicate'")]
    [InlineData(new[] { "layrs" }, "nearest commands: layers")]
    [InlineData(new[] { "bench", "expnd" }, "nearest commands: expand")]
    public void UnknownCommandsFailWithASuggestion(string[] args, string message)
    {
        var (code, _, e) = CliRun.Run(args);
        Assert.Equal(2, code);
        Assert.Contains(message, e);
    }

    [Fact]
    public void HelpOfAVerbListsItsOptions()
    {
        var (code, o, _) = CliRun.Run("help", "bench", "expand");
        Assert.Equal(0, code);
        Assert.Contains("--width", o);
        Assert.Contains("--chunk", o);
    }

    [Fact]
    public void FlagsTakeNoValue()
    {
        // --no-pre-relu used to swallow the next token; now "12" is a stray argument.
        var (code, _, e) = CliRun.Run(
            "featurevis",
            "--model",
            "default",
            "--layer",
            "conv2d0",
            "--units",
            "0",
            "--out",
            _dir,
            "--no-pre-relu",
            "12"
        );
        Assert.Equal(2, code);
        Assert.Contains("unexpected argument '12'", e);
    }

    [Theory]
    [InlineData(
        "expand",
        "--model",
        "default",
        "--from",
        "conv2d0",
        "--to",
        "conv2d1",
        "--out",
        "x.npy",
        "--width",
        "0"
    )]
    [InlineData(
        "render",
        "--model",
        "default",
        "--from",
        "conv2d0",
        "--to",
        "conv2d1",
        "--unit",
        "0",
        "--out",
        "x.html",
        "--width",
        "0"
    )]
    [InlineData("top", "--model", "default", "--layer", "conv2d1", "--unit", "0", "--width", "0")]
    public void WidthIsValidatedTheSameEverywhere(params string[] args)
    {
        var (code, _, e) = CliRun.Run(args);
        Assert.Equal(2, code);
        Assert.Contains("option --width: expected a positive width, got '0'", e);
    }

    [Fact]
    public void EveryOptionAndArgumentHasAHelpDescription()
    {
        var missing = new List<string>();
        int options = 0;
        void Walk(Command c, string path)
        {
            foreach (var o in c.Options)
            {
                options++;
                if (string.IsNullOrWhiteSpace(o.Description))
                    missing.Add($"{path} {o.Name}");
            }
            foreach (var a in c.Arguments)
                if (string.IsNullOrWhiteSpace(a.Description))
                    missing.Add($"{path} <{a.Name}>");
            foreach (var s in c.Subcommands)
                Walk(s, $"{path} {s.Name}");
        }
        Walk(CliHost.RootCommand(), "weights");
        Assert.True(
            options > 100,
            $"only {options} options found: the walk does not reach the verbs"
        );
        Assert.True(
            missing.Count == 0,
            "options without a description: " + string.Join(", ", missing)
        );
    }

    [Fact]
    public void HelpNamesTheToolWeightsPlainly()
    {
        foreach (
            var (args, usage) in new[]
            {
                (new[] { "--help" }, "weights [command] [options]"),
                (["param", "--help"], "weights param [options]"),
            }
        )
        {
            var (code, o, _) = CliRun.Run(args);
            Assert.Equal(0, code);
            Assert.DoesNotContain('\u2060', o);
            Assert.Equal(usage, HelpSection(o, "Usage:")[0].Trim());
        }
    }

    [Fact]
    public void RootHelpListsOneSummaryLinePerCommandAndAVerbsHelpAddsItsNotes()
    {
        var (code, root, _) = CliRun.Run(["--help"]);
        Assert.Equal(0, code);
        var commands = HelpSection(root, "Commands:");
        var verbs = CliHost.Verbs.Select(v => v.Name.Split(' ')[0]).Distinct().ToList();
        Assert.Equal(verbs.Count, commands.Count); // one line each: no notes under the summaries
        var expand = CliHost.Verbs.Single(v => v.Name == "expand");
        var (code2, help, _) = CliRun.Run(["help", "expand"]);
        Assert.Equal(0, code2);
        var notes = HelpSection(help, "Notes:");
        Assert.Equal(
            expand.Notes.Split('\n').Select(l => l.TrimEnd()),
            notes.Select(l => l.TrimEnd())
        );
    }

    /// <summary>The lines of a help section ("Usage:", "Commands:"), up to the next blank
    /// line.</summary>
    static List<string> HelpSection(string help, string title) =>
        help.Split('\n')
            .SkipWhile(l => l.TrimEnd() != title)
            .Skip(1)
            .TakeWhile(l => l.Trim().Length > 0)
            .ToList();

    [Fact]
    public void TheFormerVerbWeightsStillRunsParamWithADeprecationNote()
    {
        var npy = Path.Combine(_dir, "old.npy");
        var (code, o, e) = CliRun.Run(
            "weights",
            "--model",
            "default",
            "--name",
            "conv2d0_w",
            "--out",
            npy
        );
        Assert.True(code == 0, e);
        Assert.Equal(
            "weights weights: deprecated name, use 'weights param' (the old name will be removed).",
            e.TrimEnd()
        );
        Assert.Contains("OIHW [out, in, kH, kW]", o);
        Assert.True(File.Exists(npy));
        var commands = HelpSection(CliRun.Run("--help").Out, "Commands:")
            .Where(l => l[2] != ' ')
            .Select(l => l.Trim().Split(' ')[0])
            .ToList(); // not the notes under each
        Assert.Contains("param", commands);
        Assert.DoesNotContain("weights", commands); // hidden: not listed as a command
        var (code2, help2, e2) = CliRun.Run("help", "weights");
        Assert.Equal(0, code2);
        Assert.Contains("weights param [options]", help2);
        Assert.Contains("deprecated", e2);
    }

    [Fact]
    public void UnknownOptionsSuggestTheNearest()
    {
        var (code, _, e) = CliRun.Run("layers", "--modle", "default");
        Assert.Equal(2, code);
        Assert.Contains("unknown option --modle (did you mean --model?)", e);
        Assert.DoesNotContain("unexpected argument", e);
    }

    [Fact]
    public void PortIsRangeChecked()
    {
        var (code, _, e) = CliRun.Run(
            "explore",
            "--model",
            "default",
            "--serve",
            "--port",
            "70000"
        );
        Assert.Equal(2, code);
        Assert.Contains("option --port: expected a port number 0..65535, got '70000'", e);
    }

    [Fact]
    public void MessagesDropTheParameterSuffix()
    {
        Assert.Equal(
            "unit 9 is out of range",
            CliHost.Message(new ArgumentOutOfRangeException("unit", "unit 9 is out of range"))
        );
        var (code, _, e) = CliRun.Run(
            "render",
            "--model",
            "default",
            "--from",
            "conv2d0",
            "--to",
            "conv2d1",
            "--unit",
            "999",
            "--out",
            Path.Combine(_dir, "r.html")
        );
        Assert.Equal(1, code);
        Assert.Contains("unit 999 is out of range", e);
        Assert.DoesNotContain("(Parameter", e);
    }

    [Fact]
    public void OutputFoldersAreCreatedAndFilesInTheWayRefused()
    {
        var npy = Path.Combine(_dir, "new", "w.npy");
        var (code, _, e) = CliRun.Run(
            "param",
            "--model",
            "default",
            "--name",
            "conv2d0_w",
            "--out",
            npy
        );
        Assert.True(code == 0, e);
        Assert.True(File.Exists(npy));

        var file = Path.Combine(_dir, "plain.txt");
        File.WriteAllText(file, "x");
        var (code2, _, e2) = CliRun.Run(
            "featurevis",
            "--model",
            "default",
            "--layer",
            "conv2d0",
            "--units",
            "0",
            "--steps",
            "1",
            "--size",
            "16",
            "--no-cache",
            "--out",
            file
        );
        Assert.Equal(1, code2);
        Assert.Contains("is a file, not a folder", e2);
        var (code3, _, e3) = CliRun.Run(
            "expand",
            "--model",
            "default",
            "--from",
            "conv2d0",
            "--to",
            "conv2d1",
            "--out",
            Path.Combine(file, "w.npy")
        );
        Assert.Equal(1, code3);
        Assert.Contains("is a file, not a folder", e3);
    }
}
