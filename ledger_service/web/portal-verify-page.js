// /verify's own check, in this browser: every document the page is given is also verified
// here (portal-verify.js), against this service's published key, beside the server's
// answer. Nothing the server says is needed for this verdict except the public key.

"use strict";

import { kindOf, parseDocument, verifyBundle, verifyCertificate, sameOriginStatusFetcher } from "./portal-verify.js";

const MARKS = { pass: "✓ 通过 PASS", fail: "✗ 失败 FAIL", not_checked: "– 未检查 NOT CHECKED" };
const VERDICTS = { VALID: "✓ 本浏览器验证通过 · VALID in this browser",
  INVALID: "✗ 本浏览器验证未通过 · INVALID in this browser",
  UNVERIFIED: "? 本浏览器未能验证 · UNVERIFIED in this browser" };

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

async function serviceKeys() {
  const r = await fetch("/v1/keys", { cache: "no-store" });
  if (!r.ok) throw new Error(`/v1/keys answered ${r.status}`);
  return Object.fromEntries((await r.json()).keys.map((k) => [k.key_id, k.public_key]));
}

async function check(text) {
  const section = document.getElementById("local");
  const verdict = document.getElementById("local-verdict");
  const body = document.querySelector("#local-checks tbody");
  section.hidden = false;
  body.replaceChildren();
  delete verdict.dataset.verdict;
  verdict.className = "";
  try {
    const doc = parseDocument(text);
    const kind = kindOf(doc);
    if (!kind) throw new Error("既不是证书也不是证明包 · neither a certificate nor a proof bundle");
    const keys = await serviceKeys();
    const out = kind === "bundle" ? await verifyBundle(doc, { pinned: keys })
      : await verifyCertificate(doc, { pinned: Object.values(keys)[0], statusFetcher: sameOriginStatusFetcher() });
    for (const c of out.checks) {
      const cls = c.status === "pass" ? "ok" : c.status === "fail" ? "fail" : "skip";
      const row = document.createElement("tr");
      row.className = cls;
      row.dataset.check = c.name;
      row.dataset.status = c.status;
      row.append(cell(c.name), cell(MARKS[c.status], cls), cell(c.detail));
      body.append(row);
    }
    verdict.textContent = VERDICTS[out.verdict];
    verdict.className = out.verdict === "VALID" ? "valid" : out.verdict === "INVALID" ? "invalid" : "unverified";
    verdict.dataset.verdict = out.verdict;
  } catch (exc) {
    verdict.textContent = `无法在本浏览器验证 · cannot check in this browser: ${exc.message}`;
    verdict.className = "invalid";
    verdict.dataset.verdict = "ERROR";
  }
}

document.addEventListener("ledger:verify", (event) => { check(event.detail); });
