using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Notebooks.Weights.Tests.Explorer;

/// <summary>
/// <c>weights explore --serve</c> as its own process: it listens without preparing layers first,
/// and SIGTERM (what <c>kill</c>, systemd and container runtimes send) stops it cleanly like
/// Ctrl+C: exit code 0 and its "stopped" line.
/// </summary>
[Collection("explorer")]
public sealed class ExplorerServeProcessTests
{
    [Fact]
    public async Task Serve_SigtermStopsCleanly()
    {
        var cli = Path.Combine(
            Path.GetDirectoryName(typeof(Notebooks.Weights.Cli.CliHost).Assembly.Location)!,
            "weights.dll"
        );
        var root = Directory.CreateTempSubdirectory("explorer-sigterm-").FullName;
        var psi = new ProcessStartInfo(
            "dotnet",
            [
                cli,
                "explore",
                "--model",
                "default",
                "--serve",
                "--port",
                "0",
                "--layers",
                "conv2d1",
                "--feature-vis-steps",
                "2",
                "--feature-vis-size",
                "32",
                "--out",
                Path.Combine(root, "cache"),
                "--cache",
                Path.Combine(root, "fv"),
            ]
        )
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            var serving = await ReadLineAsync(
                p,
                l => l.StartsWith("serving", StringComparison.Ordinal),
                TimeSpan.FromSeconds(120)
            );
            var url = Regex.Match(serving, @"http://127\.0\.0\.1:\d+/").Value;
            Assert.NotEmpty(url);
            using (var http = new HttpClient())
                Assert.Contains("conv2d1", await http.GetStringAsync(url + "layer-conv2d1.html"));

            using (
                var kill = Process.Start(
                    "kill",
                    ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]
                )
            )
                kill.WaitForExit();
            var stopped = await ReadLineAsync(
                p,
                l => l.StartsWith("stopped", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30)
            );
            Assert.True(p.WaitForExit(30_000), "the server did not exit within 30 s of SIGTERM");
            Assert.True(p.ExitCode == 0, $"exit code {p.ExitCode} after SIGTERM: {await stderr}");
            Assert.StartsWith("stopped", stopped);
            using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await Assert.ThrowsAsync<HttpRequestException>(() => probe.GetAsync(url));
        }
        finally
        {
            if (!p.HasExited)
                p.Kill(entireProcessTree: true);
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException) { }
        }
    }

    static async Task<string> ReadLineAsync(Process p, Func<string, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var seen = new List<string>();
        while (true)
        {
            var line = await p.StandardOutput.ReadLineAsync(cts.Token)
                ?? throw new InvalidOperationException(
                    $"weights explore ended (stdout: {string.Join(" | ", seen)})"
                );
            if (match(line))
                return line;
            seen.Add(line);
        }
    }
}
