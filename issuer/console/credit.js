// The credit bank in the organization console: a school's conversion rules and the conversions
// learners applied for; the supervisor's outcome catalogue. Loaded after console.js and uses its
// helpers (state, $, t, api, cell, on, report, CHOICES, TAB_LOADERS, LANGUAGE_HOOKS).
// Every value from the server is written with textContent, never as HTML.
"use strict";

Object.assign(TEXT, {
  tabCredit: ["学分转换规则", "Credit rules"],
  tabCatalogue: ["学习成果目录", "Outcome catalogue"],
  creditTitle: ["学分转换规则", "Credit conversion rules"],
  creditHelp: [
    "本校各专业课程的学分转换规则（公开）。撤销的规则不再接受新的申请或审批。",
    "Your school's conversion rules for the courses of its majors (public). A withdrawn rule takes no new applications or approvals.",
  ],
  colMajor: ["专业", "Major"],
  colCourse: ["课程", "Course"],
  colSource: ["可转换的成果", "Converts from"],
  colCredits: ["学分 / 免修", "Credits / exemption"],
  colValidity: ["有效年限", "Valid for"],
  colDeclared: ["声明时间", "Declared"],
  noRules: ["尚无生效的规则。", "No rule in force."],
  declareRule: ["声明规则", "Declare a rule"],
  otherMajor: ["其他（手动填写）", "Other (type it in)"],
  majorCode: ["专业代码", "Major code"],
  courseCode: ["课程代码", "Course code"],
  courseZh: ["课程中文名称", "Course name (Chinese)"],
  courseEn: ["课程英文名称", "Course name (English)"],
  sourceKind: ["成果类型", "Outcome kind"],
  xCertificate: ["职业技能等级证书", "X certificate"],
  diploma: ["学历证书", "Diploma"],
  skillDomainCode: ["技能领域代码", "Skill domain code"],
  minLevel: ["最低等级", "Minimum level"],
  level: ["等级", "Level"],
  educationLevel: ["学历层次", "Education level"],
  sourceMajorOptional: ["专业代码（可不填）", "Major code (optional)"],
  creditsOptional: ["学分（可不填）", "Credits (optional)"],
  exemption: ["免修", "Exemption"],
  validityYears: ["成果有效年限（年）", "Outcome valid for (years)"],
  declare: ["声明", "Declare"],
  recognizedTitle: ["学习成果目录认可的成果", "Outcomes the catalogue recognizes"],
  recognizedHelp: [
    "规则的来源须为监管部门目录认可的成果。点击“用作来源”可填入上表。",
    "A rule's source must be an outcome the supervisor's catalogue recognizes. “Use as source” fills it into the form.",
  ],
  colOutcome2: ["成果", "Outcome"],
  colCatalogueCredits: ["学分", "Credits"],
  useAsSource: ["用作来源", "Use as source"],
  conversionsTitle: ["学分转换申请", "Conversion applications"],
  colLearner: ["学习者", "Learner"],
  colOutcomes: ["成果", "Outcomes"],
  colFlags: ["标记", "Flags"],
  colResult: ["原因 / 记录", "Reason / record"],
  noConversions: ["尚无申请。", "No application yet."],
  withdraw: ["撤销", "Withdraw"],
  withdrawn: ["已撤销", "withdrawn"],
  inForce: ["生效", "in force"],
  approve: ["批准", "Approve"],
  reject: ["驳回", "Reject"],
  convPending: ["待审核", "pending"],
  convApproved: ["已批准", "approved"],
  convRejected: ["已驳回", "rejected"],
  flagged: ["⚑ 有成果已失效", "⚑ an outcome no longer counts"],
  confirmWithdrawRule: ["撤销此规则？已有的转换记录不受影响。", "Withdraw this rule? Conversions already recorded stay."],
  confirmApprove: ["批准此申请并签发转换记录？", "Approve this application and issue its conversion record?"],
  confirmWithdrawEntry: ["撤销此目录条目？其认可的成果将不再计入。", "Withdraw this entry? The outcome it recognizes stops counting."],
  rejectPrompt: ["驳回原因（学习者可见）：", "Reason for rejecting (the learner sees it):"],
  catalogueTitle: ["学习成果目录", "Outcome catalogue"],
  catalogueHelp: [
    "认可的职业技能等级证书和学历证书及其学分。学校的转换规则只能以目录中生效的成果为来源。",
    "The X certificates and diplomas recognized as learning outcomes, with their credits. Schools' rules may only convert from entries in force.",
  ],
  addEntry: ["新增目录条目", "Add an entry"],
  add: ["添加", "Add"],
  years: ["年", "years"],
  anyMajor: ["任意专业", "any major"],
  junior: ["初级", "junior"],
  intermediate: ["中级", "intermediate"],
  senior: ["高级", "senior"],
  "secondary-vocational": ["中职", "secondary vocational"],
  "higher-vocational": ["高职专科", "higher vocational"],
  "vocational-bachelor": ["职业本科", "vocational bachelor"],
  bachelor: ["本科", "bachelor"],
});

const LEVELS = ["junior", "intermediate", "senior"];
const credit = { rules: [], conversions: [], recognized: [], catalogue: [] };

// --- small helpers -----------------------------------------------------------------------

const named = (item) => (state.lang === "zh-CN" ? item.nameZh : item.nameEn);
const when = (iso) => (iso ? iso.slice(0, 19).replace("T", " ") : "");
const schoolSlug = () => state.me.organization.slug;

function postJson(path, body) {
  const options = { method: "POST" };
  if (body !== undefined) {
    options.headers = { "Content-Type": "application/json" };
    options.body = JSON.stringify(body);
  }
  return api(path, options);
}

function smallButton(parent, label, testid, handler, errors) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "small";
  button.textContent = t(label);
  button.dataset.testid = testid;
  button.addEventListener("click", () => {
    $(errors).textContent = "";
    Promise.resolve(handler()).catch(report(errors));
  });
  parent.appendChild(button);
}

function fillOptions(select, values) {
  const chosen = select.value;
  select.replaceChildren(...values.map((value) => new Option(t(value), value)));
  if (values.includes(chosen)) select.value = chosen;
}

// Show the labels marked `attribute="kind"` for the chosen kind, hide the others.
function showKind(attribute, kind) {
  document.querySelectorAll(`[${attribute}]`).forEach((label) => {
    label.hidden = label.getAttribute(attribute) !== kind;
  });
}

function describeOutcome(outcome) {
  if (outcome.kind === "x-certificate") return `${t("xCertificate")} ${outcome.skillDomainCode} · ${t(outcome.level)}`;
  return `${t("diploma")} · ${t(outcome.educationLevel)} · ${outcome.majorCode || t("anyMajor")}`;
}

function describeSource(source) {
  if (source.kind === "x-certificate") return `${t("xCertificate")} ${source.skillDomainCode} ≥ ${t(source.minLevel)}`;
  return `${t("diploma")} · ${t(source.educationLevel)} · ${source.majorCode || t("anyMajor")}`;
}

function tableBody(selector, emptySelector, count) {
  const body = $(`${selector} tbody`);
  body.replaceChildren();
  if (emptySelector) $(emptySelector).hidden = count > 0;
  return body;
}

// --- a school's rules --------------------------------------------------------------------

async function loadCredit() {
  await Promise.all([
    loadMajors(), loadRecognized(), loadRules(),
    loadConversions().catch(report("#conversions-error")),
  ]);
}

// The majors of the school's active accreditations, from its public registry entry.
async function loadMajors() {
  const entry = await (await api(`/registry/${encodeURIComponent(schoolSlug())}`)).json();
  const majors = new Map();
  for (const accreditation of entry.organization.accreditations) {
    if (accreditation.status !== "active") continue;
    for (const major of accreditation.scope.majors || []) majors.set(major.code, major);
  }
  credit.majors = majors;
  renderMajors();
}

function renderMajors() {
  const select = $("#rule-major");
  if (!credit.majors) return;
  const previous = select.options.length ? select.value : null;
  const options = [...credit.majors.values()].map((m) => new Option(`${m.code} ${named(m)}`, m.code));
  select.replaceChildren(...options, new Option(t("otherMajor"), ""));
  const keep = previous !== null && (previous === "" || credit.majors.has(previous));
  select.value = keep ? previous : options.length ? options[0].value : "";
  showOtherMajor();
}

function showOtherMajor() {
  const other = $("#rule-major").value === "";
  document.querySelectorAll("[data-other-major]").forEach((label) => { label.hidden = !other; });
}

async function loadRecognized() {
  const catalogue = await (await fetch("/outcome-catalogue")).json();
  credit.recognized = catalogue.entries;
  renderRecognized();
}

function renderRecognized() {
  const body = tableBody("#recognized", null, credit.recognized.length);
  for (const entry of credit.recognized) {
    const row = document.createElement("tr");
    cell(row, describeOutcome(entry.outcome));
    cell(row, named(entry));
    cell(row, entry.credits);
    smallButton(cell(row, ""), "useAsSource", "use-as-source", () => useAsSource(entry.outcome), "#credit-error");
    body.appendChild(row);
  }
  const domains = [...new Set(credit.recognized.map((e) => e.outcome.skillDomainCode).filter(Boolean))];
  $("#catalogue-domains").replaceChildren(...domains.map((code) => new Option(code, code)));
}

function useAsSource(outcome) {
  $("#rule-kind").value = outcome.kind;
  showKind("data-source", outcome.kind);
  if (outcome.kind === "x-certificate") {
    $("#rule-domain").value = outcome.skillDomainCode;
    $("#rule-min-level").value = outcome.level;
  } else {
    $("#rule-education-level").value = outcome.educationLevel;
    $("#rule-source-major").value = outcome.majorCode || "";
  }
}

async function loadRules() {
  const answer = await (await api(`/orgs/${encodeURIComponent(schoolSlug())}/credit-rules`)).json();
  credit.rules = answer.rules;
  renderRules();
}

function renderRules() {
  const body = tableBody("#rules", "#rules-empty", credit.rules.length);
  for (const rule of credit.rules) {
    const row = document.createElement("tr");
    row.dataset.ruleId = rule.id;
    cell(row, `${rule.major.code} ${named(rule.major)}`);
    cell(row, `${rule.course.code} ${named(rule.course)}`);
    cell(row, describeSource(rule.source));
    cell(row, [rule.credits, rule.exemption ? t("exemption") : null].filter((x) => x != null).join(" · "));
    cell(row, `${rule.validityYears} ${t("years")}`);
    cell(row, when(rule.createdAt));
    const actions = cell(row, rule.withdrawnAt ? t("withdrawn") : "");
    if (!rule.withdrawnAt) smallButton(actions, "withdraw", "withdraw-rule", () => withdrawRule(rule), "#credit-error");
    body.appendChild(row);
  }
}

function chosenMajor() {
  const code = $("#rule-major").value;
  if (code && credit.majors && credit.majors.has(code)) {
    const major = credit.majors.get(code);
    return { code, nameZh: major.nameZh, nameEn: major.nameEn };
  }
  return {
    code: $("#rule-major-code").value.trim(),
    nameZh: $("#rule-major-zh").value.trim(),
    nameEn: $("#rule-major-en").value.trim(),
  };
}

function ruleSource() {
  const kind = $("#rule-kind").value;
  if (kind === "x-certificate") {
    return { kind, skillDomainCode: $("#rule-domain").value.trim(), minLevel: $("#rule-min-level").value };
  }
  const source = { kind, educationLevel: $("#rule-education-level").value };
  if ($("#rule-source-major").value.trim()) source.majorCode = $("#rule-source-major").value.trim();
  return source;
}

function ruleBody() {
  const body = {
    major: chosenMajor(),
    course: {
      code: $("#rule-course-code").value.trim(),
      nameZh: $("#rule-course-zh").value.trim(),
      nameEn: $("#rule-course-en").value.trim(),
    },
    source: ruleSource(),
    exemption: $("#rule-exemption").checked,
    validityYears: Number($("#rule-years").value),
  };
  if ($("#rule-credits").value !== "") body.credits = Number($("#rule-credits").value);
  return body;
}

async function declareRule() {
  await postJson(`/orgs/${encodeURIComponent(schoolSlug())}/credit-rules`, ruleBody());
  ["#rule-course-code", "#rule-course-zh", "#rule-course-en"].forEach((s) => { $(s).value = ""; });
  await loadRules();
}

async function withdrawRule(rule) {
  if (!window.confirm(`${t("confirmWithdrawRule")}\n${rule.course.code} ${named(rule.course)}`)) return;
  const slug = encodeURIComponent(schoolSlug());
  await postJson(`/orgs/${slug}/credit-rules/${encodeURIComponent(rule.id)}/withdraw`);
  await loadRules();
}

// --- a school's conversion applications --------------------------------------------------

const CONVERSION_STATES = { pending: "convPending", approved: "convApproved", rejected: "convRejected" };

async function loadConversions() {
  const answer = await (await api(`/orgs/${encodeURIComponent(schoolSlug())}/conversions`)).json();
  credit.conversions = answer.conversions;
  renderConversions();
}

function renderConversions() {
  const body = tableBody("#conversions", "#conversions-empty", credit.conversions.length);
  for (const conversion of credit.conversions) body.appendChild(conversionRow(conversion));
}

function conversionRow(conversion) {
  const row = document.createElement("tr");
  row.dataset.conversionId = conversion.id;
  row.dataset.state = conversion.state;
  if (conversion.flagged) row.dataset.flagged = "true";
  cell(row, conversion.learnerDid);
  cell(row, conversion.rule ? `${conversion.rule.course.code} ${named(conversion.rule.course)}` : "");
  cell(row, conversion.outcomes.map((o) => o.credentialId).join("\n")).className = "lines";
  cell(row, t(CONVERSION_STATES[conversion.state] || conversion.state)).className = "nowrap";
  const flags = conversion.flags.map((f) => `${f.credentialId}: ${t(f.status)}`).join("\n");
  const marker = cell(row, conversion.flagged ? `${t("flagged")}\n${flags}` : "");
  marker.className = "lines flag";
  cell(row, conversion.reason || conversion.credentialId || "");
  const actions = cell(row, "");
  if (conversion.state === "pending") {
    smallButton(actions, "approve", "approve", () => decide(conversion, "approve"), "#conversions-error");
    smallButton(actions, "reject", "reject", () => decide(conversion, "reject"), "#conversions-error");
  }
  return row;
}

async function decide(conversion, verb) {
  let body;
  if (verb === "approve") {
    if (!window.confirm(t("confirmApprove"))) return;
  } else {
    const reason = window.prompt(t("rejectPrompt"));
    if (!reason || !reason.trim()) return;
    body = { reason: reason.trim() };
  }
  const slug = encodeURIComponent(schoolSlug());
  await postJson(`/orgs/${slug}/conversions/${encodeURIComponent(conversion.id)}/${verb}`, body);
  await loadConversions();
}

// --- the supervisor's outcome catalogue --------------------------------------------------

async function loadCatalogue() {
  const answer = await (await api("/outcome-catalogue?includeWithdrawn=true")).json();
  credit.catalogue = answer.entries;
  renderCatalogue();
}

function renderCatalogue() {
  const body = tableBody("#catalogue", null, credit.catalogue.length);
  for (const entry of credit.catalogue) {
    const row = document.createElement("tr");
    row.dataset.entryId = entry.id;
    row.dataset.state = entry.withdrawnAt ? "withdrawn" : "in-force";
    cell(row, entry.id);
    cell(row, describeOutcome(entry.outcome));
    cell(row, named(entry));
    cell(row, entry.credits);
    cell(row, entry.withdrawnAt ? `${t("withdrawn")} ${when(entry.withdrawnAt)}` : t("inForce"));
    const actions = cell(row, "");
    if (!entry.withdrawnAt) smallButton(actions, "withdraw", "withdraw-entry", () => withdrawEntry(entry), "#catalogue-error");
    body.appendChild(row);
  }
}

function entryOutcome() {
  const kind = $("#entry-kind").value;
  if (kind === "x-certificate") {
    return { kind, skillDomainCode: $("#entry-domain").value.trim(), level: $("#entry-level").value };
  }
  const outcome = { kind, educationLevel: $("#entry-education-level").value };
  if ($("#entry-major").value.trim()) outcome.majorCode = $("#entry-major").value.trim();
  return outcome;
}

async function addEntry() {
  await postJson("/admin/outcome-catalogue", {
    outcome: entryOutcome(),
    nameZh: $("#entry-name-zh").value.trim(),
    nameEn: $("#entry-name-en").value.trim(),
    credits: Number($("#entry-credits").value),
  });
  await loadCatalogue();
}

async function withdrawEntry(entry) {
  if (!window.confirm(`${t("confirmWithdrawEntry")}\n${describeOutcome(entry.outcome)}`)) return;
  await postJson(`/admin/outcome-catalogue/${encodeURIComponent(entry.id)}/withdraw`);
  await loadCatalogue();
}

// --- wiring ------------------------------------------------------------------------------

function fillChoices() {
  fillOptions($("#rule-min-level"), LEVELS);
  fillOptions($("#entry-level"), LEVELS);
  fillOptions($("#rule-education-level"), CHOICES["education-level"]);
  fillOptions($("#entry-education-level"), CHOICES["education-level"]);
}

function redrawCredit() {
  fillChoices();
  if (!state.me) return;
  renderMajors();
  renderRecognized();
  renderRules();
  renderConversions();
  renderCatalogue();
}

TAB_LOADERS.credit = () => { $("#credit-error").textContent = ""; loadCredit().catch(report("#credit-error")); };
TAB_LOADERS.catalogue = () => { $("#catalogue-error").textContent = ""; loadCatalogue().catch(report("#catalogue-error")); };
LANGUAGE_HOOKS.push(redrawCredit);

document.addEventListener("DOMContentLoaded", () => {
  fillChoices();
  $("#rule-major").addEventListener("change", showOtherMajor);
  $("#rule-kind").addEventListener("change", () => showKind("data-source", $("#rule-kind").value));
  $("#entry-kind").addEventListener("change", () => showKind("data-entry", $("#entry-kind").value));
  on("#rule-form", "submit", declareRule, "#credit-error");
  on("#entry-form", "submit", addEntry, "#catalogue-error");
});
