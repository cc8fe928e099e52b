using System.Net;

namespace UsbPassd.Tests.Integration.Placement;

/// <summary>An HTTP server of the tests' own on a free loopback port, answering one request at a time (as Placement's wsgiref server does).</summary>
public abstract class LoopbackHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private Task? _loop;

    protected LoopbackHttpServer()
    {
        Port = PlacementServer.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
    }

    public int Port { get; }

    /// <summary>Starts answering (from the subclass's constructor, once its fields are set).</summary>
    protected void Listen()
    {
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    protected abstract Task HandleAsync(HttpListenerContext context);

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _loop?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // the listener closed under the loop
        }

        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            await HandleAsync(context);
        }
    }
}
