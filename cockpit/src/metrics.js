// The few figures of metrics.get's Prometheus text the page shows at a glance.
export function parsePrometheus(text) {
    const samples = [];
    for (const line of text.split("\n")) {
        if (line === "" || line.startsWith("#"))
            continue;
        const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
        if (!match)
            continue;
        const labels = {};
        for (const [, k, v] of (match[2] || "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
            labels[k] = v;
        samples.push({ name: match[1], labels, value: Number(match[3]) });
    }
    return samples;
}

export function sum(samples, name, filter = () => true) {
    return samples.filter(s => s.name === name && filter(s.labels)).reduce((total, s) => total + s.value, 0);
}

/** label → number: attaches ok/failed, detaches, refusals, uevents, libvirt connected. */
export function glance(text) {
    const s = parsePrometheus(text);
    return [
        ["Attaches", `${sum(s, "usbpassd_attaches_total", l => l.result === "ok")} ok, ${sum(s, "usbpassd_attaches_total", l => l.result !== "ok")} failed`],
        ["Detaches", `${sum(s, "usbpassd_detaches_total", l => l.result === "ok")} ok, ${sum(s, "usbpassd_detaches_total", l => l.result !== "ok")} failed`],
        ["Re-attaches after replug", String(sum(s, "usbpassd_reattaches_total"))],
        ["Refusals", String(sum(s, "usbpassd_refusals_total"))],
        ["Uevents", `${sum(s, "usbpassd_uevents_total")} (${sum(s, "usbpassd_uevents_rejected_total")} rejected)`],
    ];
}
