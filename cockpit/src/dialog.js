import { h } from "./dom.js";
import { deviceName } from "./format.js";

function field(id, label, control, help) {
    return h("div", { className: "pf-v6-c-form__group" },
        h("div", { className: "pf-v6-c-form__group-label" }, h("label", { className: "pf-v6-c-form__label", for: id }, h("span", { className: "pf-v6-c-form__label-text" }, label))),
        h("div", { className: "pf-v6-c-form__group-control" }, control,
            help ? h("div", { className: "pf-v6-c-form__helper-text" }, h("div", { className: "pf-v6-c-helper-text" }, h("div", { className: "pf-v6-c-helper-text__item" }, h("span", { className: "pf-v6-c-helper-text__item-text" }, help)))) : null));
}

function select(id, options) {
    return h("span", { className: "pf-v6-c-form-control" },
        h("select", { id, "aria-label": id.replace(/-/g, " ") }, options.map(([value, text]) => h("option", { value }, text))));
}

/**
 * Attach or reserve: the VM picker (every libvirt domain, running or shut off), and for attach the
 * guest controller and what libvirt does when the device is missing at the domain's start.
 * Resolves with the params to send, or null when cancelled. Keyboard: Tab cycles inside, Escape cancels.
 */
export function askTarget(kind, device, instances) {
    return new Promise(resolve => {
        const vms = instances.map(i => [i.uuid, `${i.name} (${i.state}${i.persistent ? "" : ", transient"})`]);
        const picker = select("vm-picker", vms.length ? vms : [["", "no libvirt domains on this host"]]);
        const fields = [field("vm-picker", "Virtual machine", picker)];
        if (kind === "attach") {
            fields.push(field("controller", "Guest USB controller", select("controller", [["", "automatic"], ["xhci", "xhci (USB 3)"], ["ehci", "ehci (USB 2)"], ["uhci", "uhci (USB 1)"]]),
                "A shut-off VM without this controller gets one added to its definition."));
            fields.push(field("missing-policy", "When the device is missing at VM start", select("missing-policy", [["", "policy default"], ["optional", "optional: start without it"], ["requisite", "requisite: start without it, keep it in the definition"], ["mandatory", "mandatory: refuse to start"]])));
        } else {
            fields.push(field("ttl", "Reservation time (seconds)", h("span", { className: "pf-v6-c-form-control" }, h("input", { id: "ttl", type: "number", min: "1", placeholder: "daemon default", "aria-label": "reservation time in seconds" }))));
        }
        const verb = kind === "attach" ? "Attach" : "Reserve";
        const close = result => {
            backdrop.remove();
            document.removeEventListener("keydown", onKey, true);
            resolve(result);
        };
        const value = id => backdrop.querySelector(`#${id}`)?.value || null;
        const ok = h("button", {
            className: "pf-v6-c-button pf-m-primary",
            type: "submit",
            disabled: vms.length === 0,
        }, verb);
        const form = h("form", {
            className: "pf-v6-c-form",
            onsubmit: event => {
                event.preventDefault();
                const params = { instance: value("vm-picker") };
                if (kind === "attach") {
                    if (value("controller"))
                        params.controller = value("controller");
                    if (value("missing-policy"))
                        params.missing_policy = value("missing-policy");
                } else if (value("ttl")) {
                    params.ttl_seconds = Number(value("ttl"));
                }
                close(params);
            },
        }, fields,
        h("footer", { className: "pf-v6-c-modal-box__footer" },
            ok,
            h("button", { className: "pf-v6-c-button pf-m-link", type: "button", onclick: () => close(null) }, "Cancel")));
        const box = h("div", { className: "pf-v6-c-modal-box pf-m-sm", role: "dialog", "aria-modal": "true", "aria-labelledby": "dialog-title", id: "action-dialog" },
            h("header", { className: "pf-v6-c-modal-box__header" }, h("h1", { className: "pf-v6-c-modal-box__title", id: "dialog-title" }, `${verb} ${deviceName(device)} (port ${device.port_id})`)),
            h("div", { className: "pf-v6-c-modal-box__body" }, form));
        const backdrop = h("div", { className: "pf-v6-c-backdrop" }, h("div", { className: "pf-v6-l-bullseye" }, box));
        const onKey = event => {
            if (event.key === "Escape") {
                event.preventDefault();
                close(null);
            } else if (event.key === "Tab") {
                // Focus stays in the dialog.
                const focusable = [...box.querySelectorAll("select, input, button:not([disabled])")];
                const i = focusable.indexOf(document.activeElement);
                const next = event.shiftKey ? (i <= 0 ? focusable.length - 1 : i - 1) : (i + 1) % focusable.length;
                event.preventDefault();
                focusable[next].focus();
            }
        };
        document.addEventListener("keydown", onKey, true);
        document.body.append(backdrop);
        backdrop.querySelector("#vm-picker").focus();
    });
}
