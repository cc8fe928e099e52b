import { h } from "./dom.js";
import { deviceName, ids, ownerText, statusClass } from "./format.js";
import { card, descriptionList } from "./summary.js";

const VERDICTS = {
    allowed: "Allowed: this device may be passed to a VM.",
    blocked: "Blocked by the policy: it cannot be passed to a VM.",
    refused: "Refused by a host safety check: passing it would harm the host.",
};

/** The policy's verdict in words: what, and why (the rule and the reasons the daemon gave). */
export function verdictText(check) {
    const words = [VERDICTS[check.verdict] || check.verdict];
    if (check.reason)
        words.push(check.reason);
    if (check.rule && !check.reason?.includes(check.rule))
        words.push(`Rule: ${check.rule}`);
    for (const refusal of check.refusals || [])
        words.push(typeof refusal === "string" ? refusal : refusal.reason || JSON.stringify(refusal));
    if (check.overridden?.length)
        words.push(`Overridden: ${check.overridden.join("; ")}`);
    return words.join(" ");
}

export function identity(d, instancesByUuid) {
    const info = d.info || {};
    return card("identity-card", "Identity", descriptionList("Identity", [
        ["Name", deviceName(d)],
        ["Status", h("span", { className: statusClass(d.status), id: "detail-status" }, h("span", { className: "pf-v6-c-label__content" }, d.status))],
        ["Owner", ownerText(d, instancesByUuid)],
        ["Port", d.port_id ?? "-"],
        ["Address", d.address],
        ["VID:PID", ids(d)],
        ["Serial", d.serial ?? "-"],
        ["dev_id", d.dev_id],
        ["Manufacturer", info.manufacturer ?? "-"],
        ["Product", info.product ?? "-"],
        ["Class", info.device_class_name ?? "-"],
        ["Speed", info.speed_mbps ? `${info.speed_mbps} Mbit/s` : "-"],
        ["Interfaces", (info.interfaces || []).map(i => i.class_name).join(", ") || "-"],
        ["Eligible", info.eligible === false ? `no: ${info.ineligible_reason}` : "yes"],
    ]));
}

export function historyTable(entries, instancesByUuid) {
    if (entries.length === 0)
        return h("p", {}, "No history for this device yet.");
    return h("table", { className: "pf-v6-c-table pf-m-compact pf-m-grid-md", "aria-label": "Device history" },
        h("thead", { className: "pf-v6-c-table__thead" }, h("tr", { className: "pf-v6-c-table__tr" },
            ["When", "What", "Instance", "By", "Detail"].map(c => h("th", { className: "pf-v6-c-table__th", scope: "col" }, c)))),
        h("tbody", { className: "pf-v6-c-table__tbody" }, [...entries].reverse().map(e => h("tr", { className: "pf-v6-c-table__tr" },
            h("td", { className: "pf-v6-c-table__td", "data-label": "When" }, e.at),
            h("td", { className: "pf-v6-c-table__td", "data-label": "What" }, e.kind),
            h("td", { className: "pf-v6-c-table__td", "data-label": "Instance" }, e.instance_uuid ? (instancesByUuid.get(e.instance_uuid)?.name ?? e.instance_uuid) : "-"),
            h("td", { className: "pf-v6-c-table__td", "data-label": "By" }, e.by ?? "-"),
            h("td", { className: "pf-v6-c-table__td", "data-label": "Detail" }, e.detail ? (typeof e.detail === "string" ? e.detail : JSON.stringify(e.detail)) : "")))));
}
