/* global cockpit */
import { LineSplitter } from "./lines.js";

export const PERMISSION_DENIED = 1001;

/** A JSON-RPC error from usbpassd (code, the daemon's sentence, data), or a channel failure (code "closed"). */
export class RpcError extends Error {
    constructor(code, message, data) {
        super(message);
        this.code = code;
        this.data = data ?? null;
    }
}

// Cockpit's channel problems, in words for the person at the page.
function problemSentence(problem, path) {
    switch (problem) {
    case "not-found":
        return `usbpassd is not running: there is no socket at ${path}.`;
    case "access-denied":
    case "not-authorized":
        return `Permission denied on ${path}: your user is not in the group usbpassd.`;
    case "terminated":
        return "The connection to usbpassd ended.";
    default:
        return `The connection to usbpassd failed (${problem}).`;
    }
}

/**
 * One JSON-RPC connection to the daemon's Unix socket through a Cockpit stream channel. The
 * bridge connects the socket, so the daemon sees the bridge's uid: the page may do exactly what
 * the logged-in user (or root, with administrative access and superuser "try") may do.
 */
export class RpcConnection {
    constructor(path, { superuser = null, onNotification = null, onClose = null } = {}) {
        this.path = path;
        this.nextId = 1;
        this.pending = new Map();
        this.closed = null;
        this.onNotification = onNotification;
        this.onClose = onClose;
        const options = { payload: "stream", unix: path };
        if (superuser)
            options.superuser = superuser;
        this.channel = cockpit.channel(options);
        const splitter = new LineSplitter();
        this.channel.addEventListener("message", (_event, data) => {
            for (const line of splitter.push(data))
                this.receive(line);
        });
        this.channel.addEventListener("close", (_event, options) => this.fail(options?.problem || "terminated"));
    }

    receive(line) {
        let message;
        try {
            message = JSON.parse(line);
        } catch (e) {
            console.error("usbpassd: a line that is not JSON", e);
            return;
        }
        if (message.id === undefined || message.id === null) {
            if (message.method)
                this.onNotification?.(message.method, message.params);
            else if (message.error)
                console.warn("usbpassd:", message.error.message);
            return;
        }
        const waiting = this.pending.get(message.id);
        if (!waiting)
            return;
        this.pending.delete(message.id);
        if (message.error)
            waiting.reject(new RpcError(message.error.code, message.error.message, message.error.data));
        else
            waiting.resolve(message.result);
    }

    fail(problem) {
        if (this.closed)
            return;
        this.closed = new RpcError("closed", problemSentence(problem, this.path), { problem });
        for (const waiting of this.pending.values())
            waiting.reject(this.closed);
        this.pending.clear();
        this.onClose?.(this.closed);
    }

    call(method, params) {
        if (this.closed)
            return Promise.reject(this.closed);
        const id = this.nextId++;
        const request = { jsonrpc: "2.0", id, method };
        if (params !== undefined)
            request.params = params;
        return new Promise((resolve, reject) => {
            this.pending.set(id, { resolve, reject });
            this.channel.send(JSON.stringify(request) + "\n");
        });
    }

    close() {
        this.onClose = null;
        this.fail("terminated");
        this.channel.close();
    }
}

/** One modify call on its own channel with superuser "try": root's bridge when administrative access is on. */
export async function callPrivileged(path, method, params) {
    const connection = new RpcConnection(path, { superuser: "try" });
    try {
        return await connection.call(method, params);
    } finally {
        connection.close();
    }
}

export function isPermissionProblem(error) {
    return error?.code === PERMISSION_DENIED || ["access-denied", "not-authorized"].includes(error?.data?.problem);
}
