// Proof bundles and credit certificates checked in the browser, with nothing from the server
// trusted: SHA-256 and Ed25519 through WebCrypto, RFC 8785 canonical JSON, the RFC 9162
// inclusion path, eddsa-jcs-2022 Data Integrity proofs.
//
// A port of the Python verifier, check for check: the same names, in the same order, with
// the same verdict rules. Every check is {name, status: "pass"|"fail"|"not_checked", ok,
// detail}; the verdict is INVALID on any failure, otherwise UNVERIFIED unless the trust check
// (header_signature for a bundle, issuer for a certificate) passed against a key the verifier
// pinned itself, otherwise VALID. The key inside a bundle or a certificate's own did:key is
// never trusted by itself. tests/test_portal_browser.py runs this module and the Python
// verifier on the same genuine and tampered documents and requires identical statuses.

"use strict";

export class BundleFormatError extends Error {
  constructor(message) { super(message); this.name = "BundleFormatError"; }
}
export class CertificateFormatError extends Error {
  constructor(message) { super(message); this.name = "CertificateFormatError"; }
}
export class CanonicalizationError extends Error {
  constructor(message) { super(message); this.name = "CanonicalizationError"; }
}
export class MerkleError extends Error {
  constructor(message) { super(message); this.name = "MerkleError"; }
}
export class KeyFormatError extends Error {
  constructor(message) { super(message); this.name = "KeyFormatError"; }
}
class HeaderError extends Error {}
class ProofError extends Error {}
class MultibaseError extends Error {}
class StatusListError extends Error {}
class MalformedStatusEntry extends StatusListError {}
class HexError extends Error {}

export const PASS = "pass", FAIL = "fail", NOT_CHECKED = "not_checked";
const OK_OF = { pass: true, fail: false, not_checked: null };

// ------------------------------------------------------------------ bytes, hex, base64

const enc = new TextEncoder();

export function utf8(text) { return enc.encode(text); }

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const HEXCHARS = "0123456789abcdefABCDEF";
const WHITESPACE = " \t\n\r\x0b\x0c";

// Python's bytes.fromhex: pairs of hex digits, ASCII whitespace allowed between pairs.
export function fromHex(text) {
  if (typeof text !== "string") throw new HexError("fromhex() argument must be str");
  const out = [];
  let i = 0;
  while (i < text.length) {
    if (WHITESPACE.includes(text[i])) { i += 1; continue; }
    if (i + 1 >= text.length || !HEXCHARS.includes(text[i]) || !HEXCHARS.includes(text[i + 1])) {
      throw new HexError(`non-hexadecimal number found in fromhex() arg at position ${i}`);
    }
    out.push(parseInt(text.slice(i, i + 2), 16));
    i += 2;
  }
  return new Uint8Array(out);
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The service's strict base64 (standard or URL-safe alphabet, padding optional).
export function b64decode(text) {
  if (typeof text !== "string") throw new KeyFormatError("not valid base64: not text");
  let s = text.trim().replaceAll("-", "+").replaceAll("_", "/");
  s += "=".repeat((4 - (s.length % 4)) % 4);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) {
    throw new KeyFormatError("not valid base64");
  }
  const body = s.replace(/=+$/, "");
  const out = [];
  let bits = 0, value = 0;
  for (const ch of body) {
    value = (value << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) { bits -= 8; out.push((value >> bits) & 0xff); }
  }
  return new Uint8Array(out);
}

export function b64encode(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    s += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    s += i + 1 < bytes.length ? B64[(n >> 6) & 63] : "=";
    s += i + 2 < bytes.length ? B64[n & 63] : "=";
  }
  return s;
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

// ------------------------------------------------------------------ RFC 8785 (JCS)

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_DEPTH = 64;

function isObject(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }
function isInt(v) { return typeof v === "number" && Number.isInteger(v); }

// JCS for the ledger's JSON: integers only (within 2^53), strings, booleans, null, arrays,
// objects with keys in UTF-16 code unit order (JavaScript's default sort). JSON.stringify
// writes strings exactly as RFC 8785 asks. Anything else is refused, loudly.
export function canonicalize(value, depth = 1) {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value) || !Number.isInteger(value)) {
      throw new CanonicalizationError(`the number ${value} is not an integer; the ledger's JSON has integers only`);
    }
    if (Math.abs(value) > MAX_SAFE) {
      throw new CanonicalizationError(`integer ${value} is outside the IEEE-754 safe range`);
    }
    return Object.is(value, -0) ? "0" : String(value);
  }
  if (depth > MAX_DEPTH && (Array.isArray(value) || isObject(value))) {
    throw new CanonicalizationError(`JSON nested deeper than ${MAX_DEPTH} levels`);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalize(v, depth + 1)).join(",")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalize(value[k], depth + 1)}`).join(",")}}`;
  }
  throw new CanonicalizationError(`type ${typeof value} is not JSON`);
}

export function canonicalBytes(value) { return utf8(canonicalize(value)); }

// ------------------------------------------------------------------ RFC 9162 Merkle

const LEAF = new Uint8Array([0]);
const NODE = new Uint8Array([1]);

export async function leafOf(data) { return sha256(concat(LEAF, data)); }
async function nodeHash(left, right) { return sha256(concat(NODE, left, right)); }

// root_from_inclusion (ledger_proof/merkle.py), RFC 9162 §2.1.3.2; BigInt because
// JavaScript's bit operators are 32-bit and tree sizes are not.
export async function rootFromInclusion(index, size, leaf, path) {
  const i = BigInt(index), n = BigInt(size);
  if (!(0n <= i && i < n)) throw new MerkleError(`leaf index ${index} outside tree of size ${size}`);
  let fn = i, sn = n - 1n, r = leaf;
  for (const p of path) {
    if (sn === 0n) throw new MerkleError("inclusion path is longer than the tree is deep");
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new MerkleError("inclusion path is shorter than the tree is deep");
  return r;
}

// ------------------------------------------------------------------ Ed25519

export async function keyIdOf(publicKey) {
  return "ed25519:" + toHex(await sha256(publicKey)).slice(0, 16);
}

// A pasted or published key: base64 of exactly 32 bytes, or KeyFormatError with the reason.
export function parsePublicKey(text) {
  const raw = b64decode(text);
  if (raw.length !== 32) throw new KeyFormatError(`Ed25519 public keys are 32 bytes, got ${raw.length}`);
  return raw;
}

async function ed25519Verify(publicKey, signature, message) {
  const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
  return crypto.subtle.verify("Ed25519", key, signature, message);
}

// ------------------------------------------------------------------ verdicts

class Run {
  constructor() { this.checks = []; this.warnings = []; }
  add(name, status, detail) {
    this.checks.push({ name, status, ok: OK_OF[status], detail });
  }
  record(name, ok, detail) { this.add(name, ok ? PASS : FAIL, detail); }
}

export function verdictOf(checks, trustCheck) {
  if (checks.some((c) => c.status === FAIL)) return "INVALID";
  const trust = checks.find((c) => c.name === trustCheck);
  if (!trust || trust.status !== PASS) return "UNVERIFIED";
  return "VALID";
}

// ------------------------------------------------------------------ trust policies

// What the verifier pinned (ledger_proof/policy.py): "pinned" keys by key id, "unpinned"
// (check against the document's own key, trust nothing), or "check" one given key without
// trusting it (a certificate's own did:key, for its evidence).
export function pinnedPolicy(keys) { return { kind: "pinned", keys, source: "pinned key" }; }
export const UNPINNED = { kind: "unpinned" };
function checkOnly(key, source) { return { kind: "check", key, source }; }

function chooseKey(policy, keyId, embedded) {
  if (policy.kind === "unpinned") return { key: embedded ?? null, trusted: false, source: "the key inside the document (not pinned)" };
  if (policy.kind === "check") return { key: policy.key, trusted: false, source: policy.source };
  let key = typeof keyId === "string" && Object.hasOwn(policy.keys, keyId) ? policy.keys[keyId] : null;
  const all = Object.values(policy.keys);
  if (key === null && all.length === 1) key = all[0];
  return { key, trusted: key !== null, source: policy.source };
}

async function policyTrusts(policy, publicKey) {
  return policy.kind === "pinned" && Object.hasOwn(policy.keys, await keyIdOf(publicKey));
}

// ------------------------------------------------------------------ proof bundles

const HEADER_FIELDS = ["version", "ledger_id", "seq", "prev_header_hash", "merkle_root", "size",
  "first_event", "last_event", "sealed_at"];

function hex32(value, what) {
  if (typeof value !== "string" || value.length !== 64) throw new BundleFormatError(`${what} must be 64 hex characters`);
  if (value !== value.toLowerCase()) throw new BundleFormatError(`${what} must be lowercase hex`);
  try { return fromHex(value); } catch { throw new BundleFormatError(`${what} is not hex`); }
}

function pyRepr(value) {
  if (value === undefined || value === null) return "None";
  if (typeof value === "string") return `'${value}'`;
  if (value === true) return "True";
  if (value === false) return "False";
  return JSON.stringify(value);
}

function requireInt(value, what) {
  if (!isInt(value)) throw new BundleFormatError(`${what} must be an integer`);
}

// _parse: anything of the wrong JSON type is not a bundle at all.
function parseBundle(bundle) {
  if (!isObject(bundle)) throw new BundleFormatError("a proof bundle is a JSON object");
  if (!(bundle.version === 1)) {
    throw new BundleFormatError(`unsupported bundle version ${pyRepr(bundle.version)}`);
  }
  for (const name of ["commitment", "leaf_hash", "inclusion", "batch"]) {
    if (!Object.hasOwn(bundle, name)) throw new BundleFormatError(`bundle lacks '${name}'`);
  }
  const { inclusion, batch } = bundle;
  if (!isObject(inclusion) || !isObject(batch)) throw new BundleFormatError("inclusion and batch must be objects");
  requireInt(inclusion.leaf_index, "inclusion.leaf_index");
  requireInt(inclusion.tree_size, "inclusion.tree_size");
  if (!Array.isArray(inclusion.hashes)) throw new BundleFormatError("inclusion.hashes must be a list");
  for (const name of ["header", "header_hash", "signature"]) {
    if (!Object.hasOwn(batch, name)) throw new BundleFormatError(`batch lacks '${name}'`);
  }
  for (const name of ["header_hash", "signature"]) {
    if (typeof batch[name] !== "string") throw new BundleFormatError(`batch.${name} must be a string`);
  }
  for (const name of ["key_id", "public_key"]) {
    if (batch[name] !== undefined && batch[name] !== null && typeof batch[name] !== "string") {
      throw new BundleFormatError(`batch.${name} must be a string`);
    }
  }
  const anchors = bundle.anchors ?? [];
  if (!Array.isArray(anchors)) throw new BundleFormatError("anchors must be a list of receipts");
  const event = bundle.event ?? null, salt = bundle.salt ?? null;
  if (event !== null && !isObject(event)) throw new BundleFormatError("event must be an object or null");
  if (salt !== null && typeof salt !== "string") throw new BundleFormatError("salt must be hex text or null");
  return { inclusion, batch, anchors, event, salt,
    commitment: hex32(bundle.commitment, "commitment"), leaf: hex32(bundle.leaf_hash, "leaf_hash") };
}

function checkShape(header) {
  if (!isObject(header)) throw new HeaderError("header must be a JSON object");
  const missing = HEADER_FIELDS.filter((f) => !Object.hasOwn(header, f));
  if (missing.length) throw new HeaderError(`header lacks ${missing.join(", ")}`);
  for (const name of ["version", "seq", "size"]) {
    if (!isInt(header[name]) || header[name] < 0) throw new HeaderError(`header.${name} must be a non-negative integer`);
  }
  for (const name of ["prev_header_hash", "merkle_root"]) {
    const v = header[name];
    if (!(typeof v === "string" && v.length === 64 && /^[0-9a-f]*$/.test(v))) {
      throw new HeaderError(`header.${name} must be 64 lowercase hex characters`);
    }
  }
  if (header.size < 1) throw new HeaderError("header.size must be at least 1");
}

// verify_bundle: pinned is {key_id: base64 key} the verifier trusts, or null (then the
// signature is checked with the key inside the bundle and is at best not_checked).
// policy overrides pinned (pinnedPolicy, UNPINNED, or a check-only key).
export async function verifyBundle(bundle, { pinned = null, policy = null } = {}) {
  const parsed = parseBundle(bundle);
  const chosen = policy ?? (pinned && Object.keys(pinned).length ? pinnedPolicy(pinned) : UNPINNED);
  const run = new Run();
  await checkCommitment(parsed, run);
  const expectedLeaf = await leafOf(parsed.commitment);
  const leafOk = equalBytes(expectedLeaf, parsed.leaf);
  run.record("leaf_hash", leafOk, leafOk ? "leaf_hash = SHA-256(0x00 || commitment)" : "leaf_hash does not match the commitment");
  const header = parsed.batch.header;
  let computed;
  try {
    checkShape(header);
    computed = toHex(await sha256(canonicalBytes(header)));
  } catch (exc) {
    if (!(exc instanceof HeaderError || exc instanceof CanonicalizationError)) throw exc;
    run.record("header_format", false, `malformed header: ${exc.message}`);
    return finishBundle(run);
  }
  await checkInclusion(parsed, header, run);
  const stated = parsed.batch.header_hash;
  run.record("header_hash", computed === stated, computed === stated ? "header_hash = SHA-256(JCS(header))"
    : `header hashes to ${computed}, bundle says ${stated}`);
  await checkSignature(parsed.batch, header, chosen, run);
  checkAnchors(parsed.anchors, run);
  return finishBundle(run);
}

function finishBundle(run) {
  return { verdict: verdictOf(run.checks, "header_signature"), checks: run.checks, warnings: run.warnings };
}

async function checkCommitment(parsed, run) {
  const { event, salt } = parsed;
  if (event === null && salt === null) {
    run.add("commitment", NOT_CHECKED, "event erased (payload and salt deleted): the commitment cannot be "
      + "opened; only the service's own store can confirm the erasure");
    return;
  }
  if (event === null || salt === null) {
    run.record("commitment", false, "event and salt must both be present or both be null");
    return;
  }
  let saltBytes, body;
  try {
    saltBytes = fromHex(salt);
    body = canonicalBytes(event);
  } catch (exc) {
    if (!(exc instanceof HexError || exc instanceof CanonicalizationError)) throw exc;
    run.record("commitment", false, `cannot recompute the commitment: ${exc.message}`);
    return;
  }
  const ok = equalBytes(await sha256(concat(saltBytes, body)), parsed.commitment);
  run.record("commitment", ok, ok ? "commitment = SHA-256(salt || JCS(event))"
    : "the event and salt do not hash to the commitment: the event was altered");
}

async function checkInclusion(parsed, header, run) {
  const size = parsed.inclusion.tree_size, index = parsed.inclusion.leaf_index;
  if (size !== header.size) {
    run.record("inclusion", false, `tree_size ${size} differs from header size ${header.size}`);
    return;
  }
  let computed;
  try {
    const path = parsed.inclusion.hashes.map((h) => hex32(h, "inclusion hash"));
    computed = await rootFromInclusion(index, size, parsed.leaf, path);
  } catch (exc) {
    if (!(exc instanceof MerkleError || exc instanceof BundleFormatError)) throw exc;
    run.record("inclusion", false, `malformed inclusion proof: ${exc.message}`);
    return;
  }
  const ok = toHex(computed) === header.merkle_root;
  run.record("inclusion", ok, ok ? `leaf ${index} of ${size} hashes up to the header's merkle_root`
    : `the audit path yields root ${toHex(computed)}, header says ${header.merkle_root}`);
}

async function checkSignature(batch, header, policy, run) {
  const keyId = batch.key_id ?? null;
  const choice = chooseKey(policy, keyId, batch.public_key);
  if (choice.key === null) {
    const pinned = policy.kind === "pinned";
    run.add("header_signature", pinned ? FAIL : NOT_CHECKED, pinned ? `no pinned key with id ${pyRepr(keyId)}`
      : "no key to check the signature with");
    return;
  }
  let raw;
  try {
    raw = parsePublicKey(choice.key);
    if (keyId !== null && keyId !== await keyIdOf(raw)) {
      run.record("header_signature", false, `key id ${keyId} does not match the key used (${await keyIdOf(raw)})`);
      return;
    }
    let signature;
    try { signature = b64decode(batch.signature); } catch (exc) { throw new ProofError(exc.message); }
    if (signature.length !== 64) throw new ProofError(`Ed25519 signatures are 64 bytes, got ${signature.length}`);
    if (!await ed25519Verify(raw, signature, canonicalBytes(header))) throw new ProofError("signature does not verify");
  } catch (exc) {
    if (!(exc instanceof ProofError || exc instanceof KeyFormatError || exc instanceof DOMException)) throw exc;
    run.record("header_signature", false, `Ed25519 signature over JCS(header) by ${choice.source}: ${exc.message}`);
    return;
  }
  if (choice.trusted) {
    run.record("header_signature", true, `Ed25519 signature by ${await keyIdOf(raw)} (${choice.source}) verifies`);
    return;
  }
  run.add("header_signature", NOT_CHECKED, `verifies only under ${choice.source}, which anyone can make; `
    + "pin the service key to trust it");
}

function checkAnchors(anchors, run) {
  if (!anchors.length) {
    run.warnings.push("the batch has no anchor receipt (sealed, not anchored)");
    return;
  }
  for (const receipt of anchors) {
    if (!isObject(receipt) || typeof receipt.backend !== "string") {
      run.record("anchor", false, "an anchor receipt is not an object with a backend");
      continue;
    }
    const where = receipt.backend === "fabric"
      ? `tx ${pyStr(receipt.tx_id)}, block ${pyStr(receipt.block_number)}`
      : `tx ${pyStr(receipt.tx_hash)}, block ${pyStr(receipt.block_number)}`;
    run.add(`anchor.${receipt.backend}`, NOT_CHECKED, `receipt (${where}) not read back: a browser `
      + `pins no ${receipt.backend} ledger; read it with ledger verify`);
  }
}

function pyStr(value) {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

// ------------------------------------------------------------------ base58btc, did:key

const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const ED25519_PUB_PREFIX = [0xed, 0x01];

export function b58decode(text) {
  let n = 0n;
  for (const ch of text) {
    const i = B58.indexOf(ch);
    if (i < 0) throw new MultibaseError(`'${ch}' is not a base58btc character`);
    n = n * 58n + BigInt(i);
  }
  let zeros = 0;
  while (zeros < text.length && text[zeros] === "1") zeros += 1;
  const body = [];
  while (n > 0n) { body.unshift(Number(n & 0xffn)); n >>= 8n; }
  return new Uint8Array([...new Array(zeros).fill(0), ...body]);
}

export function b58encode(bytes) {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros += 1;
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = "";
  while (n > 0n) { out = B58[Number(n % 58n)] + out; n /= 58n; }
  return "1".repeat(zeros) + out;
}

function decodeZ(text) {
  if (typeof text !== "string" || !text.startsWith("z")) {
    throw new MultibaseError("expected a base58btc multibase value (leading 'z')");
  }
  return b58decode(text.slice(1));
}

function publicKeyFromMultibase(value) {
  const raw = decodeZ(value);
  if (raw.length !== 34 || raw[0] !== ED25519_PUB_PREFIX[0] || raw[1] !== ED25519_PUB_PREFIX[1]) {
    throw new MultibaseError("not an Ed25519 Multikey (expected 0xed01 + 32 bytes)");
  }
  return raw.slice(2);
}

export function publicKeyFromDidKey(method) {
  if (typeof method !== "string" || !method.startsWith("did:key:")) {
    throw new MultibaseError("verificationMethod is not a did:key");
  }
  const hash = method.indexOf("#");
  const did = hash < 0 ? method : method.slice(0, hash);
  const fragment = hash < 0 ? "" : method.slice(hash + 1);
  const mb = did.slice("did:key:".length);
  if (fragment && fragment !== mb) throw new MultibaseError("did:key fragment must repeat the key");
  return publicKeyFromMultibase(mb);
}

// ------------------------------------------------------------------ eddsa-jcs-2022

const PROOF_TYPE = "DataIntegrityProof", CRYPTOSUITE = "eddsa-jcs-2022";

function jcsForProof(value) {
  try { return canonicalBytes(value); } catch (exc) {
    if (exc instanceof CanonicalizationError) throw new ProofError(`cannot canonicalize: ${exc.message}`);
    throw exc;
  }
}

function checkOptions(options) {
  if (options.type !== PROOF_TYPE || options.cryptosuite !== CRYPTOSUITE) {
    throw new ProofError(`proof must be ${PROOF_TYPE} with cryptosuite ${CRYPTOSUITE}`);
  }
  if (options.created !== undefined && options.created !== null && !isoDateTime(pyStr(options.created))) {
    throw new ProofError(`proof created ${pyRepr(options.created)} is not an XML Schema datetime`);
  }
}

function deepEqual(a, b) { return canonicalOrNull(a) === canonicalOrNull(b) && canonicalOrNull(a) !== null; }
function canonicalOrNull(v) { try { return canonicalize(v); } catch { return null; } }

function without(obj, key) {
  const out = {};
  for (const k of Object.keys(obj)) if (k !== key) out[k] = obj[k];
  return out;
}

// verify_proof (ledger_service/certificates/dataintegrity.py): the signer's public key, or
// ProofError. Whether that key is trusted is the caller's question.
export async function verifyProof(secured, expectedPurpose = "assertionMethod") {
  if (!isObject(secured) || !isObject(secured.proof)) throw new ProofError("the document has no proof object");
  const unsecured = without(secured, "proof");
  const options = without(secured.proof, "proofValue");
  checkOptions(options);
  if (expectedPurpose !== null && options.proofPurpose !== expectedPurpose) {
    throw new ProofError(`proofPurpose is ${pyRepr(options.proofPurpose)}, expected '${expectedPurpose}'`);
  }
  let signature;
  try { signature = decodeZ(secured.proof.proofValue); } catch (exc) {
    throw new ProofError(`proofValue: ${exc.message}`);
  }
  if (signature.length !== 64) throw new ProofError(`an Ed25519 proofValue is 64 bytes, got ${signature.length}`);
  if ("@context" in options) {
    const ctx = options["@context"], docCtx = secured["@context"];
    const ctxList = Array.isArray(ctx) ? ctx : [ctx];
    const docList = Array.isArray(docCtx) ? docCtx : [docCtx === undefined ? null : docCtx];
    const prefix = docList.slice(0, ctxList.length);
    if (prefix.length !== ctxList.length || !ctxList.every((c, i) => c === prefix[i] || deepEqual(c, prefix[i]))) {
      throw new ProofError("the document's @context does not start with the proof's @context");
    }
    unsecured["@context"] = ctx;
  } else if ("@context" in unsecured) {
    // vc-di-eddsa §3.3.5: the proof configuration takes the document's @context.
    options["@context"] = unsecured["@context"];
  }
  const method = options.verificationMethod;
  if (typeof method !== "string") throw new ProofError("proof has no verificationMethod");
  let publicKey;
  try { publicKey = publicKeyFromDidKey(method); } catch (exc) { throw new ProofError(exc.message); }
  const hashData = concat(await sha256(jcsForProof(options)), await sha256(jcsForProof(unsecured)));
  if (!await ed25519Verify(publicKey, signature, hashData)) {
    throw new ProofError("the Ed25519 signature does not verify: the document or its proof "
      + "options were altered, or another key signed it");
  }
  return publicKey;
}

// ------------------------------------------------------------------ time (RFC 3339)

// datetime.fromisoformat's common forms (date, optional time, optional offset).
function isoDateTime(text) {
  return /^\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2}([.,]\d{1,6})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/.test(
    text.replace("Z", "+00:00"));
}

// from_text: an instant with an explicit offset, in milliseconds; null when unreadable.
export function parseTime(text) {
  if (typeof text !== "string") return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2}(?::?\d{2})?)$/.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s = "0", frac = "0", tz] = m;
  const ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, Math.floor(Number(`0.${frac}`) * 1000));
  const check = new Date(ms);
  if (check.getUTCDate() !== +d || check.getUTCMonth() !== +mo - 1 || +h > 23 || +mi > 59 || +s > 59) return null;
  if (tz === "Z") return ms;
  const sign = tz[0] === "-" ? -1 : 1;
  const digits = tz.slice(1).replaceAll(":", "");
  const offset = (+digits.slice(0, 2) * 60 + +digits.slice(2, 4)) * 60000 + (+(digits.slice(4, 6) || 0)) * 1000;
  return ms - sign * offset;
}

// ------------------------------------------------------------------ certificates

const VC_CONTEXT = "https://www.w3.org/ns/credentials/v2";
const CREDENTIAL_TYPE = "CreditRatingCertificate";
const DIMENSIONS = [["financial_health", "financialHealth"], ["operating_activity", "operatingActivity"],
  ["growth_potential", "growthPotential"]];

// verify_certificate (ledger_proof/certificates/verify.py). options: pinned (base64 issuer
// key the verifier trusts, or null), at (ms, default now), statusFetcher (async url ->
// status list document, null for a list the page will not fetch; or no fetcher at all).
export async function verifyCertificate(doc, { pinned = null, at = null, statusFetcher = null } = {}) {
  if (!isObject(doc) || !isObject(doc.proof)) throw new CertificateFormatError("a certificate is a JSON object with a proof");
  const policy = pinned ? pinnedPolicy({ [await keyIdOf(parsePublicKey(pinned))]: pinned }) : UNPINNED;
  if (policy.kind === "pinned") policy.source = "pinned issuer key";
  const run = new Run();
  checkFormat(doc, run);
  let signer = null;
  try {
    signer = await verifyProof(doc);
  } catch (exc) {
    if (!(exc instanceof ProofError)) throw exc;
    run.record("signature", false, `eddsa-jcs-2022 Data Integrity proof: ${exc.message}`);
  }
  const trusted = signer !== null && await policyTrusts(policy, signer);
  if (signer !== null) {
    if (trusted) run.record("signature", true, `eddsa-jcs-2022 proof by ${await keyIdOf(signer)} verifies`);
    else run.add("signature", NOT_CHECKED, `eddsa-jcs-2022 proof verifies under ${await keyIdOf(signer)}, a key the verifier has not pinned`);
  }
  await checkIssuer(doc, signer, policy, run);
  checkValidity(doc, at ?? Date.now(), run);
  await checkEvidence(doc, signer, trusted ? signer : null, run);
  let certificateId = null;
  try { certificateId = certificateIdOf(doc); } catch (exc) { run.record("format.id", false, exc.message); }
  await checkStatus(doc, signer, trusted ? signer : null, statusFetcher, run);
  run.add("fabric.status", NOT_CHECKED, "the Fabric certificate registry was not read (a browser reaches no "
    + "Fabric peer; use ledger verify-certificate --fabric)");
  const binding = doc.tokenBinding;
  if (!isObject(binding)) {
    run.warnings.push("the certificate names no token (issued with tokens disabled)");
  } else {
    run.add("token.exists", NOT_CHECKED, `token ${pyStr(binding.tokenId)} on ${pyStr(binding.chain)} not read `
      + "(no pinned token contract in a browser)");
  }
  return { verdict: verdictOf(run.checks, "issuer"), checks: run.checks, warnings: run.warnings, certificateId };
}

function checkFormat(doc, run) {
  const context = doc["@context"], types = doc.type, problems = [];
  if (!Array.isArray(context) || !context.length || context[0] !== VC_CONTEXT) problems.push(`@context must start with ${VC_CONTEXT}`);
  if (!Array.isArray(types) || !types.includes("VerifiableCredential") || !types.includes(CREDENTIAL_TYPE)) {
    problems.push(`type must include VerifiableCredential and ${CREDENTIAL_TYPE}`);
  }
  if (!isObject(doc.credentialSubject)) problems.push("credentialSubject must be an object");
  run.record("format", !problems.length, problems.join("; ") || "W3C VC 2.0 credit rating certificate");
}

async function checkIssuer(doc, signer, policy, run) {
  const issuer = doc.issuer;
  const issuerId = isObject(issuer) ? issuer.id : issuer;
  const method = pyStr(doc.proof.verificationMethod ?? "");
  if (signer === null) { run.record("issuer", false, "no valid signature, so no issuer key"); return; }
  let issuerKey;
  try { issuerKey = publicKeyFromDidKey(pyStr(issuerId)); } catch (exc) {
    if (!(exc instanceof MultibaseError)) throw exc;
    run.record("issuer", false, `issuer is not a did:key: ${exc.message}`);
    return;
  }
  if (method.split("#")[0] !== issuerId || !equalBytes(issuerKey, signer)) {
    run.record("issuer", false, "the proof's verificationMethod is not the issuer's key");
    return;
  }
  const id = await keyIdOf(signer);
  if (policy.kind === "unpinned") {
    run.add("issuer", NOT_CHECKED, `issuer key ${id} is not pinned: anyone can issue under a did:key of their own`);
    return;
  }
  const ok = await policyTrusts(policy, signer);
  run.record("issuer", ok, ok ? `issuer key ${id} is the platform's` : `issuer key ${id} is not a trusted platform key`);
}

function checkValidity(doc, at, run) {
  const start = parseTime(doc.validFrom), end = parseTime(doc.validUntil);
  if (start === null || end === null) {
    run.record("validity_window", false, "validFrom/validUntil unreadable");
    return;
  }
  const ok = start <= at && at <= end;
  run.record("validity_window", ok, ok ? `valid ${doc.validFrom} to ${doc.validUntil}`
    : `not valid at ${new Date(at).toISOString()} (window ${doc.validFrom} to ${doc.validUntil})`);
}

async function checkEvidence(doc, signer, trustedSigner, run) {
  const evidence = doc.evidence;
  const item = Array.isArray(evidence) && evidence.length ? evidence[0] : null;
  const bundle = isObject(item) ? item.proofBundle : null;
  if (!isObject(bundle)) { run.record("evidence", false, "no proof bundle in evidence"); return; }
  evidenceMatches(doc, bundle, run);
  // The score's batch must be signed by the key that issued the credential: one key to pin.
  let policy = UNPINNED;
  if (trustedSigner !== null) {
    policy = { kind: "pinned", keys: { [await keyIdOf(trustedSigner)]: b64encode(trustedSigner) }, source: "the issuer key" };
  } else if (signer !== null) {
    policy = checkOnly(b64encode(signer), "the credential's own (unpinned) key");
  }
  let inner;
  try {
    inner = await verifyBundle(bundle, { policy });
  } catch (exc) {
    if (!(exc instanceof BundleFormatError)) throw exc;
    throw new CertificateFormatError(`evidence proofBundle is not a v1 proof bundle: ${exc.message}`);
  }
  for (const check of inner.checks) run.add(`evidence.${check.name}`, check.status, check.detail);
  run.warnings.push(...inner.warnings);
  const anchors = bundle.anchors || [];
  run.record("evidence.anchor", anchors.length > 0, anchors.length
    ? `${anchors.length} anchor receipt(s); each read back above when its ledger is pinned`
    : "the score's batch was sealed but not anchored on any ledger when the certificate was issued");
}

function evidenceMatches(doc, bundle, run) {
  const event = bundle.event;
  const subject = isObject(doc.credentialSubject) ? doc.credentialSubject : {};
  const rating = isObject(subject.creditRating) ? subject.creditRating : {};
  if (!isObject(event)) { run.record("evidence.matches", false, "the score event was erased from the bundle"); return; }
  const payload = isObject(event.payload) ? event.payload : {};
  const dimensions = isObject(payload.dimensions) ? payload.dimensions : {};
  const dims = {};
  for (const [k, c] of DIMENSIONS) dims[c] = dimensions[k];
  const expected = [
    ["event type", event.type, "score.computed"],
    ["enterprise", subject.unifiedSocialCreditCode, event.enterprise_id],
    ["score event", rating.scoreEvent, event.id],
    ["grade", rating.grade, payload.grade],
    ["score", rating.score, payload.score],
    ["model", rating.model, { id: payload.model_id, version: payload.model_version }],
    ["dimensions", rating.dimensions, dims],
  ];
  const wrong = expected.filter(([, stated, actual]) => !pyEqual(stated, actual)).map(([name]) => name);
  run.record("evidence.matches", !wrong.length, !wrong.length
    ? "grade, score, dimensions and model equal the evidenced score event"
    : `the credential differs from its evidence in: ${wrong.join(", ")}`);
}

// Python's == on JSON values (a missing key is None; dict key order does not matter).
function pyEqual(a, b) {
  const x = a === undefined ? null : a, y = b === undefined ? null : b;
  if (x === null || y === null || typeof x !== "object" || typeof y !== "object") {
    if (typeof x === "boolean" || typeof y === "boolean") return x === y;
    return x === y;
  }
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  if (Array.isArray(x)) return x.length === y.length && x.every((v, i) => pyEqual(v, y[i]));
  const kx = Object.keys(x).sort(), ky = Object.keys(y).sort();
  return kx.length === ky.length && kx.every((k, i) => k === ky[i] && pyEqual(x[k], y[k]));
}

const UUID_PREFIX = "urn:uuid:";

function certificateIdOf(doc) {
  const id = doc.id;
  if (typeof id !== "string" || !id.startsWith(UUID_PREFIX)) throw new Error("the credential id is not a urn:uuid");
  let hex = id.slice(UUID_PREFIX.length).replace("urn:", "").replace("uuid:", "");
  hex = hex.replace(/^[{}]+|[{}]+$/g, "").replaceAll("-", "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error("the credential id is not a valid urn:uuid");
  const h = hex.toLowerCase();
  return `crt-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function parseStatusEntry(status) {
  const entries = Array.isArray(status) ? status : [status];
  for (const item of entries) {
    if (isObject(item) && item.type === "BitstringStatusListEntry" && item.statusPurpose === "revocation") {
      const url = item.statusListCredential, raw = item.statusListIndex;
      if (typeof url !== "string" || typeof raw !== "string" || !/^[0-9]+$/.test(raw) || raw.length > 12) {
        throw new MalformedStatusEntry("statusListCredential must be a URL and statusListIndex a decimal string");
      }
      return [url, Number(raw)];
    }
  }
  throw new StatusListError("no BitstringStatusListEntry with statusPurpose revocation");
}

async function decodeStatusList(encoded) {
  if (typeof encoded !== "string" || !encoded.startsWith("u")) {
    throw new StatusListError("encodedList must be multibase base64url (leading 'u')");
  }
  let packed;
  try { packed = b64decode(encoded.slice(1)); } catch (exc) {
    throw new StatusListError(`encodedList does not decode: ${exc.message}`);
  }
  try {
    const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (exc) {
    throw new StatusListError(`encodedList does not decode: ${exc.message}`);
  }
}

async function checkStatus(doc, signer, trustedSigner, fetcher, run) {
  let url, index;
  try { [url, index] = parseStatusEntry(doc.credentialStatus); } catch (exc) {
    if (exc instanceof MalformedStatusEntry) throw new CertificateFormatError(`credentialStatus: ${exc.message}`);
    if (!(exc instanceof StatusListError)) throw exc;
    run.record("status", false, exc.message);
    return;
  }
  if (!fetcher) {
    run.add("status", NOT_CHECKED, `status list ${url} not consulted (no way to fetch it)`);
    return;
  }
  let revoked;
  try {
    const listing = await fetcher(url);
    if (listing === null) {
      run.add("status", NOT_CHECKED, `status list ${url} is not this service's own: the page fetches no other site`);
      return;
    }
    const listSigner = await verifyProof(listing);
    if (signer !== null && !equalBytes(listSigner, signer)) throw new StatusListError("the status list is signed by another key");
    if (!isObject(listing) || listing.id !== url) throw new StatusListError(`fetched list is not ${url}`);
    const subject = listing.credentialSubject;
    if (!isObject(subject) || subject.type !== "BitstringStatusList") throw new StatusListError("not a BitstringStatusListCredential");
    if (subject.statusPurpose !== "revocation") throw new StatusListError(`status list purpose is ${pyRepr(subject.statusPurpose)}`);
    const bits = await decodeStatusList(subject.encodedList);
    if (!(index >= 0 && index < bits.length * 8)) {
      throw new StatusListError(`statusListIndex ${index} is outside the list (${bits.length * 8} bits)`);
    }
    revoked = (bits[Math.floor(index / 8)] & (0x80 >> (index % 8))) !== 0;
  } catch (exc) {
    if (!(exc instanceof ProofError || exc instanceof StatusListError || exc instanceof TypeError
      || exc instanceof SyntaxError)) throw exc;
    run.record("status", false, `status list ${url}: ${exc.message}`);
    return;
  }
  if (revoked) run.record("status", false, `bit ${index} of ${url} is set: the certificate is REVOKED`);
  else if (trustedSigner === null) {
    run.add("status", NOT_CHECKED, `bit ${index} of ${url} is clear, but the list is signed by an unpinned key: it could be the forger's own`);
  } else run.record("status", true, `bit ${index} of ${url} is clear: not revoked`);
}

// A status fetcher that reads only lists published by this page's own origin (a foreign
// URL in a certificate must not make the page call out); null for anything else.
export function sameOriginStatusFetcher(origin = location.origin) {
  return async (url) => {
    let parsed;
    try { parsed = new URL(url); } catch { return null; }
    if (parsed.origin !== origin || !parsed.pathname.startsWith("/v1/status-lists/")) return null;
    const r = await fetch(parsed.pathname, { cache: "no-store" });
    if (!r.ok) throw new StatusListError(`the service answered ${r.status}`);
    return r.json();
  };
}

// ------------------------------------------------------------------ entry point

// What a pasted document is: "certificate", "bundle", or a readable reason it is neither.
export function kindOf(doc) {
  if (isObject(doc) && isObject(doc.proof)) return "certificate";
  if (isObject(doc) && "version" in doc) return "bundle";
  return null;
}

// Parse pasted JSON. A number with a fraction or exponent is refused here, loudly: the
// ledger's documents have integers only, and JSON.parse would turn 1.0 into 1 silently.
export function parseDocument(text) {
  let doc;
  try { doc = JSON.parse(text); } catch (exc) { throw new SyntaxError(`not JSON: ${exc.message}`); }
  const bad = nonIntegerNumber(text);
  if (bad !== null) {
    throw new CanonicalizationError(`the number ${bad} is not an integer; the ledger's documents have integers only`);
  }
  return doc;
}

// The first number token outside strings that has a fraction or an exponent, else null.
function nonIntegerNumber(text) {
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i += 1;
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
    } else if (ch === "-" || (ch >= "0" && ch <= "9")) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
      if (m && (m[1] || m[2])) return m[0];
      i += m ? m[0].length - 1 : 0;
    }
  }
  return null;
}
