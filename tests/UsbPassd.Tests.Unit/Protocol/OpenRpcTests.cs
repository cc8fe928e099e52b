using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using UsbPassd.Daemon.Api;
using UsbPassd.Protocol;
using UsbPassd.Rpc;
using UsbPassd.Testing;

namespace UsbPassd.Tests.Unit.Protocol;

/// <summary>protocol/openrpc.json says what the code does: same methods, params, result shapes and error codes.</summary>
public class OpenRpcTests
{
    private static readonly JsonElement Doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Corpus.RepositoryRoot, "protocol", "openrpc.json"))).RootElement.Clone();

    private static IEnumerable<JsonElement> DocMethods => Doc.GetProperty("methods").EnumerateArray();

    [Fact]
    public void The_document_lists_exactly_the_methods_the_daemon_registers()
    {
        var dispatcher = new RpcDispatcher(new AccessPolicy(null, null));
        foreach (Type area in RpcMethodCatalog.Areas)
        {
            // Registration only touches the dispatcher: the area's services may be missing.
            ConstructorInfo constructor = area.GetConstructors().Single();
            var methods = (IRpcMethods)constructor.Invoke(new object?[constructor.GetParameters().Length]);
            methods.Register(dispatcher);
        }

        Assert.Equal(dispatcher.MethodNames.Order(), DocMethods.Select(m => m.GetProperty("name").GetString()!).Order());
    }

    [Fact]
    public void Every_methods_area_of_the_daemon_enlists_itself_once()
    {
        Type[] implementations = [.. typeof(IRpcMethods).Assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract && typeof(IRpcMethods).IsAssignableFrom(t))];
        Assert.Equal(implementations.Select(t => t.Name).Order(), RpcMethodCatalog.Areas.Select(t => t.Name).Order());
        Assert.Equal(8, implementations.Length); // devices, assignment, migration, policy, history, hook, metrics, instances
    }

    [Theory]
    [InlineData(Methods.DevicesList, typeof(UsbPassd.Protocol.Messages.DevicesListParams))]
    [InlineData(Methods.DevicesGet, typeof(UsbPassd.Protocol.Messages.DevicesGetParams))]
    [InlineData(Methods.HostInfo, typeof(UsbPassd.Protocol.Messages.NoParams))]
    [InlineData(Methods.EventsSubscribe, typeof(UsbPassd.Protocol.Messages.NoParams))]
    [InlineData(Methods.DevicesReserve, typeof(UsbPassd.Protocol.Messages.ReserveParams))]
    [InlineData(Methods.DevicesRelease, typeof(UsbPassd.Protocol.Messages.ReleaseParams))]
    [InlineData(Methods.DevicesAttach, typeof(UsbPassd.Protocol.Messages.AttachParams))]
    [InlineData(Methods.DevicesDetach, typeof(UsbPassd.Protocol.Messages.DetachParams))]
    [InlineData(Methods.InstancesDevices, typeof(UsbPassd.Protocol.Messages.InstanceParams))]
    [InlineData(Methods.DevicesSetMigration, typeof(UsbPassd.Protocol.Messages.SetMigrationParams))]
    [InlineData(Methods.InstancesMigrationCheck, typeof(UsbPassd.Protocol.Messages.MigrationCheckParams))]
    [InlineData(Methods.HistoryList, typeof(UsbPassd.Protocol.Messages.HistoryParams))]
    public void Each_methods_params_are_the_records_properties(string method, Type parameters)
    {
        JsonElement m = DocMethods.Single(x => x.GetProperty("name").GetString() == method);
        Assert.Equal(Names(parameters), m.GetProperty("params").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).Order());
    }

    [Theory]
    [InlineData("DeviceRecord", typeof(UsbPassd.Protocol.Messages.DeviceRecord))]
    [InlineData("UsbDeviceInfo", typeof(UsbPassd.Protocol.Messages.UsbDeviceInfo))]
    [InlineData("UsbInterfaceInfo", typeof(UsbPassd.Protocol.Messages.UsbInterfaceInfo))]
    [InlineData("HostInfo", typeof(UsbPassd.Protocol.Messages.HostInfo))]
    [InlineData("PlacementInfo", typeof(UsbPassd.Protocol.Messages.PlacementInfo))]
    [InlineData("DeviceEvent", typeof(UsbPassd.Protocol.Messages.DeviceEvent))]
    [InlineData("SubscribeResult", typeof(UsbPassd.Protocol.Messages.SubscribeResult))]
    [InlineData("AssignmentResult", typeof(UsbPassd.Protocol.Messages.AssignmentResult))]
    [InlineData("MigrationCheckResult", typeof(UsbPassd.Protocol.Messages.MigrationCheckResult))]
    [InlineData("MigrationCheckDevice", typeof(UsbPassd.Protocol.Messages.MigrationCheckDevice))]
    [InlineData("HookResult", typeof(UsbPassd.Protocol.Messages.HookResult))]
    [InlineData("HistoryPage", typeof(UsbPassd.Protocol.Messages.HistoryPage))]
    [InlineData("HistoryRecord", typeof(UsbPassd.Protocol.Messages.HistoryRecord))]
    [InlineData("InstanceInfo", typeof(UsbPassd.Protocol.Messages.InstanceInfo))]
    public void Each_schema_has_the_records_properties(string schema, Type type)
    {
        JsonElement s = Doc.GetProperty("components").GetProperty("schemas").GetProperty(schema);
        Assert.Equal(Names(type), s.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public void The_error_codes_are_the_codes_of_the_code()
    {
        int[] code = [.. typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (int)f.GetValue(null)!).Order()];
        Assert.Equal(code, Doc.GetProperty("x-errors").EnumerateArray().Select(e => e.GetProperty("code").GetInt32()).Order());
        Assert.All(code.Where(c => c > 0), c => Assert.False(c is >= -32768 and <= -32000));
    }

    [Fact]
    public void The_notifications_are_the_codes_notifications()
    {
        string[] names = [Methods.Notifications.DeviceAdded, Methods.Notifications.DeviceChanged, Methods.Notifications.DeviceRemoved, Methods.CancelRequest];
        Assert.Equal(names.Order(), Doc.GetProperty("x-notifications").EnumerateArray().Select(n => n.GetProperty("name").GetString()!).Order());
    }

    private static IEnumerable<string> Names(Type type) =>
        ((JsonTypeInfo)ProtocolJson.Default.GetTypeInfo(type)!).Properties.Select(p => p.Name).Order();
}
