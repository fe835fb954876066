// The organization console: plain JavaScript over the public API (no framework, no CDN).
// Every value from the server is written with textContent, never as HTML.
"use strict";

const TEXT = {
  title: ["机构控制台", "Organization console"],
  signOut: ["退出", "Sign out"],
  signInTitle: ["登录", "Sign in"],
  signInHelp: [
    "粘贴机构或监管部门的 API 密钥（onex_…）。密钥只保存在本标签页中。",
    "Paste your organization's or supervisor's API key (onex_…). It is kept in this tab only.",
  ],
  apiKey: ["API 密钥", "API key"],
  signIn: ["登录", "Sign in"],
  tabBatch: ["批量发证", "Batch issuance"],
  tabIssue: ["单个发证", "Issue one"],
  tabCredentials: ["已发凭证", "Issued credentials"],
  tabOrganizations: ["机构与资质", "Organizations"],
  batchTitle: ["批量发证", "Batch issuance"],
  batchHelp: [
    "上传 CSV、XLSX 或 JSON Lines 文件（表头可用中文或英文）。先预检，确认后再发证。",
    "Upload a CSV, XLSX or JSON lines file (headers in Chinese or English). It is checked first; nothing is issued until you start.",
  ],
  templateCsv: ["下载 CSV 模板", "CSV template"],
  templateXlsx: ["下载 XLSX 模板", "XLSX template"],
  dryRun: ["预检", "Dry run"],
  startJob: ["开始发证", "Start issuing"],
  downloadReport: ["下载逐行报告", "Download the report"],
  colRow: ["行", "Row"],
  colOutcome: ["预检结果", "Dry run"],
  colNumber: ["证书编号", "Number"],
  colName: ["姓名", "Learner"],
  colState: ["状态", "State"],
  colProblems: ["问题 / 凭证", "Problems / credential"],
  colIssued: ["发证时间", "Issued"],
  issueTitle: ["单个发证", "Issue one credential"],
  issueHelp: ["不填学习者 DID 时，生成一次性领取链接。", "Without a learner DID, a one-time claim link is made instead."],
  issue: ["发证", "Issue"],
  credentialsTitle: ["已发凭证", "Issued credentials"],
  any: ["全部", "Any"],
  active: ["有效", "active"],
  suspended: ["已暂停", "suspended"],
  revoked: ["已撤销", "revoked"],
  search: ["查询", "Search"],
  orgsTitle: ["机构与资质", "Organizations and accreditations"],
  orgName: ["名称", "Name"],
  orgKind: ["类型", "Kind"],
  accreditations: ["资质", "Accreditations"],
  createOrg: ["新建机构", "New organization"],
  evaluationOrg: ["培训评价组织", "Evaluation organization"],
  school: ["学校", "School"],
  nameZh: ["中文名称", "Name (Chinese)"],
  nameEn: ["英文名称", "Name (English)"],
  create: ["创建", "Create"],
  accredit: ["授予资质", "Accredit"],
  scopeJson: ["范围（JSON）", "Scope (JSON)"],
  validFrom: ["起", "From"],
  validUntil: ["止", "Until"],
  accreditButton: ["授予", "Accredit"],
  new: ["新发", "new"],
  renewal: ["换发", "renewal"],
  duplicate: ["重复", "duplicate"],
  invalid: ["无效", "invalid"],
  pending: ["待发", "pending"],
  reserved: ["处理中", "reserved"],
  issued: ["已发", "issued"],
  offered: ["已生成领取链接", "offered"],
  failed: ["失败", "failed"],
  skipped: ["跳过", "skipped"],
  planned: ["已预检，未发证", "planned — nothing issued yet"],
  running: ["发证中", "running"],
  completed: ["已完成", "completed"],
  cancelled: ["已取消", "cancelled"],
  stalled: ["已中断，可继续", "interrupted — start again to resume"],
  rows: ["行", "rows"],
  revoke: ["撤销", "Revoke"],
  suspend: ["暂停", "Suspend"],
  unsuspend: ["恢复", "Unsuspend"],
  reissue: ["更正换发", "Reissue"],
  reasonPrompt: ["请填写原因：", "Reason:"],
  changesPrompt: ["要更正的字段（JSON，如 {\"learner\": {\"name\": \"…\"}}）：", "Fields to correct (JSON, e.g. {\"learner\": {\"name\": \"…\"}}):"],
  claimLink: ["领取链接", "Claim link"],
};

const state = { lang: "zh-CN", key: null, me: null, job: null, timer: null };
// Tabs defined by other scripts (credit.js) register their loader here: name → () => void.
const TAB_LOADERS = {};
// … and what to redraw when the language changes.
const LANGUAGE_HOOKS = [];
const $ = (selector) => document.querySelector(selector);
const t = (name) => (TEXT[name] ? TEXT[name][state.lang === "zh-CN" ? 0 : 1] : name);

function applyLanguage() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll("[data-i18n]").forEach((node) => { node.textContent = t(node.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((node) => {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  });
  $("#lang").textContent = state.lang === "zh-CN" ? "English" : "中文";
  sessionStorage.setItem("onex-lang", state.lang);
  if (state.job) showJob(state.job);
  templateLinks();
  LANGUAGE_HOOKS.forEach((hook) => hook());
}

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}), Authorization: `Bearer ${state.key}` };
  const response = await fetch(path, { ...options, headers });
  if (!response.ok) {
    let detail = `${response.status}`;
    try {
      detail = problemText(await response.json()) || detail;
    } catch (_) { /* not JSON */ }
    throw new Error(detail);
  }
  return response;
}

// A problem details object as one line: "title: detail" (or whichever of them there is).
function problemText(problem) {
  const title = typeof problem.title === "string" ? problem.title : "";
  let detail = problem.detail == null ? "" : problem.detail;
  if (typeof detail !== "string") detail = JSON.stringify(detail);
  return title && detail && title !== detail ? `${title}: ${detail}` : detail || title;
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  row.appendChild(td);
  return td;
}

// --- signing in --------------------------------------------------------------------------

async function signIn(key) {
  state.key = key;
  const me = await (await api("/console/whoami")).json();
  state.me = me;
  sessionStorage.setItem("onex-key", key);
  $("#sign-in").hidden = true;
  $("#tabs").hidden = false;
  $("#sign-out").hidden = false;
  $("#who").textContent = me.organization
    ? `${state.lang === "zh-CN" ? me.organization.nameZh : me.organization.nameEn} (${me.organization.slug})`
    : me.label;
  const orgKind = me.organization ? me.organization.kind : null;
  document.querySelectorAll("#tabs [data-role]").forEach((button) => {
    const otherKind = Boolean(button.dataset.kind) && button.dataset.kind !== orgKind;
    button.hidden = button.dataset.role !== me.role || otherKind;
  });
  showTab(me.role === "organization" ? "batch" : "organizations");
}

function showTab(name) {
  document.querySelectorAll(".tab").forEach((tab) => { tab.hidden = tab.id !== `tab-${name}`; });
  document.querySelectorAll("#tabs button").forEach((b) => b.classList.toggle("on", b.dataset.tab === name));
  if (name === "issue") renderIssueForm();
  if (name === "credentials") searchCredentials();
  if (name === "organizations") loadOrganizations();
  if (TAB_LOADERS[name]) TAB_LOADERS[name]();
}

function kind() {
  return state.me && state.me.organization && state.me.organization.kind === "school" ? "diploma" : "x-certificate";
}

function templateLinks() {
  const lang = state.lang === "zh-CN" ? "zh-CN" : "en";
  $("#template-csv").href = `/batches/templates/${kind()}.csv?lang=${lang}`;
  $("#template-xlsx").href = `/batches/templates/${kind()}.xlsx?lang=${lang}`;
}

// --- batch -------------------------------------------------------------------------------

async function upload(file) {
  let body = file;
  const headers = {};
  if (file.size > 256 * 1024 && !file.name.endsWith(".xlsx") && window.CompressionStream) {
    body = await new Response(file.stream().pipeThrough(new CompressionStream("gzip"))).blob();
    headers["Content-Encoding"] = "gzip";
  }
  const slug = state.me.organization.slug;
  const path = `/orgs/${slug}/batches?filename=${encodeURIComponent(file.name)}`;
  const job = await (await api(path, { method: "POST", body, headers })).json();
  await showJob(job);
  await loadRows(job);
}

async function showJob(job) {
  state.job = job;
  $("#job").hidden = false;
  const o = job.outcomes;
  $("#job-summary").textContent =
    `${job.sourceName}: ${job.rows} ${t("rows")} — ${o.new} ${t("new")}, ${o.renewal} ${t("renewal")}, ` +
    `${o.duplicate} ${t("duplicate")}, ${o.invalid} ${t("invalid")}`;
  $("#job-bar").style.width = `${Math.round(job.progress * 100)}%`;
  const label = job.stalled ? t("stalled") : t(job.state);
  $("#job-state").textContent = `${label} · ${job.done} / ${job.toDo}`;
  $("#job-state").dataset.state = job.state;
  $("#start-job").hidden = !(job.state === "planned" || job.state === "failed" || job.stalled) || job.toDo === 0;
  $("#download-report").hidden = job.state === "planned";
}

async function loadRows(job) {
  const slug = state.me.organization.slug;
  const page = await (await api(`/orgs/${slug}/batches/${job.id}/rows?limit=1000`)).json();
  const body = $("#rows tbody");
  body.replaceChildren();
  for (const item of page.items) {
    const row = document.createElement("tr");
    row.dataset.outcome = item.outcome;
    cell(row, item.row);
    cell(row, t(item.outcome));
    cell(row, item.number);
    cell(row, item.learnerName);
    cell(row, t(item.state));
    const detail = item.problems.map((p) => `${p.field}: ${p.reason}`).join("; ");
    cell(row, detail || item.claimUrl || item.credentialId || "");
    body.appendChild(row);
  }
}

async function startJob() {
  const slug = state.me.organization.slug;
  const job = await (await api(`/orgs/${slug}/batches/${state.job.id}/run`, { method: "POST" })).json();
  await showJob(job);
  poll();
}

function poll() {
  clearTimeout(state.timer);
  state.timer = setTimeout(async () => {
    const slug = state.me.organization.slug;
    const job = await (await api(`/orgs/${slug}/batches/${state.job.id}`)).json();
    await showJob(job);
    if (job.state === "running" && !job.stalled) poll();
    else await loadRows(job);
  }, 400);
}

async function downloadReport() {
  const slug = state.me.organization.slug;
  const lang = state.lang === "zh-CN" ? "zh-CN" : "en";
  const response = await api(`/orgs/${slug}/batches/${state.job.id}/report.csv?lang=${lang}`);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = `${state.job.id}-report.csv`;
  link.click();
  URL.revokeObjectURL(link.href);
}

// --- issue one ---------------------------------------------------------------------------

const CHOICES = {
  level: ["junior", "intermediate", "senior"],
  "education-level": ["secondary-vocational", "higher-vocational", "vocational-bachelor", "bachelor"],
};

async function renderIssueForm() {
  const columns = await (await fetch(`/batches/columns/${kind()}`)).json();
  const box = $("#issue-fields");
  box.replaceChildren();
  for (const column of columns) {
    if (!column.path.length) continue;
    const label = document.createElement("label");
    const name = document.createElement("span");
    name.textContent = state.lang === "zh-CN" ? column.zh : column.name;
    let input;
    if (CHOICES[column.type]) {
      input = document.createElement("select");
      for (const value of CHOICES[column.type]) input.add(new Option(value, value));
    } else {
      input = document.createElement("input");
      input.type = column.type === "date" ? "date" : "text";
      input.placeholder = column.example;
    }
    input.required = column.required;
    input.dataset.path = JSON.stringify(column.path);
    input.dataset.testid = `field-${column.name}`;
    label.append(name, input);
    box.appendChild(label);
  }
}

async function issueOne() {
  const body = {};
  document.querySelectorAll("#issue-fields [data-path]").forEach((input) => {
    if (!input.value.trim()) return;
    const path = JSON.parse(input.dataset.path);
    let node = body;
    path.slice(0, -1).forEach((part) => { node = node[part] = node[part] || {}; });
    node[path[path.length - 1]] = input.value.trim();
  });
  const slug = state.me.organization.slug;
  const plural = kind() === "diploma" ? "diplomas" : "x-certificates";
  const offer = !(body.learner && body.learner.did);
  const path = offer ? `/orgs/${slug}/offers/${plural}` : `/orgs/${slug}/credentials/${plural}`;
  const answer = await (await api(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  })).json();
  $("#issue-result").textContent = offer ? `${t("claimLink")}: ${answer.claimUrl}` : `${answer.id}\n${answer.number}`;
}

// --- credentials -------------------------------------------------------------------------

async function searchCredentials() {
  const slug = state.me.organization.slug;
  const query = new URLSearchParams();
  if ($("#search-number").value.trim()) query.set("number", $("#search-number").value.trim());
  if ($("#search-learner").value.trim()) query.set("learner", $("#search-learner").value.trim());
  if ($("#search-status").value) query.set("status", $("#search-status").value);
  query.set("limit", "100");
  const page = await (await api(`/orgs/${slug}/credentials?${query}`)).json();
  const body = $("#credentials tbody");
  body.replaceChildren();
  for (const item of page.items) {
    const row = document.createElement("tr");
    cell(row, item.number);
    cell(row, item.learnerName);
    cell(row, item.issuedAt.slice(0, 19).replace("T", " "));
    cell(row, t(item.status) + (item.supersededBy ? " →" : ""));
    const actions = cell(row, "");
    const verbs = item.status === "revoked" ? [] : item.status === "suspended" ? ["unsuspend", "revoke"] : ["revoke", "suspend", "reissue"];
    for (const verb of verbs) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "small";
      button.textContent = t(verb);
      button.addEventListener("click", () => change(item.id, verb).catch(report("#credentials-error")));
      actions.appendChild(button);
    }
    body.appendChild(row);
  }
}

const REASON_CODES = { revoke: "other", suspend: "under-investigation", unsuspend: "cleared" };

async function change(id, verb) {
  const slug = state.me.organization.slug;
  const url = `/orgs/${slug}/credentials/${encodeURIComponent(id)}/${verb}`;
  let body;
  if (verb === "reissue") {
    const text = window.prompt(t("changesPrompt"));
    if (!text) return;
    body = JSON.parse(text);
  } else {
    const reason = window.prompt(t("reasonPrompt"));
    if (!reason) return;
    body = { reasonCode: REASON_CODES[verb], reason };
  }
  await api(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  await searchCredentials();
}

// --- supervisor --------------------------------------------------------------------------

async function loadOrganizations() {
  const list = await (await api("/admin/organizations")).json();
  const body = $("#organizations tbody");
  body.replaceChildren();
  for (const org of list) {
    const row = document.createElement("tr");
    cell(row, org.slug);
    cell(row, state.lang === "zh-CN" ? org.nameZh : org.nameEn);
    cell(row, org.kind === "school" ? t("school") : t("evaluationOrg"));
    const accreditations = org.accreditations || [];
    cell(row, accreditations.map((a) => `#${a.id} ${a.status} ${a.validUntil.slice(0, 10)}`).join(", "));
    body.appendChild(row);
  }
}

async function createOrganization() {
  const body = {
    slug: $("#org-slug").value.trim(), kind: $("#org-kind").value,
    nameZh: $("#org-name-zh").value.trim(), nameEn: $("#org-name-en").value.trim(),
  };
  const answer = await (await api("/admin/organizations", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  })).json();
  $("#orgs-result").textContent = `${answer.organization.did}\nAPI key (shown once): ${answer.apiKey.key}`;
  await loadOrganizations();
}

async function accreditOrganization() {
  const body = {
    scope: JSON.parse($("#acc-scope").value),
    validFrom: `${$("#acc-from").value}T00:00:00Z`,
    validUntil: `${$("#acc-until").value}T23:59:59Z`,
  };
  const slug = $("#acc-slug").value.trim();
  await api(`/admin/organizations/${slug}/accreditations`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  await loadOrganizations();
}

// --- wiring ------------------------------------------------------------------------------

function report(selector) {
  return (error) => { $(selector).textContent = error.message; };
}

function on(selector, event, handler, errors) {
  $(selector).addEventListener(event, (e) => {
    e.preventDefault();
    if (errors) $(errors).textContent = "";
    Promise.resolve(handler(e)).catch(report(errors || "#batch-error"));
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const stored = sessionStorage.getItem("onex-lang");
  state.lang = stored || (navigator.language && navigator.language.startsWith("zh") ? "zh-CN" : "en");
  applyLanguage();
  on("#lang", "click", () => { state.lang = state.lang === "zh-CN" ? "en" : "zh-CN"; applyLanguage(); });
  on("#sign-in-form", "submit", () => signIn($("#api-key").value.trim()), "#sign-in-error");
  on("#sign-out", "click", () => { sessionStorage.removeItem("onex-key"); location.reload(); });
  document.querySelectorAll("#tabs button").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
  on("#upload-form", "submit", () => upload($("#batch-file").files[0]), "#batch-error");
  on("#start-job", "click", startJob, "#batch-error");
  on("#download-report", "click", downloadReport, "#batch-error");
  on("#issue-form", "submit", issueOne, "#issue-error");
  on("#search-form", "submit", searchCredentials, "#credentials-error");
  on("#org-form", "submit", createOrganization, "#orgs-error");
  on("#accredit-form", "submit", accreditOrganization, "#orgs-error");
  const key = sessionStorage.getItem("onex-key");
  if (key) signIn(key).catch(() => sessionStorage.removeItem("onex-key"));
});
