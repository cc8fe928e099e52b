// The least a NativeAOT program costs to start and exit on this machine: the floor for usbpassctl.
Console.WriteLine("hello");
