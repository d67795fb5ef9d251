// The provenance graph drawn as SVG: events as nodes coloured by verdict, refs as edges
// labelled with their checks (failing checks spelled out), each node's proof and anchors.
// Built with createElementNS and textContent only: nothing from the server is parsed.

"use strict";

import { t } from "./portal-i18n.js";

const NS = "http://www.w3.org/2000/svg";
const NODE_W = 250, NODE_H = 78, COL_GAP = 210, ROW_GAP = 60, PAD = 20;

function el(name, attrs = {}, text = null) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = text;
  return node;
}

// Layers: the root at the left, each ref one column further right (longest path).
function layers(doc) {
  const depth = new Map([[doc.event_id, 0]]);
  for (let round = 0; round < doc.nodes.length + 1; round += 1) {
    let changed = false;
    for (const e of doc.edges) {
      if (depth.has(e.from)) {
        const d = depth.get(e.from) + 1;
        if (!depth.has(e.to) || depth.get(e.to) < d) { depth.set(e.to, Math.min(d, doc.nodes.length)); changed = true; }
      }
    }
    if (!changed) break;
  }
  const columns = [];
  for (const n of doc.nodes) {
    const d = depth.get(n.id) ?? 0;
    (columns[d] ||= []).push(n);
  }
  return columns.map((c) => c || []);
}

function short(id) { return id.length > 16 ? `${id.slice(0, 12)}…` : id; }

export function drawProvenance(doc, onSelect) {
  const columns = layers(doc);
  const where = new Map();
  const rows = Math.max(1, ...columns.map((c) => c.length));
  const width = PAD * 2 + columns.length * NODE_W + (columns.length - 1) * COL_GAP;
  const height = PAD * 2 + rows * NODE_H + (rows - 1) * ROW_GAP + 40;
  const svg = el("svg", { class: "graph", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `${t("graph_title")}${doc.event_id}` });
  svg.append(el("title", {}, `${t("graph_title")}${doc.event_id}: ${doc.verdict}`));
  const defs = el("defs");
  for (const kind of ["valid", "invalid"]) {
    const marker = el("marker", { id: `arrow-${kind}`, viewBox: "0 0 10 10", refX: 10, refY: 5,
      markerWidth: 8, markerHeight: 8, orient: "auto-start-reverse" });
    marker.append(el("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: kind === "valid" ? "#11702b" : "#b00020" }));
    defs.append(marker);
  }
  svg.append(defs);
  columns.forEach((column, ci) => column.forEach((node, ri) => {
    where.set(node.id, { x: PAD + ci * (NODE_W + COL_GAP), y: PAD + ri * (NODE_H + ROW_GAP) });
  }));
  const edgeLayer = el("g");
  svg.append(edgeLayer);
  for (const edge of doc.edges) {
    const a = where.get(edge.from), b = where.get(edge.to);
    if (!a || !b) continue;
    const x1 = a.x + NODE_W, y1 = a.y + NODE_H / 2, x2 = b.x, y2 = b.y + NODE_H / 2;
    const g = el("g", { class: `edge ${edge.verdict}`, "data-from": edge.from, "data-to": edge.to,
      "data-verdict": edge.verdict });
    const mx = (x1 + x2) / 2;
    g.append(el("path", { d: `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}`,
      "marker-end": `url(#arrow-${edge.verdict})` }));
    const checks = edge.checks || [];
    const failing = checks.filter((c) => !c.ok);
    const lines = failing.length ? failing.map((c) => `✗ ${c.name}`) : checks.map((c) => `${c.warning ? "⚠" : "✓"} ${c.name}`);
    // Labels sit level with the target node: edges leaving one node to several targets
    // then never print on top of each other.
    const top = y2 - ((lines.length + 1) * 14) / 2 + 8;
    const label = el("text", { x: mx, y: top, "text-anchor": "middle" });
    label.append(el("tspan", { x: mx, dy: 0, "font-weight": 700 }, edge.kind));
    for (const line of lines) {
      label.append(el("tspan", { x: mx, dy: 14, class: failing.length ? "fail" : "pass",
        "data-check": line.slice(2) }, line));
    }
    label.setAttribute("class", failing.length ? "fail" : "pass");
    const title = el("title", {}, checks.map((c) => `${c.ok ? "✓" : "✗"} ${c.name}: ${c.detail}`).join("\n"));
    g.append(title, label);
    edgeLayer.append(g);
  }
  for (const node of doc.nodes) {
    const p = where.get(node.id);
    const g = el("g", { class: `node ${node.verdict}`, transform: `translate(${p.x},${p.y})`,
      tabindex: 0, role: "button", "data-id": node.id, "data-verdict": node.verdict,
      "aria-label": `${node.type} ${node.id} ${node.verdict}` });
    g.append(el("rect", { width: NODE_W, height: NODE_H, rx: 8 }));
    g.append(el("text", { x: 10, y: 18, "font-weight": 700 }, `${node.type}${node.redacted ? " 🔒" : ""}`));
    g.append(el("text", { x: 10, y: 35 }, `${short(node.id)} · ${node.org}`));
    const proof = node.proof || {};
    const proofText = proof.status === "pending" ? t("node_pending")
      : `${t("node_proof")} ${proof.verified ? "✓" : "✗"}${proof.batch ? ` #${proof.batch.seq}` : ""}`;
    const anchors = (node.anchors || []).map((a) => a.backend).join("+");
    g.append(el("text", { x: 10, y: 52 }, `${proofText}${anchors ? ` · ${t("node_anchor")} ${anchors}` : ""}`));
    const failing = (node.checks || []).filter((c) => !c.ok).map((c) => c.name);
    g.append(el("text", { x: 10, y: 69, class: failing.length ? "fail" : "pass" },
      failing.length ? `✗ ${failing.join(", ")}` : node.occurred_at));
    g.append(el("title", {}, (node.checks || []).map((c) => `${c.ok ? "✓" : "✗"} ${c.name}: ${c.detail}`).join("\n")));
    const select = () => onSelect && onSelect(node);
    g.addEventListener("click", select);
    g.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select(); } });
    svg.append(g);
  }
  return svg;
}
