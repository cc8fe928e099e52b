import { h } from "./dom.js";
import { comparePorts, deviceName, ids, ownerText, statusClass } from "./format.js";

const COLUMNS = ["Port", "VID:PID", "Name", "Serial", "Status", "Owner"];

/**
 * The device table: one row per live device, keyed by the record's id, so that a notification
 * replaces, adds or removes one row and never redraws the table.
 */
export class DeviceTable {
    constructor({ onOpen }) {
        this.onOpen = onOpen;
        this.rows = new Map();
        this.filter = "";
        this.body = h("tbody", { className: "pf-v6-c-table__tbody", role: "rowgroup" });
        this.count = h("span", { className: "usbpassd-count", "aria-live": "polite" });
        const search = h("input", {
            className: "usbpassd-search",
            type: "search",
            placeholder: "Filter by port, ids, name, serial, status or owner",
            "aria-label": "Filter devices",
            oninput: event => {
                this.filter = event.target.value.trim().toLowerCase();
                for (const row of this.rows.values())
                    this.applyFilter(row);
                this.updateCount();
            },
        });
        this.element = h("section", { className: "pf-v6-c-card usbpassd-devices", "aria-labelledby": "devices-title" },
            h("div", { className: "pf-v6-c-card__header usbpassd-toolbar" },
                h("h2", { id: "devices-title", className: "pf-v6-c-card__title-text" }, "USB devices"),
                h("span", { className: "pf-v6-c-form-control pf-m-search" }, search),
                this.count),
            h("div", { className: "pf-v6-c-card__body usbpassd-scroll" },
                h("table", { id: "device-table", className: "pf-v6-c-table pf-m-compact pf-m-grid-md", role: "grid", "aria-label": "USB devices" },
                    h("thead", { className: "pf-v6-c-table__thead" },
                        h("tr", { className: "pf-v6-c-table__tr", role: "row" },
                            COLUMNS.map(c => h("th", { className: "pf-v6-c-table__th", scope: "col", role: "columnheader" }, c)))),
                    this.body)));
    }

    /** All rows at once (the first devices.list, or after a reconnect). */
    fill(devices, instancesByUuid) {
        this.instancesByUuid = instancesByUuid;
        this.rows.clear();
        const fragment = document.createDocumentFragment();
        for (const d of [...devices].sort(comparePorts)) {
            const row = this.row(d);
            this.rows.set(d.id, row);
            fragment.append(row);
        }
        this.body.replaceChildren(fragment);
        this.table().setAttribute("data-loaded", String(this.rows.size));
        this.updateCount();
    }

    table() {
        return this.element.querySelector("table");
    }

    upsert(d) {
        const row = this.row(d);
        const old = this.rows.get(d.id);
        if (old) {
            old.replaceWith(row);
        } else {
            // In port order, as fill() put them.
            const next = [...this.rows.values()].find(r => comparePorts(r.record, d) > 0);
            this.body.insertBefore(row, next || null);
        }
        this.rows.set(d.id, row);
        this.updateCount();
    }

    remove(id) {
        this.rows.get(id)?.remove();
        this.rows.delete(id);
        this.updateCount();
    }

    setInstances(instancesByUuid) {
        this.instancesByUuid = instancesByUuid;
        for (const row of [...this.rows.values()])
            this.upsert(row.record);
    }

    row(d) {
        const name = deviceName(d);
        const owner = ownerText(d, this.instancesByUuid || new Map());
        const cell = (label, ...content) => h("td", { className: "pf-v6-c-table__td", role: "gridcell", "data-label": label }, ...content);
        const row = h("tr", { className: "pf-v6-c-table__tr", role: "row", "data-id": d.id, "data-port": d.port_id || "", "data-status": d.status },
            cell("Port", h("button", {
                className: "pf-v6-c-button pf-m-link pf-m-inline",
                type: "button",
                "aria-label": `Open ${name} at port ${d.port_id || "?"}`,
                onclick: () => this.onOpen(d),
            }, d.port_id || "-")),
            cell("VID:PID", h("code", {}, ids(d))),
            cell("Name", name),
            cell("Serial", d.serial ?? "-"),
            cell("Status", h("span", { className: statusClass(d.status) }, h("span", { className: "pf-v6-c-label__content" }, d.status))),
            cell("Owner", owner));
        row.record = d;
        row.searchText = [d.port_id, ids(d), name, d.serial, d.status, owner, d.instance_uuid].join(" ").toLowerCase();
        this.applyFilter(row);
        return row;
    }

    applyFilter(row) {
        row.hidden = this.filter !== "" && !row.searchText.includes(this.filter);
    }

    updateCount() {
        const shown = [...this.rows.values()].filter(r => !r.hidden).length;
        this.count.textContent = shown === this.rows.size ? `${this.rows.size} devices` : `${shown} of ${this.rows.size} devices`;
    }
}
