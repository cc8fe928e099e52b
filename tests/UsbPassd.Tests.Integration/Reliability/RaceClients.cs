using System.Collections.Concurrent;
using System.Text.Json;
using UsbPassd.Protocol;
using UsbPassd.Tests.Integration.Rpc;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// Many clients, one connection each, firing reserve / attach / swap / release (and detach, without
/// which attached devices never come back to the race) at a small hot set of devices for a few
/// instances. Each client picks at random, biased by what the answers it has seen say, so that most
/// calls are ones that could win: a race between two instances is then a real race, not a refusal.
/// </summary>
internal sealed class RaceClients(DaemonFixture daemon, IReadOnlyList<(string Name, string Uuid)> domains, IReadOnlyList<string> devices)
{
    // What the answers said last about each device: its owner and whether it is attached. Only a bias
    // for the choices; the checks never trust it.
    private readonly ConcurrentDictionary<string, (string Owner, bool Attached)> _seen = new();
    private int _issued;

    public async Task<IReadOnlyList<RaceCall>> RunAsync(int calls, int clients, int seed)
    {
        var all = new ConcurrentBag<RaceCall>();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(i => Task.Run(() => ClientAsync(calls, new Random(seed + i), all))));
        return [.. all.OrderBy(c => c.Sent)];
    }

    private async Task ClientAsync(int calls, Random random, ConcurrentBag<RaceCall> into)
    {
        using WireClient c = await daemon.ConnectAsync();
        int id = 0;
        while (Interlocked.Increment(ref _issued) <= calls)
        {
            (string name, string uuid) = domains[random.Next(domains.Count)];
            string device = devices[random.Next(devices.Count)];
            (string method, string parameters, device, string? from) = Choose(random, name, uuid, device);
            DateTime sent = DateTime.UtcNow;
            string line = await c.AskAsync($$"""{"jsonrpc":"2.0","id":{{++id}},"method":"{{method}}","params":{{parameters}}}""");
            DateTime received = DateTime.UtcNow;
            var call = new RaceCall(method, device, from, uuid, sent, received, JsonDocument.Parse(line).RootElement.Clone());
            Learn(call);
            into.Add(call);
        }
    }

    private (string Method, string Params, string Device, string? From) Choose(Random random, string name, string uuid, string any)
    {
        string[] attached = [.. _seen.Where(s => s.Value.Owner == uuid && s.Value.Attached).Select(s => s.Key)];
        string[] reserved = [.. _seen.Where(s => s.Value.Owner == uuid && !s.Value.Attached).Select(s => s.Key)];
        string[] free = [.. devices.Where(d => !_seen.ContainsKey(d))];

        // One call in ten aims anywhere (any device, whatever it holds): those races and refusals matter too.
        bool blind = random.Next(10) == 0;
        string? Mine(string[] held) => blind ? any : held.Length > 0 ? held[random.Next(held.Length)] : null;
        string target = blind || free.Length == 0 ? any : free[random.Next(free.Length)];
        int roll = random.Next(100);
        if (roll < 20 && Mine(attached) is string from && target != from)
        {
            return (Methods.DevicesSwap, $$"""{"instance":"{{name}}","from":"{{from}}","to":"{{target}}"}""", target, from);
        }

        if (roll < 35 && Mine(attached) is string attachedOne)
        {
            return (Methods.DevicesDetach, $$"""{"device":"{{attachedOne}}","instance":"{{name}}"}""", attachedOne, null);
        }

        if (roll < 50 && Mine(reserved) is string reservedOne)
        {
            return (Methods.DevicesRelease, $$"""{"device":"{{reservedOne}}","instance_uuid":"{{uuid}}"}""", reservedOne, null);
        }

        if (roll < 70 && Mine(reserved) is string toAttach)
        {
            return (Methods.DevicesAttach, $$"""{"device":"{{toAttach}}","instance":"{{name}}"}""", toAttach, null);
        }

        return roll % 2 == 0
            ? (Methods.DevicesReserve, $$"""{"device":"{{target}}","instance_uuid":"{{uuid}}"}""", target, null)
            : (Methods.DevicesAttach, $$"""{"device":"{{target}}","instance":"{{name}}"}""", target, null);
    }

    private void Learn(RaceCall call)
    {
        if (!call.Won)
        {
            if (call.ToldOwner is string owner)
            {
                _seen[call.Device] = (owner, call.ToldState is not "reserved");
            }
            else if (call.Code == ErrorCodes.NotPossible && call.Message.Contains("attached to", StringComparison.Ordinal) && !call.Message.Contains("not attached to", StringComparison.Ordinal))
            {
                _seen[call.Device] = (call.Instance, true); // "is attached to U: detach it first", "is attached to instance U already"
            }
            else if (call.Code == ErrorCodes.NotPossible)
            {
                _seen.TryRemove(call.Device, out _); // "not reserved by", "not attached to": whatever we thought is wrong
            }

            return;
        }

        switch (call.Method)
        {
            case Methods.DevicesReserve:
                _seen[call.Device] = (call.Instance, false);
                break;
            case Methods.DevicesAttach:
                _seen[call.Device] = (call.Instance, true);
                break;
            case Methods.DevicesSwap:
                _seen.TryRemove(call.From!, out _);
                _seen[call.Device] = (call.Instance, true);
                break;
            default:
                _seen.TryRemove(call.Device, out _);
                break;
        }
    }
}
