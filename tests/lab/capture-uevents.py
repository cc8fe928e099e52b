#!/usr/bin/env python3
"""Records NETLINK_KOBJECT_UEVENT datagrams, byte for byte, in UsbPassd's recording format.

    capture-uevents.py OUT SECONDS [kernel] [udev]

One line per datagram: "kernel BASE64" or "udev BASE64" (see RecordedUevents.cs). Runs as root in
the lab host while devices are plugged; the files become test fixtures of the real wire format.
"""
import base64, select, socket, sys, time

NETLINK_KOBJECT_UEVENT = 15
GROUPS = {"kernel": 1, "udev": 2}

def main():
    out, seconds = sys.argv[1], float(sys.argv[2])
    names = sys.argv[3:] or ["kernel", "udev"]
    socks = {}
    for name in names:
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_KOBJECT_UEVENT)
        s.bind((0, GROUPS[name]))
        socks[s] = name
    deadline = time.monotonic() + seconds
    with open(out, "w") as f:
        f.write(f"# captured in the UsbPassd lab host, groups: {' '.join(names)}\n")
        f.flush()
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select(list(socks), [], [], left)
            for s in ready:
                data = s.recv(16384)
                f.write(f"{socks[s]} {base64.b64encode(data).decode()}\n")
                f.flush()

if __name__ == "__main__":
    main()
