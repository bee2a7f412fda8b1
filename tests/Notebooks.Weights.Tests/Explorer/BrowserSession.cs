using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Notebooks.Weights.Tests.Explorer;

/// <summary>
/// Debian's chromium driven by Microsoft.Playwright (its driver ships in the NuGet package; no
/// browser download): a page that records console errors and failed requests, and checks that every
/// picture loaded and every link resolves.
/// </summary>
sealed class BrowserSession : IAsyncDisposable
{
    public const string Chromium = "/usr/bin/chromium";
    readonly IPlaywright _pw;
    readonly IBrowser _browser;
    public IPage Page { get; }
    public List<string> ConsoleErrors { get; } = [];

    // Pictures that cost an optimization (feature visualizations but not the input swatches,
    // spatial-position views, interaction cards): a served page asks for at most two at a time.
    static readonly Regex Optimized = new(@"/img/(fv/(?!input_)|spatial/|interaction/)");
    readonly object _flightLock = new();
    int _inFlight;

    /// <summary>The most requests for pictures that cost an optimization the page had outstanding
    /// at once (counted from the browser's request / requestfinished / requestfailed
    /// events).</summary>
    public int MaxOptimizedInFlight { get; private set; }

    /// <summary>How many requests for pictures that cost an optimization the page sent.</summary>
    public int OptimizedRequests { get; private set; }
    static readonly HttpClient Http = new();

    BrowserSession(IPlaywright pw, IBrowser browser, IPage page)
    {
        _pw = pw;
        _browser = browser;
        Page = page;
    }

    public static async Task<BrowserSession> StartAsync()
    {
        if (!File.Exists(Chromium))
            throw new InvalidOperationException(
                $"{Chromium} is missing: run scripts/setup (apt-get install chromium) before the explorer browser tests."
            );
        var pw = await Playwright.CreateAsync();
        var browser = await pw.Chromium.LaunchAsync(
            new()
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu"],
            }
        );
        var page = await browser.NewPageAsync(
            new()
            {
                ViewportSize = new() { Width = 1200, Height = 1000 },
            }
        );
        var s = new BrowserSession(pw, browser, page);
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
                lock (s.ConsoleErrors)
                    s.ConsoleErrors.Add($"{page.Url}: {m.Text}");
        };
        page.Request += (_, r) =>
        {
            if (!Optimized.IsMatch(r.Url))
                return;
            lock (s._flightLock)
            {
                s.OptimizedRequests++;
                s.MaxOptimizedInFlight = Math.Max(s.MaxOptimizedInFlight, ++s._inFlight);
            }
        };
        void Ended(IRequest r)
        {
            if (Optimized.IsMatch(r.Url))
                lock (s._flightLock)
                    s._inFlight--;
        }
        page.RequestFinished += (_, r) => Ended(r);
        page.RequestFailed += (_, r) => Ended(r);
        page.PageError += (_, m) =>
        {
            lock (s.ConsoleErrors)
                s.ConsoleErrors.Add($"{page.Url}: page error {m}");
        };
        return s;
    }

    /// <summary>Waits until the served page's deferred parts (a unit page of a layer not prepared
    /// yet) have filled in and every image of the page has loaded with a real size, then checks
    /// every link target exists.</summary>
    public async Task CheckPageAsync(float timeoutMs = 60_000)
    {
        try
        {
            await Page.WaitForFunctionAsync(
                "() => document.querySelectorAll('[data-deferred]').length === 0",
                null,
                new() { Timeout = timeoutMs, PollingInterval = 200 }
            );
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{Page.Url}: its deferred parts did not fill in");
        }
        await Page.EvaluateAsync(
            "() => document.querySelectorAll('img').forEach(i => i.loading = 'eager')"
        );
        try
        {
            await Page.WaitForFunctionAsync(
                "() => Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)",
                null,
                new() { Timeout = timeoutMs, PollingInterval = 200 }
            );
        }
        catch (TimeoutException)
        {
            var broken = await Page.EvaluateAsync<string[]>(
                "() => Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'))"
            );
            Assert.Fail($"{Page.Url}: pictures did not load: {string.Join(", ", broken)}");
        }
        int images = await Page.EvaluateAsync<int>("() => document.images.length");
        Assert.True(images > 0, $"{Page.Url} shows no pictures");
        var hrefs = await Page.EvalOnSelectorAllAsync<string[]>(
            "a[href]",
            "as => as.map(a => a.href)"
        );
        Assert.NotEmpty(hrefs);
        foreach (var href in hrefs.Distinct())
        {
            var uri = new Uri(href);
            if (uri.IsFile)
                Assert.True(File.Exists(uri.LocalPath), $"{Page.Url}: broken link {href}");
            else
            {
                using var resp = await Http.GetAsync(uri);
                Assert.True(
                    resp.IsSuccessStatusCode,
                    $"{Page.Url}: broken link {href} ({(int)resp.StatusCode})"
                );
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        _pw.Dispose();
    }
}
