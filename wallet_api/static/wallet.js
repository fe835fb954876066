// The wallet page's script: talks to /wallet/* with the session token from sessionStorage.
// Data from the server is only ever written with textContent (never innerHTML).
// Other scripts of the page (credit.js) use its helpers through window.OnexWallet and are
// told each time the credential list has been drawn (OnexWallet.onListed).
"use strict";

(function () {
  const T = JSON.parse(document.getElementById("i18n").textContent);
  const LANG = document.documentElement.lang;
  const KEY = "onex-wallet-token";
  const $ = (id) => document.getElementById(id);
  let current = null; // the credential shown in the detail view
  let currentGrant = null;
  let qrUrl = null;
  const listedHandlers = []; // called with the wallet's credentials after each listing

  function token() { return sessionStorage.getItem(KEY); }

  async function api(method, path, body) {
    const headers = { "Accept": "application/json" };
    if (token()) headers["Authorization"] = "Bearer " + token();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401 && path !== "/wallet/account/login") {
      sessionStorage.removeItem(KEY);
      show("signin-view");
    }
    if (!response.ok) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail || detail; } catch (e) { /* not JSON */ }
      throw new Error(detail);
    }
    if (response.status === 204) return null;
    const type = response.headers.get("Content-Type") || "";
    return type.includes("json") ? response.json() : response.blob();
  }

  function say(text) {
    const box = $("message");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function show(view) {
    for (const id of ["signin-view", "list-view", "detail-view"]) $(id).hidden = id !== view;
  }

  function label(map) {
    if (!map) return "";
    return map[LANG] || map["zh-CN"] || map["en"] || map["und"] || Object.values(map)[0] || "";
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function badge(kind, value) {
    return el("span", T[kind + "_" + value] || value, "badge " + value);
  }

  async function loadList() {
    const [account, credentials, grants] = await Promise.all([
      api("GET", "/wallet/account"), api("GET", "/wallet/credentials"), api("GET", "/wallet/grants"),
    ]);
    $("who").textContent = account.displayName;
    const list = $("credentials");
    list.replaceChildren();
    for (const item of credentials.items) {
      const li = el("li");
      li.dataset.id = item.id;
      const open = el("button", label(item.displayName), "open");
      open.type = "button";
      open.addEventListener("click", () => openCredential(item.id).catch(fail));
      li.append(open, el("div", label(item.issuerName), "muted"), badge("status", item.status));
      list.append(li);
    }
    $("empty").hidden = credentials.items.length > 0;
    renderGrants(grants.items);
    show("list-view");
    for (const handler of listedHandlers) handler(credentials.items).catch(fail);
  }

  function renderGrants(items) {
    const list = $("grants");
    list.replaceChildren();
    for (const grant of items) {
      const li = el("li");
      li.dataset.id = grant.id;
      li.append(el("div", grant.code, "mono"), badge("state", grant.state),
        el("div", T.expires + " " + new Date(grant.expiresAt).toLocaleString(LANG), "muted"));
      if (grant.state === "open") {
        const close = el("button", T.close_grant, "secondary");
        close.type = "button";
        close.addEventListener("click", () => closeGrant(grant.id).then(loadList).catch(fail));
        li.append(close);
      }
      list.append(li);
    }
    $("no-grants").hidden = items.length > 0;
  }

  async function openCredential(id) {
    current = await api("GET", "/wallet/credentials/" + encodeURIComponent(id));
    $("detail-name").textContent = label(current.displayName);
    $("detail-issuer").textContent = label(current.issuerName);
    $("detail-status").replaceChildren(badge("status", current.status));
    $("detail-id").textContent = current.credentialId;
    $("grant-box").hidden = true;
    say("");
    show("detail-view");
  }

  async function showGrant(grant) {
    currentGrant = grant;
    const image = await api("GET", grant.qrPng);
    if (qrUrl) URL.revokeObjectURL(qrUrl);
    qrUrl = URL.createObjectURL(image);
    $("grant-qr").src = qrUrl;
    $("grant-url").textContent = grant.url;
    $("grant-url").href = grant.url;
    $("grant-code").textContent = grant.code;
    $("grant-expires").textContent = new Date(grant.expiresAt).toLocaleString(LANG);
    $("grant-state").replaceChildren(badge("state", grant.state));
    $("close-grant").hidden = grant.state !== "open";
    $("grant-box").hidden = false;
  }

  async function closeGrant(id) {
    return api("POST", "/wallet/grants/" + encodeURIComponent(id) + "/close");
  }

  function fail(error) { say(T.error + error.message); }

  function on(id, event, handler) {
    $(id).addEventListener(event, (e) => {
      e.preventDefault();
      say("");
      handler().catch(fail);
    });
  }

  on("signin-form", "submit", async () => {
    try {
      const answer = await api("POST", "/wallet/account/login",
        { username: $("username").value, password: $("password").value });
      sessionStorage.setItem(KEY, answer.token);
    } catch (e) {
      say(T.wrong_login);
      return;
    }
    $("password").value = "";
    await loadList();
  });

  on("register-form", "submit", async () => {
    const username = $("reg-username").value;
    const password = $("reg-password").value;
    await api("POST", "/wallet/account/register",
      { username, password, displayName: $("reg-name").value });
    const answer = await api("POST", "/wallet/account/login", { username, password });
    sessionStorage.setItem(KEY, answer.token);
    await loadList();
  });

  on("signout", "click", async () => {
    await api("POST", "/wallet/account/logout").catch(() => null);
    sessionStorage.removeItem(KEY);
    show("signin-view");
  });

  on("claim-form", "submit", async () => {
    await api("POST", "/wallet/credentials/claim", { code: $("claim-code").value.trim() });
    $("claim-code").value = "";
    history.replaceState(null, "", "/wallet" + location.search.replace(/([?&])code=[^&]*&?/, "$1"));
    await loadList();
    say(T.claimed);
  });

  on("back", "click", loadList);

  on("grant-form", "submit", async () => {
    const grant = await api("POST", "/wallet/grants",
      { credentialIds: [current.id], validDays: Number($("grant-days").value) });
    await showGrant(grant);
  });

  on("close-grant", "click", async () => {
    const grant = await closeGrant(currentGrant.id);
    await showGrant(grant);
  });

  window.OnexWallet = Object.freeze({
    T, LANG, api, say, fail, el, label, badge,
    reload: loadList,
    onListed(handler) { listedHandlers.push(handler); },
  });

  if (token()) loadList().catch(() => show("signin-view"));
  else show("signin-view");
})();
