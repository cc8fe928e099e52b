using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using UsbPassd.Protocol;

namespace UsbPassd.Cli.Output;

/// <summary>What --json prints: the protocol's shape, indented, non-ASCII kept readable, and still safe for a terminal.</summary>
internal static class JsonOutput
{
    public static void Write<T>(TextWriter output, T value) =>
        output.WriteLine(Terminal.SafeJson(JsonSerializer.Serialize(value, ProtocolJson.Indented.GetTypeInfo(typeof(T)))));

    /// <summary>A shape outside the protocol (the fleet commands': Placement's view), from its own context.</summary>
    public static void Write<T>(TextWriter output, T value, JsonTypeInfo<T> info) =>
        output.WriteLine(Terminal.SafeJson(JsonSerializer.Serialize(value, info)));
}
