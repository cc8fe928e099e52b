/* global cockpit */
import { socketPath } from "./config.js";
import { h, spinner } from "./dom.js";
import { identity, historyTable, verdictText } from "./detail.js";
import { askTarget } from "./dialog.js";
import { deviceName } from "./format.js";
import { RpcConnection, callPrivileged, isPermissionProblem } from "./rpc.js";
import { summary, card } from "./summary.js";
import { DeviceTable } from "./table.js";
import { followCockpitTheme } from "./theme.js";

const ADMIN_NOTE = "Changing ownership needs usbpassd's admin group or root: turn on administrative access (the \"Limited access\" button at the top of Cockpit) and try again.";

const state = {
    socket: null,
    reader: null,
    devices: new Map(),
    instances: [],
    instancesByUuid: new Map(),
    host: null,
    metrics: null,
    busy: null,
    message: null,
    held: null,
};

const app = document.getElementById("app");
const table = new DeviceTable({ onOpen: d => cockpit.location.go(["device", String(d.id)]) });
const summaryHolder = h("div", { id: "summary" });
const statusLine = h("div", { id: "status-line", role: "status", "aria-live": "polite" });

function route() {
    const path = cockpit.location.path;
    return path[0] === "device" && path[1] ? { view: "device", id: Number(path[1]) } : { view: "list" };
}

// ---- messages and progress ----

function showBusy(words) {
    state.busy = words;
    renderStatus();
}

function showMessage(kind, text, note) {
    state.message = { kind, text, note };
    state.busy = null;
    renderStatus();
}

function renderStatus() {
    const parts = [];
    if (state.busy)
        parts.push(h("div", { className: "usbpassd-busy", "data-busy": "" }, spinner(state.busy), " ", state.busy));
    if (state.message) {
        const { kind, text, note } = state.message;
        parts.push(h("div", { className: `pf-v6-c-alert pf-m-inline pf-m-${kind} usbpassd-${kind === "danger" ? "error" : kind}`, role: kind === "danger" ? "alert" : "status" },
            h("p", { className: "pf-v6-c-alert__title" }, text),
            note ? h("div", { className: "pf-v6-c-alert__description usbpassd-note" }, note) : null,
            h("div", { className: "pf-v6-c-alert__action" },
                h("button", { className: "pf-v6-c-button pf-m-plain", type: "button", "aria-label": "Dismiss message", onclick: () => { state.message = null; renderStatus() } }, "×"))));
    }
    statusLine.replaceChildren(...parts);
}

function errorMessage(error, modify) {
    if (isPermissionProblem(error))
        return showMessage("danger", error.message, modify ? ADMIN_NOTE : "Add your user to the group usbpassd (or turn on administrative access) to see the USB devices.");
    showMessage("danger", error.message);
}

// ---- the reading connection: list, host, metrics, and the live feed ----

async function connect(superuser) {
    state.reader?.close();
    const reader = new RpcConnection(state.socket, {
        superuser,
        onNotification: notified,
        onClose: error => lost(reader, error),
    });
    state.reader = reader;
    try {
        // Subscribe first, then list, and hold the notifications until the list is in the table: one
        // that overtook the list's reply may be newer than the list's row, so it is applied after it.
        state.held = [];
        await reader.call("events.subscribe");
        reader.ready = true;
        const [devices, host] = await Promise.all([reader.call("devices.list"), reader.call("host.info")]);
        state.host = host;
        state.devices = new Map(devices.map(d => [d.id, d]));
        await refreshInstances();
        table.fill(devices, state.instancesByUuid);
        const held = state.held;
        state.held = null;
        for (const [method, params] of held)
            notified(method, params);
        if (state.message?.kind === "danger" && state.message.text.startsWith("The connection"))
            state.message = null;
        render();
        refreshSummary();
    } catch (error) {
        state.held = null;
        if (superuser === undefined && isPermissionProblem(error)) {
            // Without the group, the user's own bridge gets no further; root's may (administrative access).
            return connect("try").catch(() => { errorMessage(error, false); renderPermissionPage(error) });
        }
        errorMessage(error, false);
        if (isPermissionProblem(error))
            renderPermissionPage(error);
        throw error;
    }
}

function lost(reader, error) {
    // A connection that never got going (no socket, no permission) is reported by connect() itself.
    if (state.reader !== reader || !reader.ready)
        return;
    showMessage("danger", `${error.message} Reconnecting…`);
    setTimeout(() => connect().catch(() => {}), 3000);
}

async function refreshInstances() {
    try {
        state.instances = await state.reader.call("instances.list");
    } catch (error) {
        // libvirt disabled or down: the table still works, the picker says why.
        state.instances = [];
        state.instancesProblem = error.message;
    }
    state.instancesByUuid = new Map(state.instances.map(i => [i.uuid, i]));
}

let summaryTimer = null;
function refreshSummary() {
    if (summaryTimer)
        return;
    summaryTimer = setTimeout(async () => {
        summaryTimer = null;
        try {
            const [host, metrics] = await Promise.all([state.reader.call("host.info"), state.reader.call("metrics.get")]);
            state.host = host;
            state.metrics = metrics.text;
            summaryHolder.replaceChildren(summary(state.host, state.metrics));
        } catch (error) {
            console.warn("usbpassd: summary", error);
        }
    }, 300);
}

function notified(method, params) {
    if (state.held) {
        state.held.push([method, params]);
        return;
    }
    const d = params?.device;
    if (!d)
        return;
    if (method === "device.removed") {
        state.devices.delete(d.id);
        table.remove(d.id);
    } else {
        state.devices.set(d.id, d);
        table.upsert(d);
    }
    if (d.instance_uuid && !state.instancesByUuid.has(d.instance_uuid))
        refreshInstances().then(() => table.setInstances(state.instancesByUuid));
    const r = route();
    if (r.view === "device" && r.id === d.id)
        renderDevice(d.id, false);
    refreshSummary();
}

// ---- actions ----

async function act(device, kind) {
    let params = { device: String(device.id) };
    if (kind === "attach" || kind === "reserve") {
        await refreshInstances();
        if (state.instances.length === 0 && state.instancesProblem)
            return showMessage("danger", state.instancesProblem);
        const target = await askTarget(kind, device, state.instances);
        if (!target)
            return;
        params = kind === "attach"
            ? { ...params, ...target }
            : { device: params.device, instance_uuid: target.instance, ...(target.ttl_seconds ? { ttl_seconds: target.ttl_seconds } : {}) };
    } else if (kind === "detach") {
        params.instance = device.instance_uuid;
    } else {
        params.instance_uuid = device.instance_uuid;
    }
    const vm = state.instancesByUuid.get(params.instance || params.instance_uuid)?.name || params.instance || params.instance_uuid;
    const words = { attach: `Attaching ${deviceName(device)} to ${vm}…`, detach: `Detaching ${deviceName(device)} from ${vm}…`, reserve: `Reserving ${deviceName(device)} for ${vm}…`, release: `Releasing ${deviceName(device)}…` }[kind];
    showBusy(words);
    setButtonsDisabled(true);
    try {
        const result = await callPrivileged(state.socket, `devices.${kind}`, params);
        state.devices.set(result.device.id, result.device);
        table.upsert(result.device);
        showMessage("success", `${kind[0].toUpperCase()}${kind.slice(1)}: ${deviceName(result.device)} is ${result.state} (${vm}).`);
    } catch (error) {
        errorMessage(error, true);
    } finally {
        setButtonsDisabled(false);
        const r = route();
        if (r.view === "device")
            renderDevice(r.id, true);
    }
}

function setButtonsDisabled(disabled) {
    for (const b of app.querySelectorAll("button[data-action]"))
        b.disabled = disabled;
}

function actionButtons(d) {
    const owned = Boolean(d.instance_uuid);
    const button = (kind, text, enabled) => h("button", {
        className: `pf-v6-c-button ${kind === "attach" ? "pf-m-primary" : "pf-m-secondary"}`,
        type: "button",
        "data-action": kind,
        "aria-label": `${text} ${deviceName(d)}`,
        disabled: !enabled || Boolean(state.busy),
        onclick: () => act(d, kind),
    }, text);
    return h("div", { className: "usbpassd-actions", role: "group", "aria-label": "Actions" },
        button("attach", "Attach…", !["attached", "attaching", "detaching", "blocked", "external"].includes(d.status)),
        button("detach", "Detach", ["attached"].includes(d.status) && owned),
        button("reserve", "Reserve…", d.status === "available"),
        button("release", "Release", d.status === "reserved" && owned));
}

// ---- views ----

function render() {
    const r = route();
    if (r.view === "device")
        return renderDevice(r.id, true);
    document.title = "USB passthrough";
    app.replaceChildren(
        h("h1", { className: "pf-v6-c-title pf-m-xl usbpassd-title" }, "USB passthrough"),
        statusLine,
        summaryHolder,
        table.element);
}

async function renderDevice(id, fetchMore) {
    const d = state.devices.get(id);
    if (!d) {
        app.replaceChildren(back(), statusLine, h("p", { id: "device-gone" }, `Device ${id} is not plugged in (any more).`));
        return;
    }
    document.title = `${deviceName(d)} — USB passthrough`;
    const policy = app.querySelector("#policy-card") || card("policy-card", "Policy", h("p", { id: "policy-verdict" }, spinner("Loading the policy's verdict"), " Asking the policy…"));
    const history = app.querySelector("#history-card") || card("history-card", "History", h("div", { id: "history" }, spinner("Loading the history"), " Loading…"));
    app.replaceChildren(back(),
        h("h1", { className: "pf-v6-c-title pf-m-xl usbpassd-title", id: "device-title" }, `${deviceName(d)} — port ${d.port_id}`),
        statusLine,
        actionButtons(d),
        h("div", { className: "usbpassd-detail" }, identity(d, state.instancesByUuid), policy, history));
    if (!fetchMore)
        return;
    try {
        const [check, page] = await Promise.all([
            state.reader.call("policy.check", { device: String(d.id) }),
            state.reader.call("history.list", { device: d.dev_id, limit: 50 }),
        ]);
        policy.querySelector(".pf-v6-c-card__body").replaceChildren(h("p", { id: "policy-verdict", "data-verdict": check.verdict }, verdictText(check)));
        history.querySelector(".pf-v6-c-card__body").replaceChildren(historyTable(page.entries, state.instancesByUuid));
    } catch (error) {
        policy.querySelector(".pf-v6-c-card__body").replaceChildren(h("p", { className: "usbpassd-error" }, error.message));
    }
}

function back() {
    return h("nav", { "aria-label": "Breadcrumb", className: "pf-v6-c-breadcrumb" },
        h("button", { className: "pf-v6-c-button pf-m-link pf-m-inline", type: "button", id: "back", onclick: () => cockpit.location.go([]) }, "← All USB devices"));
}

function renderPermissionPage(error) {
    app.replaceChildren(h("h1", { className: "pf-v6-c-title pf-m-xl usbpassd-title" }, "USB passthrough"), statusLine,
        h("div", { className: "pf-v6-c-empty-state", id: "permission-denied" },
            h("div", { className: "pf-v6-c-empty-state__content" },
                h("div", { className: "pf-v6-c-empty-state__header" },
                    h("div", { className: "pf-v6-c-empty-state__title" }, h("h2", { className: "pf-v6-c-empty-state__title-text" }, "Not allowed"))),
                h("div", { className: "pf-v6-c-empty-state__body" },
                    h("p", {}, error.message),
                    h("p", {}, "Ask an administrator to add you to the group usbpassd, or turn on administrative access.")))));
}

// ---- start ----

async function start() {
    followCockpitTheme();
    state.socket = await socketPath();
    cockpit.addEventListener("locationchanged", () => render());
    render();
    showBusy("Loading the devices…");
    try {
        await connect();
        state.busy = null;
        renderStatus();
    } catch (e) {
        console.warn("usbpassd:", e);
    }
}

cockpit.transport.wait(() => start());
