using System.Reflection;
using System.Text.Json;
using StreamJsonRpc;
using UsbPassd.Protocol;
using UsbPassd.Protocol.StreamJsonRpc;
using UsbPassd.Testing;

namespace UsbPassd.Tests.Unit.Protocol;

/// <summary>
/// The StreamJsonRpc contract is protocol/openrpc.json to the letter, both ways: every method with its
/// wire name, its params by wire name in the document's order, required exactly where the document
/// says (no default value), and every notification the daemon sends.
/// </summary>
public class StreamJsonRpcContractTests
{
    private static readonly JsonElement Doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Corpus.RepositoryRoot, "protocol", "openrpc.json"))).RootElement.Clone();

    private static Dictionary<string, JsonElement> DocMethods =>
        Doc.GetProperty("methods").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!, StringComparer.Ordinal);

    private static Dictionary<string, MethodInfo> Contract(Type type) =>
        type.GetMethods().ToDictionary(m => m.GetCustomAttribute<JsonRpcMethodAttribute>()?.Name ?? $"(no wire name: {m.Name})", StringComparer.Ordinal);

    private static ParameterInfo[] WireParameters(MethodInfo m) => [.. m.GetParameters().Where(p => p.ParameterType != typeof(CancellationToken))];

    [Fact]
    public void The_interface_has_one_method_per_method_of_the_document_and_no_other()
    {
        Assert.Equal(DocMethods.Keys.Order(StringComparer.Ordinal), Contract(typeof(IUsbPassd)).Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Each_methods_params_are_the_documents_by_wire_name_in_order_and_required_alike()
    {
        Assert.All(Contract(typeof(IUsbPassd)), entry =>
        {
            JsonElement[] documented = [.. DocMethods[entry.Key].GetProperty("params").EnumerateArray()];
            ParameterInfo[] declared = WireParameters(entry.Value);
            Assert.All(declared, p => Assert.NotNull(p.GetCustomAttribute<JsonRpcParameterAttribute>()));
            Assert.Equal(
                documented.Select(p => (p.GetProperty("name").GetString(), p.GetProperty("required").GetBoolean())),
                declared.Select(p => (p.GetCustomAttribute<JsonRpcParameterAttribute>()?.Name, !p.HasDefaultValue)));
        });
    }

    [Fact]
    public void Every_method_returns_a_task_of_a_protocol_type_and_can_be_cancelled()
    {
        Assert.All(typeof(IUsbPassd).GetMethods(), m =>
        {
            Assert.True(m.ReturnType.IsGenericType && m.ReturnType.GetGenericTypeDefinition() == typeof(Task<>), m.Name);
            Type result = m.ReturnType.GetGenericArguments()[0];
            Assert.Equal(typeof(ProtocolJson).Assembly, (result.IsArray ? result.GetElementType()! : result).Assembly);
            Assert.Equal(typeof(CancellationToken), m.GetParameters()[^1].ParameterType);
        });
    }

    [Fact]
    public void The_notification_sink_takes_exactly_the_notifications_the_daemon_sends_each_as_one_object()
    {
        string[] sent = [.. Doc.GetProperty("x-notifications").EnumerateArray().Select(n => n.GetProperty("name").GetString()!).Where(n => n != Methods.CancelRequest)];
        Dictionary<string, MethodInfo> sink = Contract(typeof(IUsbPassdNotifications));

        Assert.Equal(sent.Order(StringComparer.Ordinal), sink.Keys.Order(StringComparer.Ordinal));
        Assert.All(sink.Values, m => Assert.True(m.GetCustomAttribute<JsonRpcMethodAttribute>()!.UseSingleObjectParameterDeserialization, m.Name));
        Assert.All(sink.Values, m => Assert.Equal(typeof(UsbPassd.Protocol.Messages.DeviceEvent), Assert.Single(m.GetParameters()).ParameterType));
    }
}
