// SPDX-License-Identifier: MIT
// dom.js -- a tiny element builder: h('button', {class: 'x', onclick}, 'Text').

let nextId = 0;

export function uid(prefix = 'u') {
	nextId += 1;
	return `${prefix}${nextId}`;
}

export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v == null || v === false)
			continue;
		if (k.startsWith('on') && typeof v === 'function')
			el.addEventListener(k.slice(2), v);
		else if (k === 'class')
			el.className = v;
		else if (k === 'html')
			el.innerHTML = v;
		else if (k in el && typeof v !== 'string')
			el[k] = v;
		else
			el.setAttribute(k, v === true ? '' : String(v));
	}
	for (const c of children.flat()) {
		if (c == null || c === false)
			continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return el;
}

export function setText(el, text) {
	const s = String(text);
	if (el.textContent !== s)
		el.textContent = s;
}
