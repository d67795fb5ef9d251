// Chinese and English texts of the portal. Every string a user reads comes from here, or
// from the server or a document (and then it is inserted as text, never as HTML).

"use strict";

const TEXTS = {
  title: ["信用证据账本", "Credit evidence ledger"],
  subtitle: ["证据上链，证明在浏览器中核验", "Evidence anchored on ledgers, proofs checked in your browser"],
  skip: ["跳到正文", "Skip to content"],
  signin_title: ["用 API 密钥登录", "Sign in with an API key"],
  signin_help: ["密钥只保存在本标签页（sessionStorage），以 Bearer 头发送，不用 Cookie。",
    "The key stays in this tab only (sessionStorage) and is sent as a Bearer header; no cookies."],
  api_key: ["API 密钥", "API key"],
  sign_in: ["登录", "Sign in"],
  sign_out: ["退出", "Sign out"],
  verify_link: ["无需登录：验证证书或证明包", "No sign-in needed: verify a certificate or proof bundle"],
  signed_out: ["已退出。", "Signed out."],
  role_platform: ["平台", "Platform"], role_bank: ["银行", "Bank"],
  role_enterprise: ["企业", "Enterprise"], role_auditor: ["审计", "Auditor"],
  // errors
  err_401: ["密钥无效或已被吊销，请重新登录。", "This API key is unknown or was revoked; sign in again."],
  err_403: ["无权访问：", "Not allowed: "],
  err_404: ["未找到：", "Not found: "],
  err_422: ["输入有误：", "Invalid input: "],
  err_409: ["冲突：", "Conflict: "],
  err_429: ["请求过多，请稍后再试。", "Too many requests; try again shortly."],
  err_500: ["服务内部错误：", "Service error: "],
  err_network: ["网络错误：无法连接服务。", "Network error: the service could not be reached."],
  err_json: ["不是合法的 JSON：", "Not valid JSON: "],
  err_shape: ["既不是证书也不是证明包：", "Neither a certificate nor a proof bundle: "],
  err_shape_detail: ["需要含 proof 的证书对象，或含 version 的证明包。",
    "expected a certificate (an object with a proof) or a proof bundle (an object with a version)."],
  err_bundle: ["不是 v1 证明包：", "Not a v1 proof bundle: "],
  err_cert: ["不是证书：", "Not a certificate: "],
  err_key: ["不是 base64 编码的 Ed25519 公钥：", "Not a base64 Ed25519 public key: "],
  err_empty: ["请先粘贴内容。", "Paste something first."],
  err_internal: ["页面出错：", "Page error: "],
  // navigation
  tab_certificates: ["证书", "Certificates"], tab_consents: ["授权", "Consents"], tab_trail: ["证据轨迹", "Trail"],
  tab_lookup: ["企业查询", "Enterprise lookup"], tab_record: ["记录贷款步骤", "Record loan steps"],
  tab_batches: ["批次浏览", "Batch explorer"], tab_proof: ["事件证明", "Event proof"],
  tab_verify: ["验证", "Verify"], tab_orgs: ["机构", "Organizations"], tab_keys: ["API 密钥", "API keys"],
  // tables
  number: ["编号", "Number"], grade: ["等级", "Grade"], score: ["分数", "Score"], status: ["状态", "Status"],
  issued: ["签发时间", "Issued"], valid_until: ["有效期至", "Valid until"], actions: ["操作", "Actions"],
  download_json: ["下载 JSON", "Download JSON"], download_pdf: ["下载 PDF", "Download PDF"],
  verify_here: ["在此验证", "Verify here"], prev: ["上一页", "Previous"], next: ["下一页", "Next"],
  no_rows: ["暂无记录。", "Nothing yet."], page_of: ["共 {n} 条", "{n} in all"],
  grantee: ["被授权机构", "Grantee"], scope: ["范围", "Scope"], purpose: ["用途", "Purpose"],
  granted: ["授权时间", "Granted"], expires: ["到期", "Expires"], state: ["状态", "State"],
  revoke: ["吊销", "Revoke"], grant: ["授权", "Grant consent"], grant_title: ["新的授权", "Grant a consent"],
  scope_help: ["事件类型，逗号分隔；* 表示全部", "Event types, comma-separated; * for all"],
  expires_on: ["到期日", "Expires on"], granted_ok: ["授权已记录：", "Consent recorded: "],
  revoked_ok: ["吊销已记录：", "Revocation recorded: "],
  state_live: ["有效", "live"], state_expired: ["已过期", "expired"], state_revoked: ["已吊销", "revoked"],
  state_not_yet_live: ["尚未生效", "not yet live"], state_erased: ["已擦除", "erased"],
  state_active: ["有效", "active"], state_issuing: ["签发中", "issuing"],
  type: ["类型", "Type"], occurred: ["发生时间", "Occurred"], org: ["机构", "Org"], event_id: ["事件 ID", "Event id"],
  provenance: ["溯源图", "Provenance"], open_proof: ["证明", "Proof"],
  detail: ["详情", "Detail"], clears: ["解除预警", "clears alert"],
  level_red: ["红色预警", "red alert"], level_yellow: ["黄色预警", "yellow alert"],
  level_blue: ["蓝色预警", "blue alert"], level_unknown: ["预警", "alert"],
  alerts_title: ["审批时有效的风险预警与评分提示", "Risk alerts live at the approval, and score marks"],
  no_alerts: ["审批时没有有效的风险预警。", "No risk alert was live at the approval."],
  alert_redacted: ["（详情已隐藏：同意范围不含风险预警）", "(details hidden: the consent does not cover risk alerts)"],
  score_current: ["评分在审批时仍在有效期内，模型哈希一致。", "The score was current at the approval and its model hash matches."],
  st_warn: ["警告", "warning"],
  uscc: ["统一社会信用代码", "Unified social credit code"], look_up: ["查询", "Look up"],
  type_filter: ["事件类型", "Event type"], all_types: ["全部类型", "All types"],
  from: ["起", "From"], to: ["止", "To"], apply: ["筛选", "Filter"],
  graph_title: ["溯源图：", "Provenance of "], graph_valid: ["所有检查通过", "every check passes"],
  graph_invalid: ["溯源检查失败", "provenance checks fail"], graph_help: ["节点按验证结果着色；边上标注检查项。",
    "Nodes are coloured by verdict; edges are labelled with their checks."],
  node_proof: ["证明", "proof"], node_anchor: ["锚定", "anchored"], node_pending: ["待封存", "pending"],
  record_title: ["记录本行贷款步骤", "Record a step of your own loan"], loan_id: ["贷款编号", "Loan id"],
  refs: ["引用事件 ID（逗号分隔）", "Referenced event ids (comma-separated)"],
  payload: ["其余字段（JSON）", "Other payload fields (JSON)"], record: ["记录", "Record"],
  recorded_ok: ["已记录：", "Recorded: "],
  seq: ["序号", "Seq"], size: ["大小", "Size"], root: ["默克尔根", "Merkle root"], sealed: ["封存时间", "Sealed"],
  anchors: ["锚定", "Anchors"], not_anchored: ["未锚定", "not anchored"],
  proof_title: ["打开事件证明", "Open an event's proof"], open: ["打开", "Open"],
  download_bundle: ["下载证明包", "Download bundle"],
  verify_title: ["在浏览器中验证", "Verify in the browser"],
  verify_input: ["证书或证明包 JSON", "Certificate or proof bundle JSON"],
  pin: ["信任的公钥", "Trusted key"], pin_service: ["本服务公布的密钥（/v1/keys）", "This service's published key (/v1/keys)"],
  pin_paste: ["粘贴公钥（base64）", "Paste a key (base64)"], pin_none: ["不固定密钥（结果最多为“未验证”）", "No key (the verdict can be UNVERIFIED at best)"],
  pasted_key: ["公钥（base64 Ed25519）", "Public key (base64 Ed25519)"],
  verify: ["验证", "Verify"], check: ["检查项", "Check"], result: ["结果", "Result"], detail: ["说明", "Detail"],
  verdict_VALID: ["有效 VALID", "VALID"], verdict_INVALID: ["无效 INVALID", "INVALID"],
  verdict_UNVERIFIED: ["未验证 UNVERIFIED（无信任的密钥）", "UNVERIFIED (no trusted key)"],
  st_pass: ["通过", "pass"], st_fail: ["失败", "fail"], st_not_checked: ["未检查", "not checked"],
  failed_checks: ["失败的检查：", "Failed checks: "],
  second_opinion: ["服务端复核", "Server's second opinion"],
  orgs_title: ["机构与事件签名公钥", "Organizations and their event-signing keys"],
  name: ["名称", "Name"], public_key: ["公钥", "Public key"], require_sig: ["要求签名", "Signatures required"],
  register: ["登记", "Register"], yes: ["是", "yes"], no: ["否", "no"],
  keys_title: ["API 密钥", "API keys"], role: ["角色", "Role"], label: ["备注", "Label"], created: ["创建", "Created"],
  key_id: ["编号", "Id"], prefix: ["前缀", "Prefix"], create: ["创建", "Create"], rotate: ["轮换", "Rotate"], revoked: ["已吊销", "revoked"],
  live: ["有效", "live"], token_once: ["新密钥（只显示这一次，请立即保存）：", "New key (shown this once; store it now):"],
  key_revoked_ok: ["密钥已吊销：", "Key revoked: "],
  certs_title: ["证书：签发与吊销", "Certificates: issue and revoke"], issue: ["签发", "Issue"],
  issued_ok: ["证书已签发：", "Certificate issued: "], reason: ["原因", "Reason"],
  certificate_id: ["证书 ID", "Certificate id"], cert_revoked_ok: ["证书已吊销：", "Certificate revoked: "],
  list: ["列出", "List"], loading: ["加载中…", "Loading…"],
  confirm_revoke: ["确定吊销？", "Revoke for good?"],
};

const LANGS = ["zh", "en"];
let current = sessionStorage.getItem("portal.lang") === "en" ? "en" : "zh";

export function lang() { return current; }

export function t(key, vars = {}) {
  const entry = TEXTS[key];
  let text = entry ? entry[LANGS.indexOf(current)] : key;
  for (const [k, v] of Object.entries(vars)) text = text.replace(`{${k}}`, String(v));
  return text;
}

export function setLang(next) {
  current = next === "en" ? "en" : "zh";
  sessionStorage.setItem("portal.lang", current);
  document.documentElement.lang = current === "en" ? "en" : "zh-CN";
  applyStatic();
}

// Re-label every element that names its text by data-i18n (static parts of the page).
export function applyStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  const button = document.getElementById("lang");
  if (button) {
    button.textContent = current === "en" ? "中文" : "English";
    button.lang = current === "en" ? "zh-CN" : "en";
  }
}
