// Drives Debian's headless Chromium (puppeteer-core) against a real cockpit-ws and usbpassd.
// The C# test (tests/UsbPassd.Tests.Integration/Cockpit) starts both, runs this, and checks the
// report it prints (one JSON line, last on stdout) against the daemon and libvirt.
//   node browser.mjs main|denied|limited|hotplug|bench  (settings in the environment, see below)
import puppeteer from "puppeteer-core";
import net from "node:net";
import path from "node:path";
import { mkdirSync } from "node:fs";
import { execFileSync } from "node:child_process";

const mode = process.argv[2];
const base = process.env.CK_URL;                 // http://127.0.0.1:PORT
const socket = process.env.CK_SOCKET;            // the daemon's socket, for "another client"
const domain = process.env.CK_DOMAIN;            // a persistent, shut-off domain
const device = process.env.CK_DEVICE;            // port_id of an eligible device
const shots = process.env.CK_SCREENSHOTS;        // where screenshots go
const pageUrl = `${base}/cockpit/@localhost/usbpassd/index.html`;
const report = {};
const timeout = 30000;

/** Another client of the daemon (a second operator, an orchestrator): one request, its reply. */
function rpc(method, params) {
    return new Promise((resolve, reject) => {
        const s = net.connect(socket);
        let buf = "";
        s.on("data", d => {
            buf += d;
            const i = buf.indexOf("\n");
            if (i >= 0) {
                s.end();
                resolve(JSON.parse(buf.slice(0, i)));
            }
        });
        s.on("error", reject);
        s.write(JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) + "\n");
    });
}

async function shot(page, name) {
    if (!shots)
        return;
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, name), fullPage: false });
}

const row = port => `#device-table tr[data-port="${port}"]`;

async function chooseVm(page, name) {
    await page.waitForSelector("#action-dialog #vm-picker", { timeout });
    const value = await page.$eval("#vm-picker", (s, n) => [...s.options].find(o => o.textContent.startsWith(n + " "))?.value, name);
    if (!value)
        throw new Error(`the VM picker does not offer ${name}`);
    await page.select("#vm-picker", value);
    return value;
}

async function main(page) {
    const t0 = Date.now();
    await page.goto(pageUrl, { waitUntil: "domcontentloaded" });
    await page.waitForSelector("#device-table[data-loaded]", { timeout });
    report.loadMs = Date.now() - t0;
    report.ports = await page.$$eval("#device-table tbody tr", rows => rows.map(r => r.dataset.port));
    report.cells = await page.$eval(row(device), r => [...r.cells].map(c => c.textContent));
    await page.waitForSelector("#host-card", { timeout });
    report.summary = await page.$eval("#summary", e => e.textContent);
    await shot(page, "table.png");

    // Another client reserves the device: the row changes without a reload.
    const fake = "00000000-0000-4000-8000-00000000c0c0";
    // A mark that a reload would wipe: the changes below must arrive without one.
    await page.evaluate(() => { window.usbpassdLoadMark = "first load" });
    report.otherReserve = await rpc("devices.reserve", { device, instance_uuid: fake });
    await page.waitForSelector(`${row(device)}[data-status="reserved"]`, { timeout });
    report.rowAfterReserve = await page.$eval(row(device), r => [...r.cells].map(c => c.textContent));

    // The device's page: identity, the policy's verdict, history.
    await page.click(`${row(device)} button`);
    await page.waitForSelector("#policy-verdict[data-verdict]", { timeout });
    await page.waitForSelector("#history-card table, #history-card p:not(:has(.pf-v6-c-spinner))", { timeout });
    report.verdict = await page.$eval("#policy-verdict", e => e.textContent);
    report.history = await page.$eval("#history-card", e => e.textContent);
    await shot(page, "device.png");

    // Attach while another instance holds it: the daemon's sentence, verbatim.
    await page.click('button[data-action="attach"]');
    const uuid = await chooseVm(page, domain);
    await shot(page, "attach-dialog.png");
    await page.click('#action-dialog button[type="submit"]');
    await page.waitForSelector(".usbpassd-error", { timeout });
    report.refusalShown = await page.$eval(".usbpassd-error .pf-v6-c-alert__title", e => e.textContent);
    report.refusalDaemon = await rpc("devices.attach", { device, instance: uuid });
    await shot(page, "refusal.png");

    // The other client lets go; the page attaches to the shut-off domain.
    await rpc("devices.release", { device, instance_uuid: fake });
    await page.waitForFunction(() => document.querySelector("#detail-status")?.textContent === "available", { timeout });
    await page.click('button[data-action="attach"]');
    await chooseVm(page, domain);
    await page.select("#controller", "xhci");
    await page.select("#missing-policy", "optional");
    await page.click('#action-dialog button[type="submit"]');
    await page.waitForSelector(".usbpassd-success", { timeout });
    await page.waitForFunction(() => document.querySelector("#detail-status")?.textContent === "attached", { timeout });
    report.attachShown = await page.$eval(".usbpassd-success", e => e.textContent);
    await shot(page, "attached.png");
    report.loadMark = await page.evaluate(() => window.usbpassdLoadMark ?? null);
    const definition = () => execFileSync("virsh", ["-c", "qemu:///system", "dumpxml", "--inactive", domain], { encoding: "utf8" });
    report.xmlAttached = definition();

    // And out again, from the page.
    await page.click('button[data-action="detach"]');
    await page.waitForFunction(() => document.querySelector("#detail-status")?.textContent === "available", { timeout });
    report.xmlDetached = definition();

    // Every control has a name a screen reader says.
    await page.click("#back");
    await page.waitForSelector("#device-table[data-loaded]", { timeout });
    report.unlabelled = await page.$$eval("button, select, input", es => es.filter(e => !(e.getAttribute("aria-label") || e.textContent.trim() || (e.id && document.querySelector(`label[for="${e.id}"]`)))).map(e => e.outerHTML));
    // The keyboard alone reaches a device's page: Tab to its button, Enter.
    report.tabbed = [];
    for (let i = 0; i < 6 && !report.tabbed.at(-1)?.startsWith("Open "); i++) {
        await page.keyboard.press("Tab");
        report.tabbed.push(await page.evaluate(() => document.activeElement?.getAttribute("aria-label") || document.activeElement?.textContent || ""));
    }
    await page.keyboard.press("Enter");
    await page.waitForSelector("#device-title", { timeout });
    report.keyboardOpened = await page.$eval("#device-title", e => e.textContent);
    await page.click("#back");
    await page.waitForSelector("#device-table[data-loaded]", { timeout });

    // Cockpit's dark theme, as the shell switches it.
    await page.evaluate(() => {
        localStorage.setItem("shell:style", "dark");
        window.dispatchEvent(new CustomEvent("cockpit-style", { detail: { style: "dark" } }));
    });
    report.dark = await page.evaluate(() => document.documentElement.classList.contains("pf-v6-theme-dark"));
    await shot(page, "dark.png");
    await page.evaluate(() => {
        localStorage.removeItem("shell:style");
        window.dispatchEvent(new CustomEvent("cockpit-style", { detail: { style: "light" } }));
    });

    await page.setViewport({ width: 400, height: 800 });
    await page.$eval("#device-table", e => e.scrollIntoView());
    await shot(page, "phone.png");
    report.phoneOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    // The table turns into one card a device (PatternFly's grid mode) rather than scrolling sideways.
    report.tableOverflow = await page.$eval(".usbpassd-scroll", e => e.scrollWidth - e.clientWidth);
}

async function denied(page) {
    await page.goto(pageUrl, { waitUntil: "domcontentloaded" });
    await page.waitForSelector("#permission-denied", { timeout });
    report.denied = await page.$eval("#permission-denied", e => e.textContent);
    report.alert = await page.$eval(".usbpassd-error", e => e.textContent);
    await shot(page, "denied.png");
}

async function limited(page) {
    await page.goto(pageUrl, { waitUntil: "domcontentloaded" });
    await page.waitForSelector("#device-table[data-loaded]", { timeout });
    report.rows = await page.$$eval("#device-table tbody tr", rows => rows.length);
    await page.click(`${row(device)} button`);
    await page.waitForSelector('button[data-action="attach"]:not([disabled])', { timeout });
    await page.click('button[data-action="attach"]');
    await chooseVm(page, domain);
    await page.click('#action-dialog button[type="submit"]');
    await page.waitForSelector(".usbpassd-error", { timeout });
    report.refusal = await page.$eval(".usbpassd-error .pf-v6-c-alert__title", e => e.textContent);
    report.note = await page.$eval(".usbpassd-error .usbpassd-note", e => e.textContent);
    report.statusAfter = await page.$eval("#detail-status", e => e.textContent);
    await shot(page, "limited.png");
}

// Waits for the C# side to do something (plug a device): "ready" out, one line in.
function handOver(what) {
    console.log(JSON.stringify({ ready: what }));
    return new Promise(resolve => process.stdin.once("data", resolve));
}

async function hotplug(page) {
    await page.goto(pageUrl, { waitUntil: "domcontentloaded" });
    await page.waitForSelector("#device-table[data-loaded]", { timeout });
    await page.evaluate(() => { window.usbpassdLoadMark = "first load" });
    report.before = await page.$$eval("#device-table tbody tr", rows => rows.map(r => r.dataset.port));
    await handOver("plug");
    await page.waitForSelector(row(device), { timeout });
    report.plugged = await page.$eval(row(device), r => [...r.cells].map(c => c.textContent));
    await handOver("unplug");
    await page.waitForFunction(sel => !document.querySelector(sel), { timeout }, row(device));
    report.after = await page.$$eval("#device-table tbody tr", rows => rows.map(r => r.dataset.port));
    report.loadMark = await page.evaluate(() => window.usbpassdLoadMark ?? null);
}

async function bench(page) {
    const t0 = Date.now();
    await page.goto(pageUrl, { waitUntil: "domcontentloaded" });
    await page.waitForSelector("#device-table[data-loaded]", { timeout: 120000 });
    report.loadMs = Date.now() - t0;
    report.rows = await page.$$eval("#device-table tbody tr", rows => rows.length);
    report.inPageMs = await page.evaluate(() => performance.now());
    // One change: the time from the other client's request to the row showing it.
    await page.evaluate(port => {
        window.changedAt = null;
        new MutationObserver(() => {
            if (window.changedAt === null && document.querySelector(`#device-table tr[data-port="${port}"][data-status="reserved"]`))
                window.changedAt = Date.now();
        }).observe(document.querySelector("#device-table tbody"), { childList: true, subtree: true, attributes: true });
    }, device);
    const sent = Date.now();
    report.reserve = await rpc("devices.reserve", { device, instance_uuid: "00000000-0000-4000-8000-00000000c0c1" });
    await page.waitForFunction(() => window.changedAt !== null, { timeout });
    report.changeMs = (await page.evaluate(() => window.changedAt)) - sent;
}

const browser = await puppeteer.launch({
    executablePath: process.env.CK_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    defaultViewport: { width: 1280, height: 800 },
});
let failed = null;
try {
    const page = await browser.newPage();
    report.console = [];
    page.on("console", m => { if (["error", "warning"].includes(m.type())) report.console.push(m.text()) });
    page.on("pageerror", e => report.console.push(`pageerror: ${e.message}`));
    await { main, denied, limited, hotplug, bench }[mode](page);
} catch (e) {
    failed = e;
    report.error = String(e?.stack || e);
} finally {
    await browser.close();
}
console.log(JSON.stringify(report));
process.stdin.pause();
process.exit(failed ? 1 : 0);
