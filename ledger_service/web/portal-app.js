// The portal: sign in with an API key, then the views of the key's role. Plain ES modules,
// no framework, no build step. Text from the server or from a document only ever enters
// the page through textContent (the h() helper below has no way to write HTML).

"use strict";

import { applyStatic, lang, setLang, t } from "./portal-i18n.js";
import { drawProvenance } from "./portal-graph.js";
import {
  BundleFormatError, CanonicalizationError, CertificateFormatError, KeyFormatError, keyIdOf, kindOf,
  parseDocument, parsePublicKey, sameOriginStatusFetcher, verifyBundle, verifyCertificate,
} from "./portal-verify.js";

const TOKEN_KEY = "portal.token";
const EVENT_TYPES = ["score.computed", "consent.granted", "consent.revoked", "loan.applied", "loan.approved",
  "loan.rejected", "loan.disbursed", "loan.repaid", "loan.overdue", "loan.closed", "certificate.issued",
  "certificate.revoked", "event.erased", "model.registered", "risk.alert", "risk.cleared"];
const ALERT_LEVELS = ["red", "yellow", "blue"];
const BANK_STEPS = ["loan.applied", "loan.approved", "loan.rejected", "loan.disbursed", "loan.repaid",
  "loan.overdue", "loan.closed"];
const STEP_TEMPLATES = {
  "loan.applied": { amount_fen: 50000000, currency: "CNY", term_months: 12, product: "credit" },
  "loan.approved": { amount_fen: 50000000, rate_bp: 385 },
  "loan.rejected": { reason_code: "score_below_threshold" },
  "loan.disbursed": { amount_fen: 50000000 },
  "loan.repaid": { amount_fen: 4300000 },
  "loan.overdue": { days_overdue: 5 },
  "loan.closed": {},
};
const TABS = {
  enterprise: ["certificates", "consents", "trail"],
  bank: ["lookup", "record"],
  auditor: ["batches", "proof", "lookup", "verify"],
  platform: ["keys", "orgs", "certificates", "lookup"],
};

let me = null;
let currentTab = null;
let uid = 0;

// ------------------------------------------------------------------ DOM helpers

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function nextId(prefix) { uid += 1; return `${prefix}-${uid}`; }

function field(labelKey, input, wide = false) {
  if (!input.id) input.id = nextId("f");
  return h("div", { class: wide ? "field wide" : "field" }, h("label", { for: input.id }, t(labelKey)), input);
}

function messageBox() { return h("p", { class: "message", role: "alert", hidden: true }); }

function say(box, text, kind = "error") {
  box.textContent = text;
  box.className = kind === "error" ? "message" : "message info";
  box.hidden = false;
}

function table(headers, rows, { id = null, empty = t("no_rows") } = {}) {
  const body = h("tbody", {}, rows);
  const tbl = h("table", { class: "responsive", id }, h("thead", {}, h("tr", {}, headers.map((k) => h("th", { scope: "col" }, t(k))))), body);
  for (const tr of rows) {
    [...tr.children].forEach((td, i) => { if (headers[i]) td.dataset.label = t(headers[i]); });
  }
  return h("div", { class: "table-wrap" }, rows.length ? tbl : h("p", { class: "muted" }, empty));
}

function nowText() { return new Date().toISOString().replace(/\.\d+Z$/, "Z"); }

function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ------------------------------------------------------------------ API

export class ApiError extends Error {
  constructor(status, code, message, details = {}) {
    super(message);
    this.status = status; this.code = code; this.details = details;
  }
}

async function api(path, { method = "GET", body, as = "json" } = {}) {
  const headers = { Accept: as === "pdf" ? "application/pdf" : "application/json" };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let r;
  try {
    r = await fetch(path, { method, headers, cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "network", t("err_network"));
  }
  if (!r.ok) {
    let error = {};
    try { error = (await r.json()).error || {}; } catch { /* not JSON: keep the status */ }
    if (r.status === 401 && me) setTimeout(() => signOut(t("err_401")), 0);
    throw new ApiError(r.status, error.code || String(r.status), error.message || r.statusText, error.details || {});
  }
  if (as === "pdf" || as === "blob") return r.blob();
  return r.json();
}

export function describeError(err) {
  if (err instanceof ApiError) {
    if (err.status === 0) return t("err_network");
    if (err.status === 401) return t("err_401");
    if (err.status === 429) return t("err_429");
    const reason = err.details && err.details.reason ? ` (${err.details.reason})` : "";
    const key = { 403: "err_403", 404: "err_404", 409: "err_409", 422: "err_422", 400: "err_422" }[err.status]
      || "err_500";
    let text = `${t(key)}${err.message}${reason}`;
    const first = err.details && Array.isArray(err.details.errors) && err.details.errors[0];
    if (first) text += ` — ${(first.loc || []).join(".")}: ${first.msg}`;
    return `${text} [HTTP ${err.status} ${err.code}]`;
  }
  if (err instanceof SyntaxError) return `${t("err_json")}${err.message}`;
  if (err instanceof KeyFormatError) return `${t("err_key")}${err.message}`;
  if (err instanceof BundleFormatError) return `${t("err_bundle")}${err.message}`;
  if (err instanceof CertificateFormatError) return `${t("err_cert")}${err.message}`;
  if (err instanceof CanonicalizationError) return `${t("err_json")}${err.message}`;
  return `${t("err_internal")}${err && err.message ? err.message : String(err)}`;
}

// Run an action from a button: disable it meanwhile, show any failure in box.
async function guarded(button, box, action) {
  if (button) button.disabled = true;
  if (box) box.hidden = true;
  try {
    await action();
  } catch (err) {
    if (box) say(box, describeError(err));
    else throw err;
  } finally {
    if (button) button.disabled = false;
  }
}

// ------------------------------------------------------------------ sign-in

async function signIn(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  try {
    me = await api("/v1/whoami");
  } catch (err) {
    sessionStorage.removeItem(TOKEN_KEY);
    me = null;
    throw err;
  }
  render();
}

function signOut(text = null) {
  sessionStorage.removeItem(TOKEN_KEY);
  me = null;
  currentTab = null;
  render();
  const box = document.getElementById("message");
  if (text) say(box, text, text === t("signed_out") ? "info" : "error");
}

function render() {
  applyStatic();
  const signin = document.getElementById("signin"), who = document.getElementById("who");
  const tabs = document.getElementById("tabs"), view = document.getElementById("view");
  document.getElementById("message").hidden = true;
  view.replaceChildren();
  tabs.replaceChildren();
  if (!me) {
    signin.hidden = false; who.hidden = true; tabs.hidden = true;
    return;
  }
  signin.hidden = true; who.hidden = false; tabs.hidden = false;
  document.getElementById("who-role").textContent = t(`role_${me.role}`);
  document.getElementById("who-role").dataset.role = me.role;
  document.getElementById("who-org").textContent = me.org;
  const names = TABS[me.role] || [];
  if (!names.includes(currentTab)) currentTab = names[0];
  tabs.setAttribute("role", "tablist");
  for (const name of names) {
    tabs.append(h("button", { type: "button", role: "tab", id: `tab-${name}`, "aria-selected": String(name === currentTab),
      onclick: () => { currentTab = name; render(); document.getElementById(`tab-${name}`).focus(); } }, t(`tab_${name}`)));
  }
  const panel = h("div", { role: "tabpanel", "aria-labelledby": `tab-${currentTab}`, id: `panel-${currentTab}` });
  view.append(panel);
  VIEWS[currentTab](panel);
}

// ------------------------------------------------------------------ verification panel

async function pinnedFor(mode, pasted) {
  if (mode === "none") return null;
  if (mode === "paste") {
    const raw = parsePublicKey(pasted.trim());
    return { [await keyIdOf(raw)]: pasted.trim() };
  }
  const keys = (await api("/v1/keys")).keys;
  return Object.fromEntries(keys.map((k) => [k.key_id, k.public_key]));
}

export function verifyPanel({ doc = null, titleKey = "verify_title", autorun = false } = {}) {
  const box = messageBox();
  const input = h("textarea", { class: "verify-input", spellcheck: "false" });
  if (doc !== null) input.value = JSON.stringify(doc, null, 2);
  const mode = h("select", { class: "pin-mode" },
    h("option", { value: "service" }, t("pin_service")),
    h("option", { value: "paste" }, t("pin_paste")),
    h("option", { value: "none" }, t("pin_none")));
  const keyInput = h("input", { class: "pin-key", spellcheck: "false", autocomplete: "off" });
  const keyField = field("pasted_key", keyInput, true);
  keyField.hidden = true;
  mode.addEventListener("change", () => { keyField.hidden = mode.value !== "paste"; });
  const verdict = h("div", { class: "verdict", role: "status", "aria-live": "polite" });
  const results = h("div", { class: "results" });
  const second = h("p", { class: "muted second-opinion" });
  const run = h("button", { type: "button", class: "verify-run" }, t("verify"));
  const serverButton = h("button", { type: "button", class: "secondary verify-server" }, t("second_opinion"));
  const card = h("section", { class: "card verify-panel" },
    h("h2", {}, t(titleKey)), box,
    field("verify_input", input, true),
    h("div", { class: "row" }, field("pin", mode), keyField),
    h("div", { class: "row" }, run, serverButton),
    verdict, results, second);

  async function verify() {
    verdict.textContent = ""; delete verdict.dataset.verdict; results.replaceChildren(); second.textContent = "";
    const text = input.value.trim();
    if (!text) { say(box, t("err_empty")); return; }
    const parsed = parseDocument(text);
    const kind = kindOf(parsed);
    if (!kind) { say(box, `${t("err_shape")}${t("err_shape_detail")}`); return; }
    const pinned = await pinnedFor(mode.value, keyInput.value);
    let out;
    if (kind === "bundle") {
      out = await verifyBundle(parsed, { pinned });
    } else {
      const key = pinned ? Object.values(pinned)[0] : null;
      out = await verifyCertificate(parsed, { pinned: key, statusFetcher: sameOriginStatusFetcher() });
    }
    showVerdict(out);
  }

  function showVerdict(out) {
    verdict.textContent = t(`verdict_${out.verdict}`);
    verdict.className = `verdict ${out.verdict}`;
    verdict.dataset.verdict = out.verdict;
    const failed = out.checks.filter((c) => c.status === "fail").map((c) => c.name);
    if (failed.length) verdict.append(h("div", { class: "failed-names" }, `${t("failed_checks")}${failed.join(", ")}`));
    const rows = out.checks.map((c) => h("tr", { class: c.status === "fail" ? "fail" : null,
      dataset: { check: c.name, status: c.status } },
      h("td", { class: "mono" }, c.name),
      h("td", { class: `status-${c.status}` }, t(`st_${c.status}`)),
      h("td", {}, c.detail)));
    results.replaceChildren(table(["check", "result", "detail"], rows),
      h("ul", { class: "muted warnings" }, out.warnings.map((w) => h("li", {}, w))));
  }

  async function serverOpinion() {
    const parsed = parseDocument(input.value.trim());
    const kind = kindOf(parsed);
    if (!kind) { say(box, `${t("err_shape")}${t("err_shape_detail")}`); return; }
    const answer = await api(kind === "bundle" ? "/v1/verify/event" : "/v1/verify/certificate",
      { method: "POST", body: parsed });
    const failed = answer.checks.filter((c) => c.ok === false).map((c) => c.name);
    second.textContent = `${t("second_opinion")}: ${answer.valid ? "valid" : "invalid"}`
      + (failed.length ? ` — ${t("failed_checks")}${failed.join(", ")}` : "");
  }

  run.addEventListener("click", () => guarded(run, box, verify));
  serverButton.addEventListener("click", () => guarded(serverButton, box, serverOpinion));
  if (autorun) setTimeout(() => run.click(), 0);
  return card;
}

// ------------------------------------------------------------------ certificates

function certificatesCard(uscc, { title = "tab_certificates" } = {}) {
  const box = messageBox();
  const holder = h("div", {});
  const verifyHolder = h("div", {});
  const card = h("section", { class: "card", id: "certificates" }, h("h2", {}, `${t(title)} · ${uscc}`), box, holder);
  let offset = 0;
  const limit = 10;

  async function load() {
    holder.replaceChildren(h("p", { class: "muted" }, t("loading")));
    const page = await api(`/v1/enterprises/${encodeURIComponent(uscc)}/certificates?offset=${offset}&limit=${limit}`);
    const rows = page.certificates.map((c) => {
      const json = h("button", { type: "button", class: "secondary download-json" }, t("download_json"));
      const pdf = h("button", { type: "button", class: "secondary download-pdf" }, t("download_pdf"));
      const check = h("button", { type: "button", class: "verify-cert" }, t("verify_here"));
      json.addEventListener("click", () => guarded(json, box, async () => {
        const doc = await api(`/v1/certificates/${c.id}`);
        saveBlob(new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" }), `${c.number}.json`);
      }));
      pdf.addEventListener("click", () => guarded(pdf, box, async () => {
        saveBlob(await api(c.pdf, { as: "pdf" }), `${c.number}.pdf`);
        say(box, `${c.number}.pdf`, "info");
      }));
      check.addEventListener("click", () => guarded(check, box, async () => {
        const doc = await api(`/v1/certificates/${c.id}`);
        const panel = verifyPanel({ doc, autorun: true });
        verifyHolder.replaceChildren(panel);
        panel.scrollIntoView();
      }));
      return h("tr", { dataset: { id: c.id, status: c.status } },
        h("td", { class: "mono" }, c.number), h("td", {}, c.grade ?? ""), h("td", {}, c.score ?? ""),
        h("td", { class: `state-${c.status}` }, t(`state_${c.status}`)), h("td", {}, c.issued_at),
        h("td", {}, c.valid_until ?? ""), h("td", {}, h("div", { class: "actions" }, json, pdf, check)));
    });
    const prev = h("button", { type: "button", class: "secondary", disabled: offset === 0 }, t("prev"));
    const next = h("button", { type: "button", class: "secondary", disabled: page.next_offset === null }, t("next"));
    prev.addEventListener("click", () => { offset = Math.max(0, offset - limit); guarded(prev, box, load); });
    next.addEventListener("click", () => { offset = page.next_offset; guarded(next, box, load); });
    holder.replaceChildren(table(["number", "grade", "score", "status", "issued", "valid_until", "actions"], rows,
      { id: "cert-table" }), h("div", { class: "pager" }, prev, next, h("span", { class: "muted" }, t("page_of", { n: page.total }))));
  }
  guarded(null, box, load);
  return h("div", {}, card, verifyHolder);
}

// ------------------------------------------------------------------ consents

function consentsView(panel) {
  const uscc = me.org;
  const box = messageBox();
  const holder = h("div", {});
  const grantee = h("input", { id: "consent-grantee", required: true, value: "bank-of-fuzhou" });
  const scope = h("input", { id: "consent-scope", value: "*", "aria-describedby": "scope-help" });
  const purpose = h("input", { id: "consent-purpose", value: "working-capital loan assessment / 流动资金贷款审查" });
  const expiry = h("input", { id: "consent-expires", type: "date",
    value: new Date(Date.now() + 180 * 86400000).toISOString().slice(0, 10) });
  const grant = h("button", { type: "submit", id: "consent-grant" }, t("grant"));
  const form = h("form", { class: "row" }, field("grantee", grantee), field("scope", scope), field("purpose", purpose, true),
    field("expires_on", expiry), grant, h("p", { class: "muted", id: "scope-help" }, t("scope_help")));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(grant, box, async () => {
      const scopes = scope.value.split(",").map((s) => s.trim()).filter(Boolean);
      const out = await api("/v1/events", { method: "POST", body: { type: "consent.granted", enterprise_id: uscc,
        occurred_at: nowText(), refs: [], payload: { grantee_org: grantee.value.trim(), scope: scopes,
          purpose: purpose.value, expires_at: `${expiry.value}T00:00:00Z` } } });
      await load();
      say(box, `${t("granted_ok")}${out.id}`, "info");
    });
  });

  async function load() {
    const list = await api(`/v1/enterprises/${encodeURIComponent(uscc)}/consents`);
    const rows = list.consents.map((c) => {
      const revoke = c.state === "live" ? h("button", { type: "button", class: "secondary revoke-consent" }, t("revoke")) : null;
      if (revoke) {
        revoke.addEventListener("click", () => guarded(revoke, box, async () => {
          const out = await api("/v1/events", { method: "POST", body: { type: "consent.revoked", enterprise_id: uscc,
            occurred_at: nowText(), refs: [c.id], payload: { consent_id: c.id } } });
          await load();
          say(box, `${t("revoked_ok")}${out.id}`, "info");
        }));
      }
      return h("tr", { dataset: { id: c.id, state: c.state } },
        h("td", {}, c.grantee_org ?? "—"), h("td", {}, c.scope.join(", ")), h("td", {}, c.purpose ?? ""),
        h("td", {}, c.granted_at), h("td", {}, c.expires_at ?? ""),
        h("td", { class: `state-${c.state}` }, t(`state_${c.state}`)), h("td", {}, revoke));
    });
    holder.replaceChildren(table(["grantee", "scope", "purpose", "granted", "expires", "state", "actions"], rows,
      { id: "consent-table" }));
  }
  panel.append(h("section", { class: "card" }, h("h2", {}, `${t("tab_consents")} · ${uscc}`), box, holder,
    h("h3", {}, t("grant_title")), form));
  guarded(null, box, load);
}

// ------------------------------------------------------------------ trail and provenance

function trailCard(uscc, graphHolder) {
  const box = messageBox();
  const holder = h("div", {});
  const type = h("select", { id: nextId("type") }, h("option", { value: "" }, t("all_types")),
    EVENT_TYPES.map((x) => h("option", { value: x }, x)));
  const from = h("input", { type: "datetime-local" });
  const to = h("input", { type: "datetime-local" });
  const apply = h("button", { type: "submit" }, t("apply"));
  const filters = h("form", { class: "row" }, field("type_filter", type), field("from", from), field("to", to), apply);
  let cursors = [null];

  function query() {
    const q = new URLSearchParams({ limit: "50" });
    if (type.value) q.append("type", type.value);
    if (from.value) q.set("occurred_from", new Date(from.value).toISOString());
    if (to.value) q.set("occurred_to", new Date(to.value).toISOString());
    const cursor = cursors[cursors.length - 1];
    if (cursor) q.set("cursor", cursor);
    return q;
  }

  async function load() {
    const page = await api(`/v1/enterprises/${encodeURIComponent(uscc)}/events?${query()}`);
    const rows = page.events.map((e) => {
      const graph = graphHolder ? h("button", { type: "button", class: "secondary provenance" }, t("provenance")) : null;
      if (graph) {
        graph.addEventListener("click", () => guarded(graph, box, async () => {
          const doc = await api(`/v1/enterprises/${encodeURIComponent(uscc)}/provenance/${encodeURIComponent(e.id)}`);
          showGraph(graphHolder, doc);
        }));
      }
      return h("tr", { dataset: { id: e.id, type: e.type } },
        h("td", {}, e.type), h("td", {}, e.occurred_at), h("td", {}, e.org), h("td", {}, e.status),
        h("td", { class: "mono" }, e.id), h("td", { class: "event-detail" }, eventDetail(e)),
        h("td", {}, graph));
    });
    const next = h("button", { type: "button", class: "secondary", disabled: !page.next_cursor }, t("next"));
    const prev = h("button", { type: "button", class: "secondary", disabled: cursors.length < 2 }, t("prev"));
    next.addEventListener("click", () => { cursors.push(page.next_cursor); guarded(next, box, load); });
    prev.addEventListener("click", () => { cursors.pop(); guarded(prev, box, load); });
    holder.replaceChildren(table(["type", "occurred", "org", "status", "event_id", "detail", "actions"], rows, { id: "trail-table" }),
      h("div", { class: "pager" }, prev, next));
  }
  filters.addEventListener("submit", (ev) => { ev.preventDefault(); cursors = [null]; guarded(apply, box, load); });
  guarded(null, box, load);
  return h("section", { class: "card", id: "trail" }, h("h2", {}, `${t("tab_trail")} · ${uscc}`), box, filters, holder);
}

// A risk alert's level as a coloured badge (the level is also spelled out, not colour alone).
function levelBadge(level) {
  const known = ALERT_LEVELS.includes(level) ? level : "unknown";
  return h("span", { class: `level level-${known}`, dataset: { level: known } }, t(`level_${known}`));
}

// What a trail row says about its event beyond type and time: a risk alert's level and
// indicators, the alert a clearance clears, a score's grade, and the provenance marks.
function eventDetail(e) {
  const payload = (e.event && e.event.payload) || null;
  const parts = [];
  if (payload && e.type === "risk.alert") {
    parts.push(levelBadge(payload.level), " ",
      h("span", { class: "indicators" }, (payload.indicators || []).join(", ")),
      h("span", { class: "muted" }, ` · ${payload.reason_code}`));
  } else if (payload && e.type === "risk.cleared") {
    parts.push(h("span", { class: "clears" }, `${t("clears")} `),
      h("span", { class: "mono" }, payload.alert_id), h("span", { class: "muted" }, ` · ${payload.reason_code}`));
  } else if (payload && e.type === "score.computed") {
    parts.push(h("span", {}, `${payload.score} ${payload.grade}`),
      h("span", { class: "muted" }, ` · ${payload.model_id} ${payload.model_version}`));
  }
  const marks = e.provenance || {};
  for (const code of marks.reasons || []) parts.push(" ", h("span", { class: "mark status-fail", dataset: { mark: code } }, `✗ ${code}`));
  for (const code of marks.warnings || []) parts.push(" ", h("span", { class: "mark status-warn", dataset: { mark: code } }, `⚠ ${code}`));
  return parts;
}

// The risk alerts live at an approval, and the checks that warn or fail about the score's
// age and the alerts: what a bank looks at before relying on the approval.
function scoringMarks(doc) {
  const root = doc.nodes.find((n) => n.id === doc.event_id);
  if (!root || root.type !== "loan.approved") return null;
  const alerts = root.alerts_at_approval || [];
  const rows = alerts.map((a) => h("li", { dataset: { alert: a.id, level: a.level || "redacted" } },
    a.redacted ? h("span", { class: "muted" }, t("alert_redacted")) : levelBadge(a.level), " ",
    h("span", { class: "mono" }, a.id), a.redacted ? "" : ` · ${a.reason_code}: ${(a.indicators || []).join(", ")}`,
    h("span", { class: "muted" }, ` · ${a.occurred_at}`)));
  const named = ["score_stale", "score_expired", "model_hash_matches"];
  const checks = [...doc.edges.filter((e) => e.from === doc.event_id).flatMap((e) => e.checks || []),
    ...(root.checks || [])].filter((c) => named.includes(c.name) || c.name.endsWith("_alert_live"));
  const marks = checks.filter((c) => !c.ok || c.warning).map((c) => h("li", {
    class: c.ok ? "status-warn" : "status-fail", dataset: { check: c.name } },
    h("strong", {}, `${c.ok ? "⚠" : "✗"} ${c.name}`), `: ${c.detail}`));
  return h("div", { id: "scoring-marks" },
    h("h3", {}, t("alerts_title")),
    alerts.length ? h("ul", { id: "alerts-at-approval" }, rows) : h("p", { class: "muted", id: "alerts-at-approval" }, t("no_alerts")),
    marks.length ? h("ul", { id: "score-marks" }, marks) : h("p", { class: "muted", id: "score-marks" }, t("score_current")));
}

function showGraph(holder, doc) {
  const detail = h("div", { class: "node-detail" });
  const verdict = h("p", { id: "graph-verdict", class: `verdict ${doc.verdict === "valid" ? "VALID" : "INVALID"}`,
    dataset: { verdict: doc.verdict } }, doc.verdict === "valid" ? t("graph_valid") : t("graph_invalid"));
  const reasons = h("ul", { class: "reasons" }, doc.reasons.map((r) => h("li", { dataset: { code: r.code } },
    h("strong", {}, r.code), `: ${r.message}`)));
  const svg = drawProvenance(doc, (node) => {
    detail.replaceChildren(h("h3", {}, `${node.type} · ${node.id}`),
      table(["check", "result", "detail"], (node.checks || []).map((c) => h("tr", { dataset: { check: c.name } },
        h("td", { class: "mono" }, c.name),
        h("td", { class: !c.ok ? "status-fail" : c.warning ? "status-warn" : "status-pass" }, t(!c.ok ? "st_fail" : c.warning ? "st_warn" : "st_pass")),
        h("td", {}, c.detail)))),
      h("p", { class: "muted" }, `${t("node_proof")}: ${node.proof.status}`
        + (node.anchors || []).map((a) => ` · ${a.backend} ${a.tx_id || a.tx_hash || ""} #${a.block_number}`).join("")));
  });
  holder.replaceChildren(h("section", { class: "card", id: "graph" },
    h("h2", {}, `${t("graph_title")}${doc.event_id} (${doc.root_type})`), verdict, reasons, scoringMarks(doc),
    h("p", { class: "muted" }, t("graph_help")), h("div", { class: "graph-wrap" }, svg),
    (doc.warnings || []).length ? h("ul", { class: "muted" }, doc.warnings.map((w) => h("li", {}, w))) : null, detail));
  holder.scrollIntoView();
}

function lookupView(panel) {
  const box = messageBox();
  const uscc = h("input", { id: "lookup-uscc", required: true, maxlength: 18, spellcheck: "false",
    value: sessionStorage.getItem("portal.lookup") || "" });
  const go = h("button", { type: "submit", id: "lookup-button" }, t("look_up"));
  const results = h("div", {});
  const graph = h("div", {});
  const form = h("form", { class: "row" }, field("uscc", uscc), go);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const code = uscc.value.trim().toUpperCase();
    sessionStorage.setItem("portal.lookup", code);
    graph.replaceChildren();
    const parts = [trailCard(code, graph)];
    if (me.role === "platform" || me.role === "auditor") parts.unshift(certificatesCard(code));
    results.replaceChildren(...parts);
  });
  panel.append(h("section", { class: "card" }, h("h2", {}, t("tab_lookup")), box, form), results, graph);
}

function recordView(panel) {
  const box = messageBox();
  const type = h("select", { id: "step-type" }, BANK_STEPS.map((x) => h("option", { value: x }, x)));
  const uscc = h("input", { id: "step-uscc", required: true, value: sessionStorage.getItem("portal.lookup") || "" });
  const loan = h("input", { id: "step-loan", required: true });
  const refs = h("input", { id: "step-refs" });
  const payload = h("textarea", { id: "step-payload", spellcheck: "false" });
  const fill = () => { payload.value = JSON.stringify(STEP_TEMPLATES[type.value], null, 2); };
  type.addEventListener("change", fill);
  fill();
  const submit = h("button", { type: "submit", id: "step-record" }, t("record"));
  const form = h("form", {}, h("div", { class: "row" }, field("type", type), field("uscc", uscc), field("loan_id", loan),
    field("refs", refs, true)), field("payload", payload, true), submit);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(submit, box, async () => {
      const extra = parseDocument(payload.value || "{}");
      const body = { type: type.value, enterprise_id: uscc.value.trim().toUpperCase(), occurred_at: nowText(),
        refs: refs.value.split(",").map((s) => s.trim()).filter(Boolean), payload: { loan_id: loan.value.trim(), ...extra } };
      const out = await api("/v1/events", { method: "POST", body });
      say(box, `${t("recorded_ok")}${out.id} (${out.status})`, "info");
    });
  });
  panel.append(h("section", { class: "card" }, h("h2", {}, t("record_title")), box, form));
}

// ------------------------------------------------------------------ auditor

function batchesView(panel) {
  const box = messageBox();
  const holder = h("div", {});
  let afters = [null];
  async function load() {
    const after = afters[afters.length - 1];
    const page = await api(`/v1/batches?limit=20${after === null ? "" : `&after=${after}`}`);
    const rows = page.batches.map((b) => h("tr", { dataset: { seq: b.seq } },
      h("td", {}, b.seq), h("td", {}, b.header.size), h("td", { class: "mono", title: b.header.merkle_root },
        `${b.header.merkle_root.slice(0, 16)}…`), h("td", {}, b.header.sealed_at),
      h("td", {}, b.anchors.length ? b.anchors.map((a) => h("div", { class: "mono" }, a.backend === "fabric"
        ? `fabric ${a.channel}: tx ${a.tx_id} · block ${a.block_number}`
        : `${a.backend} chain ${a.chain_id}: tx ${a.tx_hash} · block ${a.block_number}`)) : t("not_anchored"))));
    const prev = h("button", { type: "button", class: "secondary", disabled: afters.length < 2 }, t("prev"));
    const next = h("button", { type: "button", class: "secondary", disabled: page.next_after === null }, t("next"));
    prev.addEventListener("click", () => { afters.pop(); guarded(prev, box, load); });
    next.addEventListener("click", () => { afters.push(page.next_after); guarded(next, box, load); });
    holder.replaceChildren(table(["seq", "size", "root", "sealed", "anchors"], rows, { id: "batch-table" }),
      h("div", { class: "pager" }, prev, next));
  }
  panel.append(h("section", { class: "card" }, h("h2", {}, t("tab_batches")), box, holder));
  guarded(null, box, load);
}

function proofView(panel) {
  const box = messageBox();
  const id = h("input", { id: "proof-event", required: true, spellcheck: "false" });
  const open = h("button", { type: "submit", id: "proof-open" }, t("open"));
  const holder = h("div", {});
  const form = h("form", { class: "row" }, field("event_id", id, true), open);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(open, box, async () => {
      const bundle = await api(`/v1/events/${encodeURIComponent(id.value.trim())}/proof`);
      const download = h("button", { type: "button", class: "secondary", id: "proof-download" }, t("download_bundle"));
      download.addEventListener("click", () => saveBlob(new Blob([JSON.stringify(bundle, null, 2)],
        { type: "application/json" }), `proof-${id.value.trim()}.json`));
      holder.replaceChildren(h("div", { class: "card" }, download), verifyPanel({ doc: bundle }));
    });
  });
  panel.append(h("section", { class: "card" }, h("h2", {}, t("proof_title")), box, form), holder);
}

// ------------------------------------------------------------------ platform

function keysView(panel) {
  const box = messageBox();
  const holder = h("div", {});
  const tokenBox = h("div", {});
  const role = h("select", { id: "key-role" }, ["bank", "enterprise", "auditor", "platform"].map((r) =>
    h("option", { value: r }, `${r} · ${t(`role_${r}`)}`)));
  const org = h("input", { id: "key-org", required: true, maxlength: 128 });
  const label = h("input", { id: "key-label", maxlength: 200 });
  const create = h("button", { type: "submit", id: "key-create" }, t("create"));
  const form = h("form", { class: "row" }, field("role", role), field("org", org), field("label", label), create);

  function showToken(out) {
    tokenBox.replaceChildren(h("div", { class: "token-box", role: "status" },
      h("strong", {}, t("token_once")), h("div", { class: "mono", id: "new-token" }, out.token),
      h("div", { class: "muted" }, `#${out.key.id} · ${out.key.role} · ${out.key.org}`)));
  }
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(create, box, async () => {
      const out = await api("/v1/api-keys", { method: "POST", body: { role: role.value, org: org.value.trim(),
        label: label.value.trim() || null } });
      await load();
      showToken(out);
    });
  });

  async function load() {
    const list = await api("/v1/api-keys");
    const rows = list.keys.map((k) => {
      let actions = null;
      if (!k.revoked) {
        const rotate = h("button", { type: "button", class: "secondary rotate-key" }, t("rotate"));
        const revoke = h("button", { type: "button", class: "secondary revoke-key" }, t("revoke"));
        rotate.addEventListener("click", () => guarded(rotate, box, async () => {
          const out = await api(`/v1/api-keys/${k.id}/rotate`, { method: "POST", body: {} });
          await load();
          showToken(out);
        }));
        revoke.addEventListener("click", () => guarded(revoke, box, async () => {
          await api(`/v1/api-keys/${k.id}/revoke`, { method: "POST" });
          await load();
          say(box, `${t("key_revoked_ok")}#${k.id}`, "info");
        }));
        actions = h("div", { class: "actions" }, rotate, revoke);
      }
      return h("tr", { dataset: { keyId: k.id, revoked: String(k.revoked) } },
        h("td", {}, k.id), h("td", { class: "mono" }, k.prefix), h("td", {}, k.role), h("td", {}, k.org),
        h("td", {}, k.label ?? ""), h("td", {}, k.created_at),
        h("td", { class: k.revoked ? "state-revoked" : "state-live" }, k.revoked ? t("revoked") : t("live")),
        h("td", {}, actions));
    });
    holder.replaceChildren(table(["key_id", "prefix", "role", "org", "label", "created", "state", "actions"],
      rows, { id: "key-table" }));
  }
  panel.append(h("section", { class: "card" }, h("h2", {}, t("keys_title")), box, form, tokenBox, holder));
  guarded(null, box, load);
}

function orgsView(panel) {
  const box = messageBox();
  const holder = h("div", {});
  const name = h("input", { id: "org-name", required: true });
  const key = h("input", { id: "org-key", spellcheck: "false" });
  const require = h("select", { id: "org-require" }, h("option", { value: "false" }, t("no")), h("option", { value: "true" }, t("yes")));
  const add = h("button", { type: "submit", id: "org-add" }, t("register"));
  const form = h("form", { class: "row" }, field("name", name), field("public_key", key, true), field("require_sig", require), add);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(add, box, async () => {
      const publicKey = key.value.trim() || null;
      if (publicKey) parsePublicKey(publicKey);
      await api("/v1/orgs", { method: "POST", body: { name: name.value.trim(), public_key: publicKey,
        require_signatures: require.value === "true" } });
      await load();
    });
  });
  async function load() {
    const list = await api("/v1/orgs");
    holder.replaceChildren(table(["name", "public_key", "require_sig"], list.orgs.map((o) => h("tr", { dataset: { name: o.name } },
      h("td", {}, o.name), h("td", { class: "mono" }, o.public_key ?? "—"), h("td", {}, o.require_signatures ? t("yes") : t("no")))),
    { id: "org-table" }));
  }
  panel.append(h("section", { class: "card" }, h("h2", {}, t("orgs_title")), box, form, holder));
  guarded(null, box, load);
}

function platformCertificatesView(panel) {
  const box = messageBox();
  const uscc = h("input", { id: "issue-uscc", required: true, value: sessionStorage.getItem("portal.lookup") || "" });
  const issue = h("button", { type: "submit", id: "issue-button" }, t("issue"));
  const list = h("button", { type: "button", class: "secondary", id: "list-button" }, t("list"));
  const issueForm = h("form", { class: "row" }, field("uscc", uscc), issue, list);
  const certId = h("input", { id: "revoke-id", required: true, spellcheck: "false" });
  const reason = h("input", { id: "revoke-reason", required: true });
  const revoke = h("button", { type: "submit", id: "revoke-button" }, t("revoke"));
  const revokeForm = h("form", { class: "row" }, field("certificate_id", certId, true), field("reason", reason), revoke);
  const listing = h("div", {});
  const show = () => { listing.replaceChildren(certificatesCard(uscc.value.trim().toUpperCase())); };
  issueForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(issue, box, async () => {
      const code = uscc.value.trim().toUpperCase();
      sessionStorage.setItem("portal.lookup", code);
      const out = await api(`/v1/enterprises/${encodeURIComponent(code)}/certificates`, { method: "POST", body: {} });
      say(box, `${t("issued_ok")}${out.number} (${out.id})`, "info");
      show();
    });
  });
  list.addEventListener("click", show);
  revokeForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(revoke, box, async () => {
      const out = await api(`/v1/certificates/${encodeURIComponent(certId.value.trim())}/revoke`,
        { method: "POST", body: { reason: reason.value } });
      say(box, `${t("cert_revoked_ok")}${out.number}`, "info");
    });
  });
  panel.append(h("section", { class: "card" }, h("h2", {}, t("certs_title")), box, issueForm, revokeForm), listing);
}

const VIEWS = {
  certificates: (panel) => (me.role === "enterprise" ? panel.append(certificatesCard(me.org)) : platformCertificatesView(panel)),
  consents: consentsView,
  trail: (panel) => { const graph = h("div", {}); panel.append(trailCard(me.org, graph), graph); },
  lookup: lookupView,
  record: recordView,
  batches: batchesView,
  proof: proofView,
  verify: (panel) => panel.append(verifyPanel()),
  keys: keysView,
  orgs: orgsView,
};

// ------------------------------------------------------------------ start

function start() {
  setLang(lang());
  document.getElementById("lang").addEventListener("click", () => { setLang(lang() === "zh" ? "en" : "zh"); render(); });
  document.getElementById("sign-out").addEventListener("click", () => signOut(t("signed_out")));
  const form = document.getElementById("signin-form");
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const button = document.getElementById("signin-button");
    const token = document.getElementById("token").value.trim();
    guarded(button, document.getElementById("message"), async () => {
      await signIn(token);
      document.getElementById("token").value = "";
    });
  });
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) {
    signIn(saved).catch((err) => { render(); say(document.getElementById("message"), describeError(err)); });
  } else {
    render();
  }
}

start();
