import { h } from "./dom.js";
import { glance } from "./metrics.js";

function list(label, pairs) {
    return h("dl", { className: "pf-v6-c-description-list pf-m-horizontal pf-m-compact", "aria-label": label },
        pairs.map(([term, value]) => h("div", { className: "pf-v6-c-description-list__group" },
            h("dt", { className: "pf-v6-c-description-list__term" }, h("span", { className: "pf-v6-c-description-list__text" }, term)),
            h("dd", { className: "pf-v6-c-description-list__description" }, h("div", { className: "pf-v6-c-description-list__text" }, value)))));
}

function card(id, title, body) {
    return h("section", { className: "pf-v6-c-card pf-m-compact", id, "aria-labelledby": `${id}-title` },
        h("div", { className: "pf-v6-c-card__title" }, h("h2", { id: `${id}-title`, className: "pf-v6-c-card__title-text" }, title)),
        h("div", { className: "pf-v6-c-card__body" }, body));
}

/** Host, devices by status, metrics at a glance and, with Placement configured, its sync state. */
export function summary(host, metricsText) {
    const cards = [];
    const byStatus = Object.entries(host.devices_by_status || {}).map(([s, n]) => `${n} ${s}`).join(", ") || "none";
    cards.push(card("host-card", "Host", list("Host", [
        ["Host name", host.hostname],
        ["usbpassd", host.version],
        ["libvirt", host.libvirt],
        ["Devices", byStatus],
    ])));
    if (metricsText !== null)
        cards.push(card("metrics-card", "Activity", list("Metrics", glance(metricsText))));
    if (host.placement) {
        const p = host.placement;
        cards.push(card("placement-card", "Placement sync", list("Placement", [
            ["State", p.state],
            ["Endpoint", p.endpoint ?? "-"],
            ["Providers", `${p.providers} (${p.allocated} allocated)`],
            ["Waiting to sync", String(p.pending)],
            ["Last sync", p.last_sync_at ?? "never"],
            ["Problem", p.problem ?? "none"],
        ])));
    }
    return h("div", { className: "usbpassd-summary" }, cards);
}

export { list as descriptionList, card };
