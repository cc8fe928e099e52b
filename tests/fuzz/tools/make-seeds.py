#!/usr/bin/env python3
"""Writes tests/fuzz/<target>/seeds/ from the shared corpus, the unit tests' fixtures and the shipped
config (run once; the seeds are committed). Each seed is one input as its target takes it
(tests/UsbPassd.Fuzz/*Target.cs): a leading mode byte where the target has one."""
import base64, os, re, sys, glob, pathlib

root = pathlib.Path(__file__).resolve().parents[3]
corpus = pathlib.Path(os.environ.get("CORPUS", "/work/shared/corpus/raw"))
out = root / "tests" / "fuzz"

def write(target, name, data):
    d = out / target / "seeds"
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())

# uevents: the lab's recorded datagrams (both groups), a few distinct ones of each, and USBGuard's seed.
fixture = root / "tests/UsbPassd.Tests.Unit/Uevents/Fixtures/lab-usb-storage-plug-unplug.uevents"
kinds = {"kernel": [], "udev": []}
for line in fixture.read_text().splitlines():
    if line.startswith("#") or not line.strip():
        continue
    group, b64 = line.split(" ", 1)
    kinds[group].append(base64.b64decode(b64))
for i, d in enumerate(sorted(set(kinds["kernel"]), key=len)[::4][:6]):
    write("uevent-kernel", f"lab-{i}", d)
for i, d in enumerate(sorted(set(kinds["udev"]), key=len)[::4][:6]):
    assert d.startswith(b"libudev\0")
    write("uevent-udev", f"lab-{i}", d[len(b"libudev\0"):])  # the target puts the prefix back
for f in glob.glob(str(corpus / "USBGuard__usbguard/*fuzzer-uevent*")):
    write("uevent-kernel", "usbguard-" + os.path.basename(f)[-8:], pathlib.Path(f).read_bytes())

# rpc: mode byte (peer = low 2 bits, read size = 1 + the rest), then request lines as clients send them.
uuid = "6f1c2a9e-5d1b-4c0e-9a43-2b7f3e8d1c55"
lines = {
    "host-info": '{"jsonrpc":"2.0","id":1,"method":"host.info"}',
    "list": '{"jsonrpc":"2.0","id":"a","method":"devices.list","params":{"all":true}}',
    "get": '{"jsonrpc":"2.0","id":2,"method":"devices.get","params":{"port_id":"1-4.2"}}',
    "attach": '{"jsonrpc":"2.0","id":3,"method":"devices.attach","params":{"port_id":"1-4.2","instance_uuid":"%s","live":true}}' % uuid,
    "reserve": '{"jsonrpc":"2.0","id":4,"method":"devices.reserve","params":{"vendor_id":"0529","product_id":"0001","serial":"HASP7","instance_uuid":"%s"}}' % uuid,
    "swap": '{"jsonrpc":"2.0","id":5,"method":"devices.swap","params":{"instance_uuid":"%s","from":{"port_id":"1-4.2"},"to":{"port_id":"2-1"}}}' % uuid,
    "hook": '{"jsonrpc":"2.0","id":6,"method":"hook.qemu","params":{"domain_uuid":"%s","operation":"prepare","sub_operation":"begin","xml_base64":"PGRvbWFpbi8+"}}' % uuid,
    "history": '{"jsonrpc":"2.0","id":7,"method":"history.list","params":{"limit":10,"before":null}}',
    "policy-check": '{"jsonrpc":"2.0","id":8,"method":"policy.check","params":{"port_id":"1-2"}}',
    "batch": '[{"jsonrpc":"2.0","id":1,"method":"metrics.get"},{"jsonrpc":"2.0","method":"events.subscribe"},{"jsonrpc":"2.0","id":null,"method":"nope"}]',
    "bad-params": '{"jsonrpc":"2.0","id":9,"method":"devices.list","params":{"unknown":1}}\n{"jsonrpc":"2.0","id":10,"method":"devices.list","params":[1]}',
}
for i, (name, text) in enumerate(lines.items()):
    write("rpc", name, bytes([i & 3 | (i * 8) & 0xfc]) + (text + "\r\n").encode())

# policy: mode byte 0 = rules, 1 = block list, 2 = allow list.
shipped = (root / "packaging/config/policy.rules").read_text()
write("policy", "shipped", b"\0" + shipped.encode())
examples = [l.strip()[2:].strip() for l in shipped.splitlines() if l.startswith("#   ") and re.match(r"#\s+(allow|block|default)", l)]
write("policy", "examples", b"\0" + "\n".join(examples).encode())
write("policy", "sets", b"\0" + b'block with-interface all-of { 03:*:* 08:*:* }\nallow id one-of { 0529:0001 0529:0002 } via-port one-of { "1-4.2" "2-1" }\nallow with-interface equals-ordered { 08:06:50 } override hub\nallow name "HASP \\"HL\\" 3.25" migration drop\nblock id *:*\ndefault allow\n')
write("policy", "block-list", b"\1" + b'[{"vendor_id": "1d6b", "product_id": "0002"}, {"serial": "4C53", "port_id": "1-4.2"}]')
write("policy", "allow-list", b"\2" + b'[{"vendor_id": "0529", "product_id": "*", "migration": "equivalent"}, {"port_id": "2-1"}]')

# sysfs: mode 0 = descriptors (second byte: active configuration, 0 = none), 1 = a text attribute, 2 = a port path.
n = 0
for f in sorted(glob.glob(str(corpus / "*/*"))):
    try:
        text = pathlib.Path(f).read_text()
    except (UnicodeDecodeError, IsADirectoryError):
        continue
    for m in re.finditer(r"^H: descriptors=([0-9A-Fa-f]+)$", text, re.M):
        blob = bytes.fromhex(m.group(1))
        if 18 <= len(blob) <= 600 and n < 8:
            write("sysfs", f"descriptors-{n}", b"\0\1" + blob)
            n += 1
for i, v in enumerate(["0529\n", "ff\n", "480\n", "5000\n", "1.5\n", "12\n", "003\n", "HASP HL 3.25\n"]):
    write("sysfs", f"value-{i}", b"\1\0" + v.encode())
for i, v in enumerate(["1-4.2", "usb1", "2-1.3.4.1", "10-1"]):
    write("sysfs", f"port-{i}", b"\2\0" + v.encode())

# usb.ids: the head of Debian's file (vendors, devices, interfaces), and its class section.
ids = pathlib.Path("/usr/share/misc/usb.ids").read_bytes().split(b"\n")
# Small: the instrumented reader costs about 90 us a line, and afl-fuzz mutates whole inputs.
head = [l for l in ids[:200] if not l.startswith(b"#") or l.startswith(b"# Vendors")]
write("usb-ids", "vendors", b"\n".join(head[:30]) + b"\n")
start = next(i for i, l in enumerate(ids) if l.startswith(b"C 00"))
write("usb-ids", "classes", b"\n".join(ids[start - 3:start + 20]) + b"\nAT 0401  United States\n")

# hook: the migrating domain's XML of the unit tests (as libvirtd hands it to the destination's hook), and a bare one.
tests = (root / "tests/UsbPassd.Tests.Unit/Migration/IncomingDomainTests.cs").read_text()
xml = re.search(r'private const string Xml = """\n(.*?)\n\s*""";', tests, re.S).group(1)
write("hook", "migrating-domain", "\n".join(l[8:] for l in xml.splitlines()) + "\n")
write("hook", "bare", f"<domain><uuid>{uuid}</uuid><devices/></domain>")
