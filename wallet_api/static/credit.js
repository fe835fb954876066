// The wallet page's credit bank (学分银行): deposits and their total, evaluation of a school's
// rules, applications and their decisions. Uses wallet.js's helpers (window.OnexWallet) and
// is redrawn each time the credential list is. Server data is written with textContent only.
"use strict";

(function () {
  const W = window.OnexWallet;
  const { T, LANG, api, say, fail, el, label, badge } = W;
  const $ = (id) => document.getElementById(id);
  let credentials = []; // the wallet's credentials, as last listed
  let applications = [];
  let evaluated = null; // {school, major} of the evaluation shown, to redraw it after applying

  function named(item) {
    if (!item) return "";
    const zh = item.nameZh || "";
    const en = item.nameEn || "";
    return (LANG === "en" ? en || zh : zh || en) || item.code || "";
  }

  function credentialName(predicate, fallback) {
    const item = credentials.find(predicate);
    return item ? label(item.displayName) : fallback;
  }

  function button(text, className, onClick) {
    const node = el("button", text, className);
    node.type = "button";
    node.addEventListener("click", () => {
      say("");
      node.disabled = true;
      onClick().catch(fail).finally(() => { node.disabled = false; });
    });
    return node;
  }

  function credits(value) {
    return (value === null || value === undefined ? 0 : value) + " " + T.credits;
  }

  // --- the account: deposits and the total -----------------------------------------------

  function whyNotCounting(deposit) {
    const why = [];
    if (deposit.status !== "active") why.push(T["status_" + deposit.status] || deposit.status);
    if (!deposit.recognizedAs) why.push(T.not_recognized);
    return why.join("; ");
  }

  function renderDeposits(account) {
    $("credit-total").textContent = String(account.totalCredits);
    const list = $("deposits");
    list.replaceChildren();
    for (const deposit of account.deposits) {
      const li = el("li", undefined, deposit.counting ? "deposit" : "deposit not-counting");
      li.dataset.id = deposit.id;
      li.dataset.entry = deposit.entryId;
      li.dataset.counting = String(deposit.counting);
      const name = credentialName((c) => c.id === deposit.entryId, deposit.credentialId);
      li.append(el("div", name, "name"), badge("status", deposit.status), " ",
        el("span", deposit.counting ? T.counting : T.not_counting,
          "badge " + (deposit.counting ? "counting" : "not-counting")),
        el("div", credits(deposit.credits), "credits"));
      if (deposit.recognizedAs) {
        li.append(el("div", T.recognized_as + named(deposit.recognizedAs), "muted"));
      }
      if (!deposit.counting) li.append(el("div", whyNotCounting(deposit), "why"));
      list.append(li);
    }
    $("no-deposits").hidden = account.deposits.length > 0;
  }

  function markCredentials(account) {
    const deposited = new Set(account.deposits.map((d) => d.entryId));
    for (const li of $("credentials").querySelectorAll("li[data-id]")) {
      li.querySelector(".credit")?.remove();
      const item = credentials.find((c) => c.id === li.dataset.id);
      if (!item || item.kind === "other") continue; // only certificates and diplomas are outcomes
      const box = el("div", undefined, "credit");
      if (deposited.has(item.id)) box.append(el("span", T.in_bank, "muted in-bank"));
      else box.append(button(T.deposit, "deposit", () => depositEntry(item.id)));
      li.append(box);
    }
  }

  async function depositEntry(entryId) {
    await api("POST", "/wallet/credit-bank/deposits", { entryId });
    await W.reload();
    say(T.deposited);
  }

  // --- evaluation for a school -------------------------------------------------------------

  function ruleSummary(rule) {
    const parts = [];
    if (rule.credits !== null && rule.credits !== undefined) parts.push(credits(rule.credits));
    if (rule.exemption) parts.push(T.exemption);
    parts.push(T.validity_years.replace("{n}", String(rule.validityYears)));
    return parts.join(" · ");
  }

  function hasApplied(school, ruleId) {
    return applications.some((a) => a.school === school && a.ruleId === ruleId &&
      (!a.conversion || a.conversion.state !== "rejected"));
  }

  function renderFindings(evaluation) {
    const list = $("findings");
    list.replaceChildren();
    for (const finding of evaluation.findings) {
      const rule = finding.rule;
      const li = el("li", undefined, finding.applies ? "finding applies" : "finding");
      li.dataset.rule = rule.id;
      li.append(el("div", rule.course.code + " " + named(rule.course), "name"),
        el("div", rule.major.code + " " + named(rule.major), "muted"),
        el("div", ruleSummary(rule), "muted"),
        el("span", finding.applies ? T.applies : T.does_not_apply,
          "badge " + (finding.applies ? "applies" : "not-applies")));
      if (finding.outcomes.length > 0) {
        const used = finding.outcomes.map(
          (id) => credentialName((c) => c.credentialId === id, id));
        li.append(el("div", T.uses + used.join(", "), "muted uses"));
      }
      if (!finding.applies && finding.reasons.length > 0) {
        const reasons = el("ul", undefined, "reasons");
        const texts = LANG === "en" ? finding.reasons : finding.reasonsZh || finding.reasons;
        for (const reason of texts) reasons.append(el("li", reason));
        li.append(reasons);
      }
      if (finding.applies) {
        if (hasApplied(evaluation.school, rule.id)) li.append(el("div", T.applied, "muted applied"));
        else li.append(button(T.apply, "apply", () => applyFor(evaluation.school, rule.id)));
      }
      list.append(li);
    }
    $("no-findings").hidden = evaluation.findings.length > 0;
  }

  async function evaluate(school, major) {
    const query = new URLSearchParams({ school });
    if (major) query.set("major", major);
    const evaluation = await api("GET", "/wallet/credit-bank/evaluation?" + query.toString());
    evaluated = { school, major };
    renderFindings(evaluation);
  }

  async function applyFor(school, ruleId) {
    await api("POST", "/wallet/credit-bank/applications", { school, ruleId });
    await loadApplications();
    if (evaluated) await evaluate(evaluated.school, evaluated.major);
    say(T.application_sent);
  }

  // --- the learner's applications ----------------------------------------------------------

  function renderApplications() {
    const list = $("applications");
    list.replaceChildren();
    for (const application of applications) {
      const conversion = application.conversion;
      const li = el("li", undefined, "application");
      li.dataset.id = application.id;
      const rule = conversion && conversion.rule;
      const title = rule ? rule.course.code + " " + named(rule.course) : application.ruleId;
      li.append(el("div", title, "name"), el("div", application.school, "muted"));
      if (!conversion) {
        list.append(li);
        continue;
      }
      li.dataset.state = conversion.state;
      li.append(badge("state", conversion.state));
      if (conversion.state === "rejected" && conversion.reason) {
        li.append(el("div", T.rejection_reason + conversion.reason, "why"));
      }
      if (conversion.flagged) {
        const flags = (conversion.flags || []).map((f) =>
          credentialName((c) => c.credentialId === f.credentialId, f.credentialId) + ": " +
          (T["status_" + f.status] || f.status));
        li.append(el("div", T.flagged + (flags.length ? " (" + flags.join("; ") + ")" : ""),
          "flagged"));
      }
      const record = conversion.state === "approved" ? conversion.credential : null;
      if (record) {
        const kept = credentials.some((c) => c.credentialId === record.id);
        if (kept) li.append(el("div", T.record_kept, "muted kept"));
        else li.append(button(T.keep_record, "secondary keep", () => keep(record)));
      }
      list.append(li);
    }
    $("no-applications").hidden = applications.length > 0;
  }

  async function loadApplications() {
    applications = (await api("GET", "/wallet/credit-bank/applications")).applications;
    renderApplications();
  }

  async function keep(record) {
    await api("POST", "/wallet/credentials/import", { verifiableCredential: record });
    await W.reload();
  }

  // --- wiring --------------------------------------------------------------------------------

  W.onListed(async (items) => {
    credentials = items;
    const [account, listed] = await Promise.all([
      api("GET", "/wallet/credit-bank"), api("GET", "/wallet/credit-bank/applications"),
    ]);
    applications = listed.applications;
    renderDeposits(account);
    markCredentials(account);
    renderApplications();
  });

  $("refresh-applications").addEventListener("click", () => {
    say("");
    loadApplications().catch(fail);
  });

  $("evaluate-form").addEventListener("submit", (e) => {
    e.preventDefault();
    say("");
    evaluate($("eval-school").value.trim(), $("eval-major").value.trim()).catch(fail);
  });
})();
