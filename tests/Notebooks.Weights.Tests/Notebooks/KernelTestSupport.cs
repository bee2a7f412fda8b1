using System.Diagnostics;
using AngleSharp.Html.Parser;
using Microsoft.DotNet.Interactive.Documents;
using Notebooks.Weights.Cli.Notebook;

namespace Notebooks.Weights.Tests.NotebookTests;

/// <summary>The kernel tests share process-wide state (the kernel's Formatter, the working
/// directory): one at a time.</summary>
[CollectionDefinition("NotebookRunner", DisableParallelization = true)]
public sealed class NotebookRunnerCollection;

/// <summary>
/// What the kernel tests need: the repository, the local pack (scripts/pack --no-build, once per
/// test run, exactly what the README tells users to run) and helpers to read the kernel's outputs.
/// </summary>
static class KernelTestSupport
{
    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Notebooks.Weights.sln")))
            dir = dir.Parent;
        return dir?.FullName
            ?? throw new InvalidOperationException(
                "repository root (Notebooks.Weights.sln) not found above "
                    + AppContext.BaseDirectory
            );
    }

    internal static string NotebooksFolder => Path.Combine(RepoRoot(), "notebooks");

    internal static string NotebookPath(string name) => Path.Combine(NotebooksFolder, name);

    internal static string PackagesFolder => Path.Combine(RepoRoot(), "artifacts", "packages");

    static readonly Lazy<string> Packed = new(() =>
    {
        var (code, output) = Run(
            Path.Combine(RepoRoot(), "scripts", "pack"),
            ["--no-build"],
            RepoRoot(),
            TimeSpan.FromMinutes(5)
        );
        Assert.True(code == 0, $"scripts/pack --no-build failed ({code}):\n{output}");
        return output;
    });

    /// <summary>Packs this build into artifacts/packages (once per test run).</summary>
    internal static void EnsurePacked() => _ = Packed.Value;

    internal static (int ExitCode, string Output) Run(
        string file,
        string[] args,
        string workingDirectory,
        TimeSpan timeout
    )
    {
        var psi = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(true);
            Assert.Fail($"{file} {string.Join(" ", args)} did not finish within {timeout}");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Runs a notebook file in the real kernel, in its own folder (as VS Code and the CLI
    /// do).</summary>
    internal static NotebookRunResult RunNotebook(
        string path,
        params KeyValuePair<string, string>[] parameters
    )
    {
        EnsurePacked();
        var doc = NotebookRunner.Load(path);
        return Task.Run(() =>
                NotebookRunner.RunAsync(
                    doc,
                    new NotebookRunOptions
                    {
                        Parameters = parameters,
                        WorkingDirectory = Path.GetDirectoryName(path),
                    }
                )
            )
            .GetAwaiter()
            .GetResult();
    }

    /// <summary>A notebook of C# cells (a markdown cell for every null).</summary>
    internal static InteractiveDocument Notebook(params string?[] cells) =>
        new(
            cells
                .Select(c =>
                    c is null
                        ? new InteractiveDocumentElement("Some prose.", "markdown")
                        : new InteractiveDocumentElement(c, KernelHost.CSharp)
                )
                .ToList()
        );

    /// <summary>The package cell every notebook starts with.</summary>
    internal const string PackageCell = "#!import ../artifacts/packages/use-local-build.dib";

    /// <summary>The mime bundle of a display or return value output, else null.</summary>
    internal static IDictionary<string, object>? Data(InteractiveDocumentOutputElement o) =>
        o switch
        {
            DisplayElement d => d.Data,
            ReturnValueElement r => r.Data,
            _ => null,
        };

    internal static string? Html(InteractiveDocumentOutputElement o) =>
        Data(o) is { } d ? NotebookHtml.DataText(d, "text/html") : null;

    /// <summary>Every data-URI PNG in an HTML fragment, decoded.</summary>
    internal static List<SkiaSharp.SKBitmap> Pictures(string html)
    {
        const string prefix = "data:image/png;base64,";
        var doc = new HtmlParser().ParseDocument(html);
        var list = new List<SkiaSharp.SKBitmap>();
        foreach (var img in doc.QuerySelectorAll("img"))
        {
            var src = img.GetAttribute("src") ?? "";
            Assert.StartsWith(prefix, src);
            var bmp = SkiaSharp.SKBitmap.Decode(Convert.FromBase64String(src[prefix.Length..]));
            Assert.True(
                bmp is not null,
                $"undecodable picture in {img.OuterHtml[..Math.Min(120, img.OuterHtml.Length)]}"
            );
            list.Add(bmp);
        }
        return list;
    }
}
