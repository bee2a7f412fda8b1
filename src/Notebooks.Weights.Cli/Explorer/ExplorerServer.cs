using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Notebooks.Weights.Explorer;

namespace Notebooks.Weights.Cli.Explorer;

/// <summary>
/// Serves an <see cref="ExplorerSite"/> from ASP.NET Core's Kestrel on 127.0.0.1 only, listening at
/// once: pages are rendered per request (a layer's data is computed on its first page, picture or
/// index statistics request, once; a unit or layer page of a layer not prepared yet answers at
/// once and its script fills in the parts that need the data from <c>api/unit</c> or
/// <c>api/layer-page</c>), pictures come from <see cref="ExplorerRenderQueue"/> (on disk when
/// already rendered, else rendered in the order of <see cref="ExplorerRenderOrder"/>: asked-for
/// ones first, i.e. the visible ones of lazily loading pages). A picture not ready within
/// <see cref="PictureWait"/> answers 503 with Retry-After; the page script asks again.
/// </summary>
public sealed class ExplorerServer : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly ExplorerRenderQueue _queue;
    readonly ExplorerSite _site;

    /// <summary>How long a picture request waits for its render before answering 503.</summary>
    public static TimeSpan PictureWait { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>The address served, e.g. <c>http://127.0.0.1:5123/</c>.</summary>
    public string Url { get; }

    /// <summary>
    /// Cancelled when the host stops on its own: its console lifetime handles SIGTERM (and
    /// SIGINT/SIGQUIT) by stopping the application, so a caller waiting for Ctrl+C must also wait
    /// for this.
    /// </summary>
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    /// <summary>The render queue (for counts).</summary>
    public ExplorerRenderQueue Queue => _queue;

    ExplorerServer(WebApplication app, ExplorerRenderQueue queue, ExplorerSite site, string url)
    {
        _app = app;
        _queue = queue;
        _site = site;
        Url = url;
    }

    /// <summary>
    /// Starts serving <paramref name="site"/> (layers are prepared lazily) with pictures cached in
    /// <paramref name="folder"/> on
    /// 127.0.0.1:<paramref name="port"/> (0: any free port). A port in use throws
    /// <see cref="IOException"/> saying so.
    /// </summary>
    public static async Task<ExplorerServer> StartAsync(ExplorerSite site, string folder, int port)
    {
        if (port is < 0 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(port), port, "port must be 0..65535");
        var queue = new ExplorerRenderQueue(site, folder);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var layers = site.Plan.Candidates.Select(l => l.Name).ToList();

        app.MapPost("/api/queue", async (HttpContext ctx) =>
        {
            var paths = await JsonSerializer.DeserializeAsync<string[]>(
                ctx.Request.Body,
                cancellationToken: ctx.RequestAborted
            ) ?? [];
            var assets = paths
                .Select(p => ExplorerPaths.ParseAsset(p.Split('?')[0], layers))
                .OfType<ExplorerAsset>()
                .ToList();
            queue.Announce(assets);
            return Results.Json(new { queued = assets.Count });
        });
        // The index's statistics of one layer, computing its data on first need (api/layer?name=L).
        app.MapGet("/api/layer", async (string? name) =>
        {
            if (
                name is null
                || site.Plan.Layers.FirstOrDefault(l => l.Name == name) is not { } layer
            )
                return Results.NotFound($"'{name}' is not a layer of this explorer.");
            return await ComputedJson(() =>
            {
                var (banding, norms) = ExplorerPages.LayerSummary(site, layer);
                return new
                {
                    layer = name,
                    banding,
                    norms,
                };
            });
        });
        // The parts of a layer page that need its data (api/layer-page?layer=L), computing it on
        // first need: a served layer page of a layer not prepared yet answers at once without them,
        // and its script fills them in from here.
        app.MapGet("/api/layer-page", async (string? layer) =>
        {
            if (layer is null || !site.Plan.Layers.Any(l => l.Name == layer))
                return Results.NotFound(
                    $"'{layer}' is not a layer page of this explorer (api/layer-page?layer=L)."
                );
            return await ComputedJson(() =>
                ExplorerPages.LayerParts(site, layer) is var (lede, figures, nmf)
                    ? new
                    {
                        layer,
                        lede,
                        figures,
                        nmf,
                    }
                    : null
            );
        });
        // The parts of a unit page that need its layer's data (api/unit?layer=L&unit=U), computing
        // that data on first need: a served unit page of a layer not prepared yet answers at once
        // without them, and its script fills them in from here.
        app.MapGet("/api/unit", async (string? layer, int? unit) =>
        {
            if (layer is null || unit is not { } u || !site.HasPage(layer, u))
                return Results.NotFound(
                    $"'{layer}:{unit}' is not a unit page of this explorer (api/unit?layer=L&unit=U)."
                );
            return await ComputedJson(() =>
                ExplorerPages.UnitParts(site, layer, u) is var (facts, sections)
                    ? new
                    {
                        layer,
                        unit = u,
                        facts,
                        sections,
                    }
                    : null
            );
        });
        app.MapGet("/{**path}", async (HttpContext ctx, string? path) =>
        {
            path ??= "";
            if (path == ExplorerPaths.Style)
                return Results.Text(ExplorerResources.Css, "text/css; charset=utf-8");
            if (path == ExplorerPaths.Script)
                return Results.Text(ExplorerResources.Js, "text/javascript; charset=utf-8");
            if (path.StartsWith("img/", StringComparison.Ordinal))
            {
                var asset = ExplorerPaths.ParseAsset(path, layers);
                if (asset is null)
                    return Results.NotFound();
                var render = queue.Request(asset);
                var first = await Task.WhenAny(render, Task.Delay(PictureWait, ctx.RequestAborted));
                if (first != render)
                {
                    ctx.Response.Headers.RetryAfter = "1";
                    return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
                }
                try
                {
                    return Results.File(await render, "image/png");
                }
                catch (Exception e)
                    when (e is ArgumentException or InvalidOperationException or IOException)
                {
                    return Results.Problem(
                        e.Message,
                        statusCode: StatusCodes.Status500InternalServerError
                    );
                }
            }
            // Served pages of a layer not prepared yet answer without its data (placeholders); a
            // page that still computes something runs off the request thread.
            var page = await Task.Run(() => ExplorerPages.Render(site, path));
            if (page is null)
                return Results.NotFound();
            // Its placeholders' data is computed from now on, ahead of its pictures, and with it
            // the quick pictures they will show (asked for now, so ahead of every feature
            // visualization; the first of them to render prepares the layer).
            foreach (var layer in page.Awaits)
                _ = queue.Prepare(layer);
            foreach (var a in page.Deferred.Reverse())
                _ = queue.Request(a);
            return Results.Content(page.Html, "text/html; charset=utf-8");
        });

        try
        {
            await app.StartAsync();
        }
        catch (IOException e)
        {
            queue.Dispose();
            await app.DisposeAsync();
            throw new IOException(
                $"Port {port} on 127.0.0.1 is already in use ({e.Message}); pick another with --port P (or --port 0 for any free port).",
                e
            );
        }
        var address = app
            .Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!
            .Addresses.First();
        var url = address.TrimEnd('/') + "/";
        // Warm-up: the first request JIT-compiles Kestrel's and the pages' code (0.4–0.6 s on
        // ResNet18 under load); one index request here keeps that off the user's first page. The
        // served index needs no layer data (its statistics fill in from api/layer), so this does
        // not wait for any layer to be prepared.
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) })
            try
            {
                using var _ = await http.GetAsync(url + ExplorerPaths.Index);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            { /* only a warm-up: the server is up either way */
            }
        // The layer pages' code too, in-process (a request would start preparing that layer): a
        // served layer page of a layer not prepared yet needs no layer data either.
        if (site.Served && !site.IsPrepared(site.Plan.Layers[0].Name))
            _ = ExplorerPages.Layer(site, site.Plan.Layers[0]);
        return new ExplorerServer(app, queue, site, url);
    }

    /// <summary>An api answer computed off the request thread: its JSON, 404 when there is
    /// nothing to answer (null), 500 with the message when the computation refused.</summary>
    static async Task<IResult> ComputedJson(Func<object?> compute)
    {
        try
        {
            return await Task.Run(compute) is { } body ? Results.Json(body) : Results.NotFound();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    /// <summary>Stops listening, then the render queue.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _queue.Dispose();
    }
}
