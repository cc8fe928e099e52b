// The stream channel's chunks are not lines (shared/docs/cockpit.md §6): whatever way a reply is
// cut, the splitter gives back exactly the lines that were sent. Run by node --test (the C# test
// CockpitPageTests runs it too).
import { test } from "node:test";
import assert from "node:assert/strict";
import { LineSplitter } from "../src/lines.js";

const lines = ['{"id":1,"result":[]}', '{"method":"device.changed","params":{"device":{"id":7,"serial":"é\\n"}}}', "x".repeat(300_000)];
const text = lines.join("\n") + "\n";

function split(chunks) {
    const s = new LineSplitter();
    return chunks.flatMap(c => s.push(c));
}

test("one chunk holding several lines", () => {
    assert.deepEqual(split([text]), lines);
});

test("every cut of the text into two chunks", () => {
    for (let i = 0; i <= 200; i++)
        assert.deepEqual(split([text.slice(0, i), text.slice(i)]), lines);
});

test("one character a chunk", () => {
    assert.deepEqual(split([...text.slice(0, 200)]), lines.slice(0, 2));
});

test("random chunks", () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let round = 0; round < 50; round++) {
        const chunks = [];
        for (let at = 0; at < text.length;) {
            const n = 1 + Math.floor(random() * 70_000);
            chunks.push(text.slice(at, at + n));
            at += n;
        }
        assert.deepEqual(split(chunks), lines);
    }
});

test("a partial line waits for its end", () => {
    const s = new LineSplitter();
    assert.deepEqual(s.push('{"id":1,'), []);
    assert.deepEqual(s.push('"result":2}\n{"id"'), ['{"id":1,"result":2}']);
    assert.equal(s.buffer, '{"id"');
});
