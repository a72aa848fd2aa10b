/* Offline drafts (离线草稿) and the service worker's registration; loaded on every page.
 *
 * A form marked <form data-offline-draft="kind"> that carries a hidden idempotency_key:
 * - sent while the phone is offline (navigator.onLine false): its fields (photos as Blobs) are
 *   kept in IndexedDB and the page says "已保存在手机上，联网后自动提交";
 * - sent while the phone thinks it is online but the network fails: the service worker (sw.js)
 *   keeps the same draft and shows the offline page.
 * When the network returns (the online event, or any page load) each draft of the signed-in
 * user is sent once with its idempotency_key, so a repeat creates nothing new on the server. A
 * draft is removed only after a 2xx/3xx answer; a 4xx answer keeps it, with the server's
 * message, until the user sends it again or deletes it. Nothing here is inline (CSP).
 */
(function () {
  "use strict";

  const DB_NAME = "wugong-offline";
  const STORE = "drafts";
  const script = document.currentScript;
  const data = (script && script.dataset) || {};
  const USER = data.user || "";
  const T = {
    saved: data.saved || "已保存在手机上，联网后自动提交",
    pending: data.pending || "保存在手机上、等待提交的表单",
    sent: data.sent || "保存在手机上的表单已提交",
    failed: data.failed || "未能提交",
    retry: data.retry || "重新提交",
    remove: data.remove || "删除",
    otherUser: data.otherUser || "请用填写时的账号登录后自动提交",
    signIn: data.signIn || "请先登录，登录后自动提交",
    serverError: data.serverError || "服务器暂时出错，稍后自动重试",
    confirmRemove: data.confirmRemove || "删除后无法恢复，确定删除吗？",
  };

  if ("serviceWorker" in navigator && data.sw) {
    navigator.serviceWorker.register(data.sw, { scope: "/" }).catch(function () {});
  }
  if (!("indexedDB" in window)) return;

  function openDb() {
    return new Promise(function (resolve, reject) {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () {
        req.result.createObjectStore(STORE, { keyPath: "id" });
      };
      req.onsuccess = function () {
        resolve(req.result);
      };
      req.onerror = function () {
        reject(req.error);
      };
    });
  }

  async function withStore(mode, fn) {
    const db = await openDb();
    try {
      return await new Promise(function (resolve, reject) {
        const tx = db.transaction(STORE, mode);
        const result = fn(tx.objectStore(STORE));
        tx.oncomplete = function () {
          resolve(result && "result" in result ? result.result : undefined);
        };
        tx.onerror = function () {
          reject(tx.error);
        };
      });
    } finally {
      db.close();
    }
  }

  const drafts = {
    all: function () {
      return withStore("readonly", function (s) {
        return s.getAll();
      });
    },
    put: function (d) {
      return withStore("readwrite", function (s) {
        s.put(d);
      });
    },
    remove: function (id) {
      return withStore("readwrite", function (s) {
        s.delete(id);
      });
    },
  };

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function hidden(form, name, value) {
    let input = form.querySelector('input[type=hidden][name="' + name + '"]');
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    input.value = value;
  }

  function title() {
    const h1 = document.querySelector("main h1");
    return h1 ? h1.textContent.trim() : document.title;
  }

  function csrfToken() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- the list shown at the top of every page -------------------------------------------
  function panel() {
    let box = document.getElementById("offline-drafts");
    if (!box) {
      box = document.createElement("section");
      box.id = "offline-drafts";
      box.className = "card offline-drafts";
      box.setAttribute("aria-live", "polite");
      const main = document.querySelector("main") || document.body;
      main.insertBefore(box, main.firstChild);
    }
    return box;
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  function summary(d) {
    for (const [name, value] of d.fields) {
      if (typeof value === "string" && value.trim() && /text|found|note|content|desc/.test(name)) {
        return value.trim().slice(0, 40);
      }
    }
    return "";
  }

  async function render(message) {
    const list = (await drafts.all()).sort(function (a, b) {
      return a.savedAt - b.savedAt;
    });
    const box = panel();
    box.replaceChildren();
    if (message) box.appendChild(el("p", "offline-drafts-message", message));
    if (!list.length) {
      if (!message) box.remove();
      return;
    }
    box.appendChild(el("h2", "", T.pending + "（" + list.length + "）"));
    const ul = el("ul", "list");
    for (const d of list) {
      const li = el("li", "offline-draft");
      li.dataset.draft = d.id;
      const when = new Date(d.savedAt).toLocaleString("zh-CN", { hour12: false });
      li.appendChild(el("strong", "", d.title || d.name || ""));
      li.appendChild(el("span", "muted", " · " + when));
      const text = summary(d);
      if (text) li.appendChild(el("div", "", text));
      if (d.user && USER && d.user !== USER) li.appendChild(el("div", "muted", T.otherUser));
      if (d.error) {
        li.appendChild(el("div", "errors", T.failed + "：" + d.error));
        const again = el("button", "link", T.retry);
        again.type = "button";
        again.addEventListener("click", function () {
          d.error = "";
          d.rejected = false;
          drafts.put(d).then(function () {
            replay();
          });
        });
        const del = el("button", "link", T.remove);
        del.type = "button";
        del.addEventListener("click", function () {
          if (window.confirm(T.confirmRemove)) drafts.remove(d.id).then(render);
        });
        li.appendChild(again);
        li.appendChild(del);
      }
      ul.appendChild(li);
    }
    box.appendChild(ul);
  }

  // --- saving ------------------------------------------------------------------------------
  async function saveForm(form, submitter) {
    const fd = submitter ? new FormData(form, submitter) : new FormData(form);
    const fields = [];
    for (const [name, value] of fd.entries()) {
      if (typeof value !== "string" && !value.size) continue; // an empty file input
      fields.push([name, value]);
    }
    const key = fd.get("idempotency_key") || newKey();
    await drafts.put({
      id: String(key),
      url: new URL(form.getAttribute("action") || location.href, location.href).href,
      name: form.dataset.offlineDraft,
      title: title(),
      user: USER,
      fields: fields,
      savedAt: Date.now(),
      error: "",
    });
  }

  document.addEventListener(
    "submit",
    function (event) {
      const form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-offline-draft")) return;
      // For the service worker, should the network fail with the phone "online".
      hidden(form, "offline_draft", form.dataset.offlineDraft);
      hidden(form, "offline_draft_title", title());
      hidden(form, "offline_draft_user", USER);
      if (navigator.onLine) return; // sent as usual
      event.preventDefault();
      saveForm(form, event.submitter).then(function () {
        form.reset();
        const key = form.querySelector("input[name=idempotency_key]");
        if (key) key.value = newKey(); // the next thing written here is a new draft
        render(T.saved);
        window.scrollTo(0, 0);
      });
    },
    true,
  );

  // --- sending -----------------------------------------------------------------------------
  function messageOf(html, status) {
    try {
      const doc = new DOMParser().parseFromString(html, "text/html");
      const node = doc.querySelector("main [role=alert], main .errors, .errorlist, main p");
      if (node && node.textContent.trim()) return node.textContent.trim().slice(0, 200);
    } catch (e) {
      /* fall through */
    }
    return "HTTP " + status;
  }

  async function send(d) {
    const fd = new FormData();
    for (const [name, value] of d.fields) {
      if (name === "csrfmiddlewaretoken") continue;
      if (typeof value === "string") fd.append(name, value);
      else fd.append(name, value, value.name || "photo.jpg");
    }
    fd.append("csrfmiddlewaretoken", csrfToken());
    let response;
    try {
      response = await fetch(d.url, {
        method: "POST",
        body: fd,
        credentials: "same-origin",
        redirect: "follow",
        headers: { "X-Offline-Draft": "1" },
      });
    } catch (e) {
      return "offline";
    }
    const landed = new URL(response.url || d.url).pathname;
    if (response.ok && !landed.startsWith("/sign-in")) {
      await drafts.remove(d.id);
      return "sent";
    }
    if (landed.startsWith("/sign-in")) {
      d.error = T.signIn;
    } else if (response.status >= 500) {
      d.error = T.serverError;
    } else {
      d.error = messageOf(await response.text(), response.status);
      d.rejected = true; // kept until sent again by hand or deleted
    }
    await drafts.put(d);
    return "kept";
  }

  let busy = false;
  async function replayLocked() {
    const list = await drafts.all();
    let sent = 0;
    for (const d of list) {
      if (d.rejected) continue;
      if (!USER || (d.user && d.user !== USER)) continue; // never as someone else
      const outcome = await send(d);
      if (outcome === "offline") break;
      if (outcome === "sent") sent += 1;
    }
    return sent;
  }

  async function replay(message) {
    message = typeof message === "string" ? message : "";
    if (busy || !navigator.onLine) return render(message);
    busy = true;
    try {
      // One tab at a time sends (so two open tabs never send a draft twice).
      const sent =
        navigator.locks && navigator.locks.request
          ? await navigator.locks.request("wugong-offline-drafts", replayLocked)
          : await replayLocked();
      await render(sent ? T.sent + "（" + sent + "）" : message);
    } finally {
      busy = false;
    }
  }

  // The offline page comes from the service worker's cache: it does not know who is signed
  // in, so it sends nothing itself. Once the site answers again, it reloads the page asked for
  // (or opens the home page), where the drafts are sent.
  const OFFLINE_PAGE = !!document.getElementById("offline-page");
  function leaveOfflinePage() {
    if (location.pathname === (data.offline || "/offline/")) location.replace("/");
    else location.reload();
  }
  if (OFFLINE_PAGE) {
    window.addEventListener("online", leaveOfflinePage);
    setInterval(function () {
      fetch("/healthz", { cache: "no-store" }).then(function (r) {
        if (r.ok) leaveOfflinePage();
      }, function () {});
    }, 10000);
  } else {
    window.addEventListener("online", function () {
      replay();
    });
  }
  window.addEventListener("offline", function () {
    render();
  });
  function start() {
    // ?saved=1: the service worker kept a form the network failed to send.
    const saved = new URLSearchParams(location.search).get("saved") === "1" ? T.saved : "";
    if (OFFLINE_PAGE) render(saved);
    else replay(saved);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
