using UsbPassd.Protocol.Messages;
using UsbPassd.Protocol.StreamJsonRpc;

// host.info and devices.list once over StreamJsonRpc's typed proxy; prints the device count.
using UsbPassdRpcConnection connection = await UsbPassdRpc.AttachAsync(args[0]);
HostInfo host = await connection.Proxy.HostInfoAsync();
DeviceRecord[] devices = await connection.Proxy.DevicesListAsync();
Console.WriteLine($"{host.Hostname}: {devices.Length} devices");
