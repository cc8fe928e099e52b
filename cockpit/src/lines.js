// The stream channel hands over whatever one socket read returned: part of a line, or several.
// This joins chunks and yields whole lines (the protocol is one JSON object per "\n").
export class LineSplitter {
    constructor() {
        this.buffer = "";
    }

    /** Adds a chunk; returns the complete lines it finished, without their "\n". */
    push(chunk) {
        this.buffer += chunk;
        const lines = [];
        let start = 0;
        let i;
        while ((i = this.buffer.indexOf("\n", start)) >= 0) {
            if (i > start)
                lines.push(this.buffer.slice(start, i));
            start = i + 1;
        }
        this.buffer = this.buffer.slice(start);
        return lines;
    }
}
