// How a device record reads, the same words as usbpassctl list.
export function deviceName(d) {
    if (!d.info)
        return "(no facts: a seed-era row)";
    const name = [d.info.vendor_name, d.info.product_name].filter(s => s).join(" ");
    return name || d.info.device_class_name || "(no name)";
}

export function ids(d) {
    return `${d.vendor_id}:${d.product_id}`;
}

const STATUS_COLOURS = {
    available: "pf-m-green",
    reserved: "pf-m-orange",
    attaching: "pf-m-blue",
    attached: "pf-m-blue",
    detaching: "pf-m-blue",
    external: "pf-m-purple",
    blocked: "pf-m-red",
    ambiguous: "pf-m-yellow",
    missing: "pf-m-grey",
};

export function statusClass(status) {
    return `pf-v6-c-label pf-m-compact ${STATUS_COLOURS[status] || ""}`;
}

/** The owner as a person reads it: the domain's name when known, else its UUID. */
export function ownerText(d, instancesByUuid) {
    if (!d.instance_uuid)
        return "-";
    const instance = instancesByUuid.get(d.instance_uuid);
    return instance ? instance.name : d.instance_uuid;
}

// Port ids as numbers where they are numbers (1-2.10 after 1-2.9), like a person sorts them.
export function comparePorts(a, b) {
    const pa = (a.port_id || "").split(/[-.]/);
    const pb = (b.port_id || "").split(/[-.]/);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
        const x = pa[i] ?? "";
        const y = pb[i] ?? "";
        const nx = Number(x);
        const ny = Number(y);
        const c = Number.isNaN(nx) || Number.isNaN(ny) ? x.localeCompare(y) : nx - ny;
        if (c !== 0)
            return c;
    }
    return a.id - b.id;
}
