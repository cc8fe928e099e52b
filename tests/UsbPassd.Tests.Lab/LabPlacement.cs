using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using UsbPassd.Testing.Lab;
using UsbPassd.Tests.Integration.Placement;

namespace UsbPassd.Tests.Lab;

/// <summary>
/// A real OpenStack Placement for lab tests: the integration tier's <see cref="PlacementServer"/>
/// (Debian's python3-placement, SQLite, noauth2) on this machine's loopback, which the daemons in
/// the lab hosts reach at their own <see cref="Endpoint"/>, and the test itself reaches with plain
/// HTTP (<see cref="Server"/>: token admin, microversion 1.39 on every call).
/// <para>
/// The way there crosses no network: a lab host has one NIC, on QEMU's user network with
/// <c>restrict=on</c>, whose only exit is a <c>guestfwd</c> of <see cref="Port"/> to a unix socket in
/// the lab host's run folder (lab.sh's LAB_FORWARDS, <see cref="LabHost.ForwardSocket"/>), and l1.sh
/// listens on 127.0.0.1:<see cref="Port"/> in the lab host and relays to it. Here socat relays that
/// socket to <see cref="Front"/>, and it to Placement. Placement stays on this machine (fast, one for
/// several lab hosts, as a fleet has it) rather than in a TCG-emulated lab host; an <c>ssh -R</c>
/// would need an sshd and a network in the lab host, which has neither.
/// </para>
/// <para>
/// Why the HTTP/1.1 <see cref="Front"/> (the integration tier's <see cref="RecordingProxy"/>, as there):
/// Placement's wsgiref server answers HTTP/1.0 and closes, and .NET's client pools the connection
/// anyway; on loopback the close arrives with the answer, but through the relays and the emulated
/// lab host it comes some milliseconds later, and the daemon's next request is sent into the closing
/// connection: a GET is retried by .NET, a POST fails ("An error occurred while sending the request"),
/// so no provider is ever created. A keep-alive server in front keeps the connections honest.
/// </para>
/// </summary>
public sealed class LabPlacement : IAsyncDisposable
{
    /// <summary>The port the lab hosts' daemons find Placement on, on their own 127.0.0.1 (<see cref="LabFixture"/> boots with it forwarded).</summary>
    public const int Port = 8778;

    /// <summary>Placement's URL as the lab hosts see it: loopback, so usbpassd accepts plain http.</summary>
    public const string Endpoint = "http://127.0.0.1:8778";

    private readonly List<Process> _relays = [];

    private LabPlacement(PlacementServer server)
    {
        Server = server;
        Front = new RecordingProxy(server.Url);
    }

    /// <summary>The real Placement on this machine; <see cref="PlacementServer.Url"/> is where the test calls it.</summary>
    public PlacementServer Server { get; }

    /// <summary>What the lab hosts' daemons talk to: every request forwarded to <see cref="Server"/> and written down.</summary>
    public RecordingProxy Front { get; }

    /// <summary>Starts a Placement with an empty database, reachable from <paramref name="lab"/>'s host; stopped when the test ends.</summary>
    public static async Task<LabPlacement> StartAsync(LabScenario lab)
    {
        var placement = new LabPlacement(await Task.Run(() => new PlacementServer()));
        lab.Finally("stop Placement and its relays", () => placement.DisposeAsync().AsTask());
        await placement.ConnectAsync(lab.Host);
        lab.Output.WriteLine($"lab: Placement at {placement.Server.Url} on this machine, {Endpoint} in the lab host");
        return placement;
    }

    /// <summary>Makes this Placement the one behind <paramref name="host"/>'s 127.0.0.1:<see cref="Port"/> (another lab host, for a second hypervisor).</summary>
    public async Task ConnectAsync(LabHost host)
    {
        string socket = host.ForwardSocket(Port);
        File.Delete(socket);
        var psi = new ProcessStartInfo("socat", ["-lf", "/dev/null", $"UNIX-LISTEN:{socket},fork", $"TCP:127.0.0.1:{Front.Port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process relay = Process.Start(psi) ?? throw new LabException("cannot start socat");
        _relays.Add(relay);
        for (int i = 0; !File.Exists(socket); i++)
        {
            if (relay.HasExited || i == 100)
            {
                throw new LabException($"socat did not listen on {socket}: {await relay.StandardError.ReadToEndAsync()}");
            }

            await Task.Delay(50);
        }

        // From inside: the lab host's loopback port answers with Placement's version document.
        string root = await host.RunAsync($"curl -sf --max-time 20 {Endpoint}/");
        if (!root.Contains("\"max_version\"", StringComparison.Ordinal))
        {
            throw new LabException($"the lab host's {Endpoint} does not lead to Placement: {root}");
        }
    }

    /// <summary>
    /// A usbpassd.json (in the share, for <c>--config</c>) with only the <c>"placement"</c> section:
    /// noauth2 to <see cref="Endpoint"/>, and <paramref name="settings"/> added to it as they are
    /// (<c>root_provider_name</c>, <c>poll_seconds</c>...).
    /// </summary>
    public static string WriteConfig(LabScenario lab, string name, params (string Key, JsonNode Value)[] settings)
    {
        var section = new JsonObject { ["endpoint"] = Endpoint, ["token"] = "admin" };
        foreach ((string key, JsonNode value) in settings)
        {
            section[key] = value;
        }

        string path = Path.Combine(lab.ShareDirectory, $"{name}.json");
        File.WriteAllText(path, new JsonObject { ["placement"] = section }.ToJsonString());
        return path;
    }

    /// <summary>The UUID of the provider named <paramref name="name"/>, or null.</summary>
    public async Task<string?> ProviderUuidAsync(string name) =>
        (await Server.GetAsync("/resource_providers?name=" + Uri.EscapeDataString(name)))["resource_providers"]!.AsArray()
            .Select(p => p!["uuid"]!.GetValue<string>()).SingleOrDefault();

    /// <summary><c>GET /allocation_candidates?resources=CLASS:1[&amp;required=TRAIT]</c>: the allocation requests and the provider summaries.</summary>
    public async Task<Candidates> CandidatesAsync(string resourceClass, string? requiredTrait = null)
    {
        JsonNode c = await Server.GetAsync($"/allocation_candidates?resources={resourceClass}:1" + (requiredTrait is null ? "" : $"&required={requiredTrait}"));
        return new Candidates(
            [.. c["allocation_requests"]!.AsArray().Select(r => (JsonObject)r!["allocations"]!.DeepClone())],
            (JsonObject)c["provider_summaries"]!);
    }

    /// <summary>The inventory of <paramref name="resourceClass"/> on a provider (total, reserved, max_unit...).</summary>
    public async Task<JsonNode> InventoryAsync(string provider, string resourceClass) =>
        (await Server.InventoriesAsync(provider))[resourceClass] ?? throw new InvalidOperationException($"provider {provider} has no {resourceClass} inventory");

    /// <summary>
    /// <c>PUT /allocations/{consumer}</c> as a scheduler writes one for a new instance: <paramref name="allocations"/>
    /// (one allocation request of the candidates), no consumer generation yet, consumer type INSTANCE.
    /// </summary>
    public async Task AllocateAsync(string consumer, JsonObject allocations)
    {
        var body = new JsonObject
        {
            ["allocations"] = allocations.DeepClone(),
            ["consumer_generation"] = null,
            ["project_id"] = "lab-project",
            ["user_id"] = "lab-user",
            ["consumer_type"] = "INSTANCE",
        };
        await ExpectAsync(HttpMethod.Put, $"/allocations/{consumer}", HttpStatusCode.NoContent, body.ToJsonString());
    }

    /// <summary><c>DELETE /allocations/{consumer}</c>: the instance is gone (or moved), its devices are free.</summary>
    public Task DeleteAllocationsAsync(string consumer) => ExpectAsync(HttpMethod.Delete, $"/allocations/{consumer}", HttpStatusCode.NoContent);

    /// <summary>The consumers holding allocations on a provider.</summary>
    public async Task<string[]> ConsumersAsync(string provider) =>
        [.. ((JsonObject)(await Server.GetAsync($"/resource_providers/{provider}/allocations"))["allocations"]!).Select(kv => kv.Key)];

    /// <summary>Polls Placement (every 200 ms, at most <paramref name="seconds"/>) until <paramref name="condition"/> holds; fails naming <paramref name="what"/>.</summary>
    public static async Task UntilAsync(string what, Func<Task<bool>> condition, int seconds = 60)
    {
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is InvalidOperationException or HttpRequestException or KeyNotFoundException or NullReferenceException or LabException)
            {
                last = e; // not there yet (no such provider, no inventory)
            }

            await Task.Delay(200);
        }

        Assert.Fail($"not within {seconds} s: {what}{(last is null ? "" : $" (last: {last.Message})")}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (Process relay in _relays)
        {
            if (!relay.HasExited)
            {
                relay.Kill(entireProcessTree: true);
                await relay.WaitForExitAsync();
            }

            relay.Dispose();
        }

        _relays.Clear();
        Front.Dispose();
        Server.Dispose();
    }

    private async Task ExpectAsync(HttpMethod method, string path, HttpStatusCode expected, string? json = null)
    {
        using HttpResponseMessage r = await Server.SendAsync(method, path, json);
        if (r.StatusCode != expected)
        {
            throw new InvalidOperationException($"{method} {path}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>What <c>GET /allocation_candidates</c> answered.</summary>
    public sealed record Candidates(IReadOnlyList<JsonObject> Requests, JsonObject Summaries)
    {
        /// <summary>The providers of each allocation request.</summary>
        public IEnumerable<string[]> ProvidersPerRequest => Requests.Select(r => r.Select(kv => kv.Key).ToArray());

        /// <summary>The root (the host's provider) of <paramref name="provider"/>, from the summaries.</summary>
        public string RootOf(string provider) => Summaries[provider]!["root_provider_uuid"]!.GetValue<string>();
    }
}
