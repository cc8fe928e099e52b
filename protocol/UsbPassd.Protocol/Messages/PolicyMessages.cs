using System.Text.Json;
using System.Text.Json.Serialization;

namespace UsbPassd.Protocol.Messages;

/// <summary><c>policy.check</c>: may this device be passed to a VM now, and why.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PolicyCheckParams
{
    /// <summary>id, port_id, address or dev_id.</summary>
    public string? Device { get; init; }
}

/// <summary>The decision, judged with the host as it is now (mounts, swap, keyboards).</summary>
public sealed record PolicyCheckResult
{
    public required DeviceRecord Device { get; init; }
    public required bool Allowed { get; init; }

    /// <summary>allowed, blocked (by a rule) or refused (by host safety).</summary>
    public required string Verdict { get; init; }

    /// <summary>In words: which rule, which safety check, what to write to override it.</summary>
    public required string Reason { get; init; }

    /// <summary>The rule that decided (or would have allowed it, for a refusal).</summary>
    public required string Rule { get; init; }

    /// <summary>The host safety checks that refuse the device.</summary>
    public required string[] Refusals { get; init; }

    /// <summary>The safety checks the rule switched off with <c>override</c>.</summary>
    public required string[] Overridden { get; init; }
}

/// <summary><c>policy.show</c>.</summary>
public sealed record PolicyShowResult
{
    /// <summary>Every rule in the order tried, with its origin as a comment; parses back to the same policy.</summary>
    public required string Text { get; init; }

    public required int Rules { get; init; }

    /// <summary>The rule file, whether or not it exists.</summary>
    public required string PolicyFile { get; init; }
}

/// <summary><c>policy.reload</c>: the new policy is in force; owned devices it refuses are listed, not detached.</summary>
public sealed record PolicyReloadResult
{
    public required int Rules { get; init; }
    public required string Default { get; init; }
    public required PolicyConflict[] OwnedButRefused { get; init; }
}

/// <summary>A device reserved or attached to an instance that the policy now refuses.</summary>
public sealed record PolicyConflict
{
    public required string PortId { get; init; }
    public string? DevId { get; init; }
    public required string Status { get; init; }
    public string? InstanceUuid { get; init; }
    public required string Reason { get; init; }
}

/// <summary>
/// <c>history.list</c>: one page of ownership changes, refusals and device events, oldest first. The
/// history only grows, so it is read in pages from the newest back: each page's
/// <see cref="HistoryPage.NextBeforeId"/> is the <see cref="BeforeId"/> of the next.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record HistoryParams
{
    public const int DefaultLimit = 200;
    public const int MaxLimit = 1000;

    /// <summary>id, port_id, address or dev_id (a dev_id also finds devices that are gone).</summary>
    public string? Device { get; init; }

    /// <summary>Domain UUID or name.</summary>
    public string? Instance { get; init; }

    /// <summary>The newest N entries (default 200, at most 1000).</summary>
    public int? Limit { get; init; }

    /// <summary>Only entries older than this id: the previous page's <c>next_before_id</c>.</summary>
    public long? BeforeId { get; init; }
}

/// <summary>The answer of <c>history.list</c>.</summary>
public sealed record HistoryPage
{
    /// <summary>Oldest first.</summary>
    public required HistoryRecord[] Entries { get; init; }

    /// <summary>The <c>before_id</c> that asks for the entries before these; null when there are none.</summary>
    public long? NextBeforeId { get; init; }
}

/// <summary>One entry of the append-only history.</summary>
public sealed record HistoryRecord
{
    public required long Id { get; init; }
    public required string At { get; init; }
    public required string DevId { get; init; }
    public required long RowId { get; init; }

    /// <summary>added, returned, unplugged, missing, status_changed, claim_reserved, claim_attaching, attached, detaching, released, refused...</summary>
    public required string Kind { get; init; }

    public string? InstanceUuid { get; init; }

    /// <summary>Who: <c>uid 0 pid 4242 (nova-compute)</c>, or usbpassd itself.</summary>
    public string? By { get; init; }

    /// <summary>The policy rule in force for the change.</summary>
    public string? Rule { get; init; }

    /// <summary>The whole entry as recorded.</summary>
    public JsonElement? Detail { get; init; }
}

/// <summary><c>hook.qemu</c>: what libvirt's qemu hook was called with (packaging/libvirt/README.md).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record HookParams
{
    public string? DomainUuid { get; init; }

    /// <summary>prepare, start, started, stopped, release, migrate, restore, reconnect, attach.</summary>
    public string? Operation { get; init; }

    /// <summary>begin or end.</summary>
    public string? SubOperation { get; init; }

    /// <summary>
    /// Base64 of what the start gate reads of the domain XML libvirt gave the hook: its
    /// <c>&lt;hostdev&gt;</c> elements in a <c>&lt;domain&gt;&lt;devices&gt;</c> document (older
    /// hooks: the whole XML, read alike).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? XmlBase64 { get; init; }
}

/// <summary>The hook's answer: the domain may go on (a refusal is a JSON-RPC error).</summary>
public sealed record HookResult
{
    public required bool Allowed { get; init; }

    /// <summary>For <c>migrate begin</c> (left out otherwise): base64 of the domain XML the hook prints for libvirt to use instead (our hostdevs pointed at this host's devices); null: unchanged.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? XmlBase64 { get; init; }
}
