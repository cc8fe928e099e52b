using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using UsbPassd.Protocol;
using UsbPassd.Protocol.JsonRpc;

namespace UsbPassd.Rpc;

/// <summary>
/// Dispatch: validates a JSON-RPC 2.0 request, checks the caller's privilege for the method,
/// binds named params to a typed record, runs the handler and formats the response. Methods are
/// registered with the privilege they need, so no method exists without an access rule.
/// </summary>
public sealed class RpcDispatcher(AccessPolicy policy)
{
    private delegate ValueTask<(object? Result, JsonTypeInfo? Info)> Handler(RpcCallContext context, JsonElement? parameters, CancellationToken ct);

    private readonly Dictionary<string, (Privilege Privilege, Handler Handler)> _methods = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> MethodNames => _methods.Keys;

    public AccessPolicy Policy => policy;

    public void Add<TParams, TResult>(
        string method,
        Privilege privilege,
        JsonTypeInfo<TParams> parameters,
        JsonTypeInfo<TResult> result,
        Func<RpcCallContext, TParams, CancellationToken, ValueTask<TResult>> handler)
        where TParams : new()
    {
        _methods.Add(method, (privilege, async (context, raw, ct) =>
        {
            TParams bound = Bind(raw, parameters);
            return (await handler(context, bound, ct), result);
        }));
    }

    /// <summary>A method whose handler returns its result already serialized (a read model's ready bytes).</summary>
    public void AddPreserialized<TParams>(
        string method,
        Privilege privilege,
        JsonTypeInfo<TParams> parameters,
        Func<RpcCallContext, TParams, CancellationToken, ValueTask<byte[]>> handler)
        where TParams : new()
    {
        _methods.Add(method, (privilege, async (context, raw, ct) =>
        {
            TParams bound = Bind(raw, parameters);
            return (new Preserialized(await handler(context, bound, ct)), null);
        }));
    }

    /// <summary>Handles one message; the response line, or null for a notification.</summary>
    public async ValueTask<RpcReply?> HandleAsync(JsonElement message, RpcCallContext context, CancellationToken ct)
    {
        JsonElement? id = null;
        bool notification = true;
        if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("id", out JsonElement rawId))
        {
            notification = false;
            id = rawId.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null ? rawId : null;
        }

        string? invalid = Validate(message, out string? method, out JsonElement? parameters);
        if (invalid is not null)
        {
            return new RpcReply(RpcFormatter.Error(id, ErrorCodes.InvalidRequest, invalid));
        }

        try
        {
            if (!_methods.TryGetValue(method!, out var entry))
            {
                throw new RpcException(ErrorCodes.MethodNotFound, $"no method '{method}' (methods: {string.Join(", ", _methods.Keys.Order())})");
            }

            if (policy.Refusal(context.Peer, entry.Privilege, method!) is string refusal)
            {
                throw new RpcException(ErrorCodes.PermissionDenied, refusal);
            }

            var (result, info) = await entry.Handler(context, parameters, ct);
            return notification ? default(RpcReply?)
                : result is Preserialized raw ? RpcFormatter.RawResult(id, raw.Json)
                : new RpcReply(RpcFormatter.Result(id, result, info));
        }
        catch (RpcException e)
        {
            return notification ? default(RpcReply?) : new RpcReply(RpcFormatter.Error(id, e.ToError()));
        }
        catch (Assignment.AssignmentRefusedException e)
        {
            return notification ? default(RpcReply?) : new RpcReply(RpcFormatter.Error(id, e.ToRpc().ToError()));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return notification ? default(RpcReply?) : new RpcReply(RpcFormatter.Error(id, ErrorCodes.RequestCancelled, "the request was cancelled"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A failure we did not foresee (the registry locked by another program past SQLite's busy
            // time-out, say) answers this request, with its id: a client that matches replies by id,
            // as StreamJsonRpc does, would otherwise drop the whole connection.
            string text = Registry.RegistryWriteFailure.Advice(e) ?? $"internal error: {e.Message}";
            return notification ? default(RpcReply?) : new RpcReply(RpcFormatter.Error(id, ErrorCodes.InternalError, text));
        }
    }

    private sealed record Preserialized(byte[] Json);

    private static string? Validate(JsonElement message, out string? method, out JsonElement? parameters)
    {
        method = null;
        parameters = null;
        if (message.ValueKind != JsonValueKind.Object)
        {
            return "a request must be a JSON object";
        }

        if (!message.TryGetProperty("jsonrpc", out JsonElement version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0")
        {
            return "\"jsonrpc\" must be \"2.0\"";
        }

        if (!message.TryGetProperty("method", out JsonElement name) || name.ValueKind != JsonValueKind.String)
        {
            return "\"method\" must be a string";
        }

        if (message.TryGetProperty("id", out JsonElement id) && id.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null))
        {
            return "\"id\" must be a string, a number or null";
        }

        method = name.GetString();
        if (message.TryGetProperty("params", out JsonElement p) && p.ValueKind != JsonValueKind.Null)
        {
            parameters = p;
        }

        return null;
    }

    private static TParams Bind<TParams>(JsonElement? raw, JsonTypeInfo<TParams> info)
        where TParams : new()
    {
        if (raw is null)
        {
            return new TParams();
        }

        if (raw.Value.ValueKind != JsonValueKind.Object)
        {
            throw new RpcException(ErrorCodes.InvalidParams, "params must be an object of named parameters (snake_case)");
        }

        try
        {
            return raw.Value.Deserialize(info) ?? new TParams();
        }
        catch (JsonException e)
        {
            string expected = string.Join(", ", info.Properties.Select(p => p.Name));
            string what = e.Message.Contains("could not be mapped", StringComparison.Ordinal)
                ? $"unknown parameter '{e.Message.Split('\'')[1]}'"
                : $"parameter {e.Path?.TrimStart('$', '.') ?? "?"} has the wrong type";
            throw new RpcException(ErrorCodes.InvalidParams, $"invalid params: {what} (parameters: {(expected.Length == 0 ? "none" : expected)})");
        }
    }
}
