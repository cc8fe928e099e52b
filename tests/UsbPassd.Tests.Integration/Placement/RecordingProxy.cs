using System.Collections.Concurrent;
using System.Net;

namespace UsbPassd.Tests.Integration.Placement;

/// <summary>
/// Stands between the daemon and the real Placement on another loopback port: forwards every
/// request as is and writes down what was asked (to count requests per device), and lets a test act
/// just before a request goes through (<see cref="Before"/>: change a provider behind the daemon's
/// back for a real 409) or answer instead of Placement (<see cref="Answer"/>: an old microversion).
/// </summary>
public sealed class RecordingProxy : LoopbackHttpServer
{
    // Connection: close upstream: a forwarded PUT into a connection Placement had closed would fail, and .NET resends only GETs.
    private readonly HttpClient _upstream = new() { Timeout = TimeSpan.FromSeconds(30), DefaultRequestHeaders = { ConnectionClose = true } };
    private readonly string _target;

    public RecordingProxy(string target)
    {
        _target = target;
        Listen();
    }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Every request, in order; <see cref="Seen.At"/> is when Placement's answer came (Stopwatch ticks).</summary>
    public ConcurrentQueue<Seen> Requests { get; } = new();

    public sealed record Seen(string Method, string Path, string Body, int Status, string? Token, string Answer = "", long At = 0);

    /// <summary>Runs before a request is forwarded (method, path); may act on Placement directly.</summary>
    public Func<string, string, Task>? Before { get; set; }

    /// <summary>Forward without the X-Auth-Token header (Placement then answers 401 itself).</summary>
    public bool StripToken { get; set; }

    /// <summary>When it returns (status, body) for (method, path, token), that is the answer and Placement is not asked.</summary>
    public Func<string, string, string?, (int Status, string Body)?>? Answer { get; set; }

    protected override void Dispose(bool disposing)
    {
        _upstream.Dispose();
        base.Dispose(disposing);
    }

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        HttpListenerRequest request = context.Request;
        string path = request.RawUrl ?? "/";
        string body = await new StreamReader(request.InputStream).ReadToEndAsync();
        int status;
        byte[] answer;
        string? contentType = "application/json";
        if (Answer?.Invoke(request.HttpMethod, path, request.Headers["X-Auth-Token"]) is (int s, string b))
        {
            (status, answer) = (s, System.Text.Encoding.UTF8.GetBytes(b));
        }
        else
        {
            if (Before is not null)
            {
                await Before(request.HttpMethod, path);
            }

            using var forward = new HttpRequestMessage(new HttpMethod(request.HttpMethod), _target + path);
            foreach (string name in new[] { "X-Auth-Token", "OpenStack-API-Version", "Accept" })
            {
                if (request.Headers[name] is string value && !(StripToken && name == "X-Auth-Token"))
                {
                    forward.Headers.TryAddWithoutValidation(name, value);
                }
            }

            if (request.HasEntityBody || body.Length > 0)
            {
                forward.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            }

            try
            {
                using HttpResponseMessage r = await _upstream.SendAsync(forward);
                status = (int)r.StatusCode;
                answer = await r.Content.ReadAsByteArrayAsync();
                contentType = r.Content.Headers.ContentType?.ToString();
            }
            catch (HttpRequestException e)
            {
                (status, answer) = (502, System.Text.Encoding.UTF8.GetBytes(e.Message));
            }
        }

        Requests.Enqueue(new Seen(request.HttpMethod, path, body, status, request.Headers["X-Auth-Token"], System.Text.Encoding.UTF8.GetString(answer), System.Diagnostics.Stopwatch.GetTimestamp()));
        context.Response.StatusCode = status;
        if (contentType is not null)
        {
            context.Response.ContentType = contentType;
        }

        if (status != 204 && answer.Length > 0)
        {
            await context.Response.OutputStream.WriteAsync(answer);
        }

        context.Response.Close();
    }
}
