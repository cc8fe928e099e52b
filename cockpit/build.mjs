// Builds the page into OUT (default ../build/cockpit/usbpassd): manifest, index.html, one JS and
// one CSS bundle, minified, nothing loaded from elsewhere (Cockpit's CSP allows only its origin).
import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import path from "node:path";

const here = path.dirname(new URL(import.meta.url).pathname);
const out = path.resolve(process.argv[2] || path.join(here, "..", "build", "cockpit", "usbpassd"));
mkdirSync(out, { recursive: true });

await esbuild.build({
    entryPoints: { usbpassd: path.join(here, "src", "app.js"), "usbpassd.css": path.join(here, "src", "styles.css") },
    outdir: out,
    bundle: true,
    minify: true,
    format: "iife",
    target: ["chrome110", "firefox115", "safari16"],
    // PatternFly's felt-theme background images are not used; Cockpit serves the fonts.
    external: ["*.svg", "*.woff2"],
    logLevel: "warning",
    legalComments: "linked",
});
// esbuild names a CSS entry point "usbpassd.css.css": put it where index.html looks.
import { renameSync, existsSync } from "node:fs";
if (existsSync(path.join(out, "usbpassd.css.css")))
    renameSync(path.join(out, "usbpassd.css.css"), path.join(out, "usbpassd.css"));

for (const file of ["manifest.json", "index.html"])
    copyFileSync(path.join(here, file), path.join(out, file));

let total = 0;
for (const file of ["usbpassd.js", "usbpassd.css"]) {
    const bytes = readFileSync(path.join(out, file));
    const gz = gzipSync(bytes, { level: 9 }).length;
    total += gz;
    console.log(`${file}: ${(bytes.length / 1024).toFixed(1)} KiB, ${(gz / 1024).toFixed(1)} KiB gzipped`);
}
console.log(`bundle: ${(total / 1024).toFixed(1)} KiB gzipped (goal: 300 KiB)`);
