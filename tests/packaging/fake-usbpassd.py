#!/usr/bin/python3
"""A stand-in for usbpassd's socket in hook tests: one JSON-RPC line in, one line out.

    fake-usbpassd.py SOCKET LOG

Every request line is appended to LOG as received. A line longer than usbpassd's limit (1 MiB) gets
usbpassd's own answer to it (error 1003, id null). Otherwise the reply depends on the domain UUID's
first group, so one server plays every case:
    deadbeef-...  the start gate's refusal (1010, "device 1-4.2 is attached to instance 6f1c... since 10:42")
    00000000-...  -32601 method not found (a daemon older than hook.qemu)
    5ec0d5a5-...  no reply at all (a hung daemon: the connection stays open for 30 s)
    00001003-...  error 1003 (usbpassd's connection limit), its data naming code 1010
    00032603-...  error -32603 (an internal error)
    0000bad0-...  a line that is not JSON
    0000c105-...  the connection reset without a reply (closed with the request unread)
    anything else the start gate on xml_base64, as usbpassd judges it with no device plugged in:
                  a USB <hostdev> of <devices> that is mandatory (startupPolicy mandatory or
                  none) refuses (1010); an XML it cannot read is not refused; else a result
Stops on SIGTERM.
"""
import base64
import json
import os
import signal
import socket
import sys
import threading
import time
import xml.etree.ElementTree as ET

path, log = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
server.listen(64)
lock = threading.Lock()


LIMIT = 1048576  # usbpassd's RpcLimits.MaxMessageBytes


def gate(xml_base64):
    try:
        root = ET.fromstring(base64.b64decode(xml_base64))
    except (ET.ParseError, ValueError):
        return None  # as usbpassd: libvirt wrote it; what cannot be read is not ours to refuse
    for devices in root.iter("devices"):
        for h in devices.findall("hostdev[@type='usb']"):
            source = h.find("source")
            policy = source.get("startupPolicy") if source is not None else None
            if policy in (None, "mandatory"):
                vendor = h.find("source/vendor")
                product = h.find("source/product")
                ids = "%s:%s" % (vendor.get("id") if vendor is not None else "?", product.get("id") if product is not None else "?")
                return "mandatory USB device %s is not plugged in. Plug it in, or make it optional" % ids
    return None


def reply_to(line):
    if len(line.rstrip(b"\n")) > LIMIT:
        return {"jsonrpc": "2.0", "id": None, "error": {"code": 1003, "message": "message longer than %d bytes: refused" % LIMIT}}
    request = json.loads(line)
    uuid = request["params"]["domain_uuid"]
    head = {"jsonrpc": "2.0", "id": request["id"]}
    if uuid.startswith("deadbeef"):
        return dict(head, error={"code": 1010, "message": "device 1-4.2 is attached to instance 6f1c0a3e since 10:42"})
    if uuid.startswith("00000000"):
        return dict(head, error={"code": -32601, "message": "Method not found: hook.qemu"})
    if uuid.startswith("5ec0d5a5"):
        return None
    if uuid.startswith("00001003"):
        return dict(head, error={"code": 1003, "message": "more than 64 connections: try again later", "data": {"code": 1010}})
    if uuid.startswith("00032603"):
        return dict(head, error={"code": -32603, "message": "internal error: the registry is locked"})
    if uuid.startswith("0000bad0"):
        return b"this is not JSON\n"
    refusal = gate(request["params"].get("xml_base64", ""))
    if refusal is not None:
        return dict(head, error={"code": 1010, "message": refusal})
    return dict(head, result={"allowed": True})


def serve(conn):
    with conn:
        # On a Unix socket, closing with data unread (here: only peeked at) is what resets the
        # connection: the hook's socat fails to read (ECONNRESET) or to write (EPIPE).
        if b'"domain_uuid":"0000c105' in conn.recv(256, socket.MSG_PEEK):
            return
        data = b""
        while not data.endswith(b"\n"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        with lock, open(log, "ab") as f:
            f.write(data)
        answer = reply_to(data)
        if answer is None:
            time.sleep(30)  # a hung daemon: neither an answer nor a close
            return
        if isinstance(answer, bytes):
            conn.sendall(answer)
            return
        conn.sendall(json.dumps(answer, separators=(",", ":")).encode() + b"\n")


signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    c, _ = server.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
