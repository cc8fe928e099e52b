// Cockpit's dark theme, as its pages do it (pkg/lib/cockpit-dark-theme.js): the shell keeps the
// choice in localStorage "shell:style" (auto, light, dark) and announces changes with a
// "cockpit-style" event or a storage event; "auto" follows the browser's prefers-color-scheme.
const DARK = "pf-v6-theme-dark";

function apply(style) {
    const choice = style || window.localStorage.getItem("shell:style") || "auto";
    const prefersDark = window.matchMedia?.("(prefers-color-scheme: dark)").matches;
    const dark = choice === "dark" || (choice === "auto" && prefersDark);
    document.documentElement.classList.toggle(DARK, Boolean(dark));
}

export function followCockpitTheme() {
    window.addEventListener("storage", event => {
        if (event.key === "shell:style")
            apply();
    });
    window.matchMedia?.("(prefers-color-scheme: dark)").addEventListener("change", () => apply());
    window.addEventListener("cockpit-style", event => {
        if (event instanceof CustomEvent)
            apply(event.detail?.style);
    });
    apply();
}
