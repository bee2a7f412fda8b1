using System.Text.RegularExpressions;
using Notebooks.Weights.Tests.NotebookTests;

namespace Notebooks.Weights.Tests.Docs;

/// <summary>
/// docs/architecture.md stays true: its folder table lists every folder of the library (and no
/// folder that does not exist), and every "start reading at" file is in that folder.
/// </summary>
public class ArchitectureDocTests
{
    static readonly string Root = KernelTestSupport.RepoRoot();
    static readonly string Library = Path.Combine(Root, "src", "Notebooks.Weights");

    static List<(string Folder, string[] Files)> TableRows() =>
        Regex
            .Matches(
                File.ReadAllText(Path.Combine(Root, "docs", "architecture.md")),
                @"^\| `(?<folder>[A-Za-z]+)/` \|[^\n]*\| (?<files>[^|\n]+) \|$",
                RegexOptions.Multiline
            )
            .Select(m =>
                (
                    m.Groups["folder"].Value,
                    Regex
                        .Matches(m.Groups["files"].Value, "`([^`]+)`")
                        .Select(f => f.Groups[1].Value)
                        .ToArray()
                )
            )
            .ToList();

    [Fact]
    public void The_folder_table_lists_exactly_the_library_folders()
    {
        var documented = TableRows()
            .Select(r => r.Folder)
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();
        var actual = Directory
            .GetDirectories(Library)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(d => d is not ("bin" or "obj"))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(actual, documented);
    }

    [Fact]
    public void Every_start_file_exists_in_its_folder()
    {
        foreach (var (folder, files) in TableRows())
        {
            Assert.NotEmpty(files);
            foreach (var file in files)
                Assert.True(
                    File.Exists(Path.Combine(Library, folder, file)),
                    $"docs/architecture.md: {folder}/{file} does not exist"
                );
        }
    }

    /// <summary>Test folders that test no single source folder: the docs, the fidelity sheet and
    /// the notebooks/ folder run in the kernel.</summary>
    static readonly string[] CrossCuttingTestFolders = ["Docs", "Fidelity", "Notebooks"];

    [Fact]
    public void Test_folders_mirror_the_source_folders()
    {
        var tests = Path.Combine(Root, "tests", "Notebooks.Weights.Tests");
        var sources = new[] { Library, Path.Combine(Root, "src", "Notebooks.Weights.Cli") };
        foreach (
            var dir in Directory
                .GetFiles(tests, "*.cs", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(tests, Path.GetDirectoryName(f)!))
                .Where(d => d != "." && !d.StartsWith("bin", StringComparison.Ordinal))
                .Where(d => !d.StartsWith("obj", StringComparison.Ordinal))
                .Distinct()
        )
            Assert.True(
                CrossCuttingTestFolders.Contains(dir)
                    || sources.Any(s => Directory.Exists(Path.Combine(s, dir))),
                $"tests/Notebooks.Weights.Tests/{dir} has no source folder of that name in "
                    + "src/Notebooks.Weights or src/Notebooks.Weights.Cli (tests mirror src)"
            );
    }
}
