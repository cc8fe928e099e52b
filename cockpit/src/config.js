// Where the daemon's socket is. The page's own manifest carries "config": {"socket": ...}; an
// operator (or a test) changes it the Cockpit way, with /etc/cockpit/usbpassd.override.json
// (or $XDG_CONFIG_DIRS/cockpit/usbpassd.override.json), which the bridge merges into the manifest.
// Nothing the URL or the page's storage says can point the page elsewhere.
export const DEFAULT_SOCKET = "/run/usbpassd/usbpassd.sock";

export async function socketPath() {
    try {
        const response = await fetch("../manifests.json", { credentials: "same-origin" });
        if (response.ok) {
            const manifests = await response.json();
            const socket = manifests?.usbpassd?.config?.socket;
            if (typeof socket === "string" && socket.startsWith("/"))
                return socket;
        }
    } catch (e) {
        console.warn("usbpassd: manifests.json not readable, using the default socket", e);
    }
    return DEFAULT_SOCKET;
}
