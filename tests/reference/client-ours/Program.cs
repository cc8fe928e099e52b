using UsbPassd.Protocol;
using UsbPassd.Protocol.Client;
using UsbPassd.Protocol.Messages;

// host.info and devices.list once over UsbPassdClient, as usbpassctl calls them; prints the device count.
await using UsbPassdClient client = await UsbPassdClient.ConnectAsync(args[0]);
HostInfo host = await client.CallAsync(Methods.HostInfo, new NoParams(), ProtocolJson.Default.NoParams, ProtocolJson.Default.HostInfo);
DeviceRecord[] devices = await client.CallAsync(Methods.DevicesList, new DevicesListParams(), ProtocolJson.Default.DevicesListParams, ProtocolJson.Default.DeviceRecordArray);
Console.WriteLine($"{host.Hostname}: {devices.Length} devices");
