using System.Net;

namespace UsbPassd.Tests.Integration.Placement;

/// <summary>
/// An HTTP server of the tests' own on a free loopback port, answering one request at a time (as
/// Placement's wsgiref server does). A request whose handling throws is answered 500 and kept in
/// <see cref="Faults"/>: it must not end the loop, or every later request would wait unanswered until
/// the daemon's 30 s timeout, again and again, and a test would only see its wait run out.
/// </summary>
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

    /// <summary>What went wrong handling a request (a test hook that threw, a client that went away).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Faults { get; } = new();

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

            try
            {
                await HandleAsync(context);
            }
            catch (Exception e)
            {
                Faults.Enqueue($"{context.Request.HttpMethod} {context.Request.RawUrl}: {e}");
                try
                {
                    context.Response.StatusCode = 500;
                    context.Response.Close();
                }
                catch (Exception e2) when (e2 is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    // the client went away, or the answer had begun: nothing more to say to it
                }
            }
        }
    }
}
