// A small element builder: h("td", { "data-label": "Port" }, text, child…). Text is always set as
// text, never parsed as HTML: device strings come from USB descriptors anyone can program.
export function h(tag, attributes, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
        if (value === null || value === undefined || value === false)
            continue;
        if (name.startsWith("on") && typeof value === "function")
            element.addEventListener(name.slice(2), value);
        else if (name === "className")
            element.className = value;
        else
            element.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
        if (child === null || child === undefined || child === false)
            continue;
        element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return element;
}

export function spinner(label) {
    return h("span", { className: "pf-v6-c-spinner pf-m-md", role: "progressbar", "aria-label": label });
}
