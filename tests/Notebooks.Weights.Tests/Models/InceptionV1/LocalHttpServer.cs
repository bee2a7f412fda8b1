using System.Net;
using System.Net.Sockets;

namespace Notebooks.Weights.Tests.Models.InceptionV1;

/// <summary>A file server on 127.0.0.1 (random free port) for download tests: serves the given
/// paths, 404 otherwise, and counts requests.</summary>
sealed class LocalHttpServer : IDisposable
{
    readonly HttpListener _listener = new();
    readonly Dictionary<string, byte[]> _files;
    readonly Task _loop;
    public List<string> Requests { get; } = [];
    public string BaseUrl { get; }

    public LocalHttpServer(Dictionary<string, byte[]> files)
    {
        _files = files;
        int port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}/mirror";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(Serve);
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception)
            {
                return;
            }
            var path = ctx.Request.Url!.AbsolutePath;
            lock (Requests)
                Requests.Add(path);
            if (_files.TryGetValue(path, out var body))
            {
                ctx.Response.StatusCode = 200;
                ctx.Response.ContentLength64 = body.Length;
                await ctx.Response.OutputStream.WriteAsync(body);
            }
            else
                ctx.Response.StatusCode = 404;
            ctx.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException) { }
    }
}
