using System.Globalization;
using Microsoft.Playwright;
using Notebooks.Weights.Cli.Explorer;
using Notebooks.Weights.Explorer;
using Notebooks.Weights.Models.Default;

namespace Notebooks.Weights.Tests.Explorer;

/// <summary>The explorer in a real browser (Debian chromium via Playwright): the static site from
/// disk and the served site.</summary>
[Collection("explorer")]
public sealed class ExplorerBrowserTests(ExplorerSiteFixture site)
    : IClassFixture<ExplorerSiteFixture>
{
    [Fact]
    public async Task StaticSite_IndexToLayerToUnitToStrongestInputAndBack()
    {
        await using var b = await BrowserSession.StartAsync();
        await Walk(
            b,
            new Uri(Path.Combine(site.SiteDir, ExplorerPaths.Index)).AbsoluteUri,
            interactions: false
        );
        Assert.Empty(b.ConsoleErrors);
        // Static pages name every picture in src (they work without JavaScript).
        var layerPage = File.ReadAllText(
            Path.Combine(site.SiteDir, ExplorerPaths.LayerPage("conv2d1"))
        );
        Assert.Contains("src=\"img/fv/conv2d1_0.png\"", layerPage);
        Assert.DoesNotContain("data-queue-src", layerPage);
    }

    [Fact]
    public async Task ServedSite_PagesAppearAndPicturesFillIn()
    {
        var cache = Path.Combine(site.Root, "served-" + Guid.NewGuid().ToString("N")[..8]);
        using var model = Notebooks.Weights.Models.Default.DefaultModel.Load();
        using var explorer = ExplorerSite.Create(model, site.Options);
        explorer.Served = true;
        await using (var server = await ExplorerServer.StartAsync(explorer, cache, 0))
        {
            Assert.StartsWith("http://127.0.0.1:", server.Url);
            // Lazy: listening (and the warm-up index request) prepared no layer.
            Assert.All(explorer.Plan.Candidates, l =>
                Assert.False(
                    explorer.IsPrepared(l.Name),
                    $"{l.Name} was prepared before any page asked for it"
                )
            );
            await using var b = await BrowserSession.StartAsync();
            // The index's statistics fill in from api/layer, and equal the ones of the static site
            // (prepared up front).
            await b.Page.GotoAsync(server.Url);
            await b.Page.WaitForFunctionAsync(
                "() => document.querySelectorAll('tr[data-pending]').length === 0",
                null,
                new() { Timeout = 60_000 }
            );
            var norms = await b.Page.Locator("td.norms").AllInnerTextsAsync();
            var banding = await b.Page.Locator("td.banding").AllInnerTextsAsync();
            var staticIndex = File.ReadAllText(Path.Combine(site.SiteDir, ExplorerPaths.Index));
            Assert.Equal(2, norms.Count);
            foreach (var text in norms.Concat(banding))
                Assert.Contains($">{text}<", staticIndex);
            await Walk(b, server.Url, interactions: true);
            Assert.Empty(b.ConsoleErrors);
            // The pages asked for the pictures that cost an optimization at most two at a time.
            Assert.InRange(b.MaxOptimizedInFlight, 1, 2);
            Assert.True(
                server.Queue.Rendered > 0,
                "the served pictures were rendered by the render queue"
            );
            // Rendered pictures are cached on disk: every picture of a visited unit page is now a
            // file.
            Assert.True(File.Exists(Path.Combine(cache, "img/fv/conv2d1_0.png")));
        }
    }

    [Fact]
    public async Task ServedSite_ColdUnitPageAnswersAtOnceAndItsWeightsFillIn()
    {
        var cache = Path.Combine(site.Root, "served-cold-" + Guid.NewGuid().ToString("N")[..8]);
        using var model = Notebooks.Weights.Models.Default.DefaultModel.Load();
        using var explorer = ExplorerSite.Create(model, site.Options);
        explorer.Served = true;
        await using var server = await ExplorerServer.StartAsync(explorer, cache, 0);
        var unitPage = ExplorerPaths.UnitPage("conv2d1", 0);
        // The browser's request is the first of a unit page of an unprepared layer: the page
        // without the parts that need the layer's data (placeholders instead), i.e. rendered
        // without waiting for the layer's preparation (which the server starts as it answers).
        await using var b = await BrowserSession.StartAsync();
        var response = await b.Page.GotoAsync(server.Url + unitPage);
        var html = await response!.TextAsync();
        Assert.Contains("data-queue-src=\"img/fv/conv2d1_0.png\"", html);
        Assert.DoesNotContain(" src=\"img/fv/", html);
        Assert.Contains("data-deferred=\"facts\"", html);
        Assert.Contains("data-src=\"api/unit?layer=conv2d1&amp;unit=0\"", html);
        Assert.DoesNotContain("class=\"inputs\"", html);
        Assert.DoesNotContain("img/nmf/", html);
        // The deferred parts fill in (api/unit) ...
        await b.Page.WaitForFunctionAsync(
            "() => document.querySelectorAll('[data-deferred]').length === 0 && document.querySelector('section.inputs .card')",
            null,
            new() { Timeout = 60_000 }
        );
        Assert.True(explorer.IsPrepared("conv2d1"));
        // ... their pictures load, their links resolve ...
        await b.CheckPageAsync();
        Assert.True(await b.Page.Locator(".facts .nmf img").CountAsync() >= 2);
        Assert.Equal(1, await b.Page.Locator("section.spatial img").CountAsync());
        // Its feature visualizations, spatial-position views and interaction cards were asked for
        // at most two at a time (the server holds each request while it renders).
        Assert.InRange(b.MaxOptimizedInFlight, 1, 2);
        // ... and they say what the static site's page (prepared up front) says.
        var staticPage = File.ReadAllText(Path.Combine(site.SiteDir, unitPage));
        var labels = await b.Page.Locator("section.inputs .card .label").AllInnerTextsAsync();
        var norms = await b.Page.Locator("section.inputs .card .norm").AllInnerTextsAsync();
        Assert.Equal(4, labels.Count);
        foreach (var text in labels.Concat(norms))
            Assert.Contains($">{text}<", staticPage);
        var facts = await b.Page.Locator("dl.unit-data dd").AllInnerTextsAsync();
        Assert.NotEmpty(facts);
        foreach (var text in facts)
            Assert.Contains($"<dd>{text}</dd>", staticPage);
        Assert.Empty(b.ConsoleErrors);
    }

    [Fact]
    public async Task ServedSite_ColdLayerPageAnswersAtOnceAndItsSectionsFillIn()
    {
        var cache = Path.Combine(
            site.Root,
            "served-cold-layer-" + Guid.NewGuid().ToString("N")[..8]
        );
        using var model = Notebooks.Weights.Models.Default.DefaultModel.Load();
        using var explorer = ExplorerSite.Create(model, site.Options);
        explorer.Served = true;
        await using var server = await ExplorerServer.StartAsync(explorer, cache, 0);
        var layerPage = ExplorerPaths.LayerPage("conv2d1");
        // The browser's request is the first of the page of an unprepared layer: every unit's card
        // (link, label, feature visualization) with placeholders for what needs the layer's data.
        // That data (banding, histogram statistics, NMF pictures) is absent, so the page was
        // rendered before the layer's preparation completed (which the server starts as it
        // answers, on its render queue, ahead of the pictures).
        Assert.False(explorer.IsPrepared("conv2d1"));
        await using var b = await BrowserSession.StartAsync();
        var response = await b.Page.GotoAsync(server.Url + layerPage);
        var html = await response!.TextAsync();
        Assert.Contains("data-src=\"api/layer-page?layer=conv2d1\"", html);
        Assert.Contains("data-deferred=\"figures\"", html);
        for (int u = 0; u < 32; u++)
        {
            Assert.Contains($"href=\"{ExplorerPaths.UnitPage("conv2d1", u)}\"", html);
            Assert.Contains($"data-queue-src=\"img/fv/conv2d1_{u}.png\"", html);
        }
        // Their URLs are in data-queue-src: the page script asks for them at most two at a time.
        Assert.DoesNotContain(" src=\"img/fv/", html);
        Assert.Equal(32, html.Split("data-deferred=\"nmf\"").Length - 1);
        Assert.DoesNotContain("img/nmf/", html);
        Assert.DoesNotContain("img/layer/", html);
        Assert.DoesNotContain("Banding:", html);
        Assert.DoesNotContain("Weight histogram:", html);
        // The sections fill in (api/layer-page), every picture loads (the feature visualizations
        // through the render queue), the links resolve ...
        await b.CheckPageAsync();
        Assert.True(explorer.IsPrepared("conv2d1"));
        Assert.Equal(32, await b.Page.Locator(".cards a.card img.w").CountAsync());
        Assert.Equal(32, await b.Page.Locator(".cards a.card img.fv").CountAsync());
        Assert.Equal(1, await b.Page.Locator("img.mosaic").CountAsync());
        Assert.Equal(1, await b.Page.Locator("img.hist").CountAsync());
        // The 32 feature visualizations were asked for at most two at a time.
        Assert.True(
            b.OptimizedRequests >= 32,
            $"{b.OptimizedRequests} feature visualization requests"
        );
        Assert.InRange(b.MaxOptimizedInFlight, 1, 2);
        // ... and they say what the static site's page (prepared up front) says.
        var staticPage = File.ReadAllText(Path.Combine(site.SiteDir, layerPage));
        var lede = await b.Page.Locator("p.lede").InnerHTMLAsync();
        Assert.Contains("Banding:", lede);
        Assert.Contains($">{lede}<", staticPage);
        foreach (var caption in await b.Page.Locator("figcaption").AllInnerTextsAsync())
            Assert.Contains($">{caption}<", staticPage);
        Assert.Empty(b.ConsoleErrors);
    }

    static async Task Walk(BrowserSession b, string indexUrl, bool interactions)
    {
        var page = b.Page;
        await page.GotoAsync(indexUrl);
        await b.CheckPageAsync();
        Assert.Equal(2, await page.Locator("a.layer-link").CountAsync());

        await page.Locator("a.layer-link", new() { HasText = "conv2d1" }).ClickAsync();
        await page.WaitForURLAsync("**/layer-conv2d1.html");
        await b.CheckPageAsync();
        Assert.Equal(32, await page.Locator(".cards a.card").CountAsync());

        await page.Locator(".cards a.card").First.ClickAsync();
        await page.WaitForURLAsync("**/conv2d1_0.html");
        await b.CheckPageAsync();
        Assert.Contains("conv2d1", await page.Locator("h1").InnerTextAsync());

        // Strongest inputs are sorted by decreasing norm; the first one links to its conv2d0 page.
        var norms = (await page.Locator("section.inputs .card .norm").AllInnerTextsAsync())
            .Select(t => double.Parse(t.Replace("‖w‖", "").Trim(), CultureInfo.InvariantCulture))
            .ToList();
        Assert.Equal(4, norms.Count);
        Assert.Equal(norms.OrderByDescending(n => n), norms);
        var strongest = page.Locator("section.inputs a.card").First;
        var label = await strongest.Locator(".label").InnerTextAsync();
        Assert.StartsWith("conv2d0:", label);
        // The interaction panel (served; static only with --interactions): the card of the
        // strongest input -> this unit, its picture loaded (CheckPageAsync waited for every image).
        var panel = page.Locator("section.interaction img");
        Assert.Equal(interactions ? 1 : 0, await panel.CountAsync());
        if (interactions)
        {
            Assert.Equal(
                $"img/interaction/conv2d1_0_{label["conv2d0:".Length..]}.png",
                await panel.GetAttributeAsync("data-queue-src")
            );
            Assert.True(await panel.EvaluateAsync<int>("i => i.naturalWidth") > 0);
        }
        // The spatial-position views (served; static only with --spatial): a grid of 5×5 cells of
        // 32 px + 1 px rule each, drawn at 3× (96 / 32).
        var spatial = page.Locator("section.spatial img");
        Assert.Equal(interactions ? 1 : 0, await spatial.CountAsync());
        if (interactions)
        {
            Assert.Equal(
                "img/spatial/conv2d1_0.png",
                await spatial.GetAttributeAsync("data-queue-src")
            );
            Assert.Equal(5 * 33 * 3, await spatial.EvaluateAsync<int>("i => i.naturalWidth"));
        }
        await strongest.ClickAsync();
        await page.WaitForURLAsync($"**/conv2d0_{label["conv2d0:".Length..]}.html");
        await b.CheckPageAsync();
        await page.GoBackAsync();
        await page.WaitForURLAsync("**/conv2d1_0.html");

        // Keyboard navigation: → next unit, ↑ the layer.
        await KeysReady(page);
        await page.Locator("body").PressAsync("ArrowRight"); // focuses the page first (after Back, focus may be elsewhere)
        await page.WaitForURLAsync("**/conv2d1_1.html");
        await KeysReady(page);
        await page.Locator("body").PressAsync("ArrowUp");
        await page.WaitForURLAsync("**/layer-conv2d1.html");
    }

    // The page's script marks <html data-keys="on"> once its arrow-key handler is attached (a key
    // pressed before that, e.g. right after going back on a loaded machine, would be lost).
    static Task KeysReady(IPage page) =>
        page.WaitForSelectorAsync(
            "html[data-keys=on]",
            new() { State = WaitForSelectorState.Attached }
        );
}
