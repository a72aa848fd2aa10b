/* Wugong service worker, served at /sw.js (scope: the whole site) by wugong.core.pwa, which
 * puts `const WUGONG_SW = {version, offline, static, precache}` before this text.
 *
 * - Install: precache the offline page and the static files it needs, under a cache named
 *   after the version (a hash of all static files), so a deploy installs a new cache.
 * - Pages: network first. Without a network, a page that holds an offline-draft form and was
 *   opened before is shown from the phone (so a visit or a need can still be written down);
 *   anything else shows the offline page. Other pages are never kept: they may show personal
 *   data, and they are dropped at sign-out.
 * - A form sent while the network is down whose body carries an idempotency_key is kept as a
 *   draft in IndexedDB (the same store as offline-drafts.js uses) and the offline page says so;
 *   the page script sends it once the network is back.
 * - Static files (names carry a content hash): cache first.
 */
/* global WUGONG_SW */
"use strict";

const CACHE = "wugong-" + WUGONG_SW.version;
const PAGES = "wugong-pages";
const DB_NAME = "wugong-offline";
const STORE = "drafts";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(WUGONG_SW.precache))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((n) => n.startsWith("wugong-") && n !== CACHE && n !== PAGES)
            .map((n) => caches.delete(n)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "id" });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function draftSave(request, form) {
  const fields = [];
  for (const [name, value] of form.entries()) {
    if (typeof value !== "string" && !value.size) continue; // an empty file input
    fields.push([name, value]);
  }
  const key = form.get("idempotency_key");
  const db = await openDb();
  await new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, "readwrite");
    tx.objectStore(STORE).put({
      id: String(key),
      url: request.url,
      name: String(form.get("offline_draft") || ""),
      title: String(form.get("offline_draft_title") || ""),
      user: String(form.get("offline_draft_user") || ""),
      fields: fields,
      savedAt: Date.now(),
      error: "",
    });
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

async function offlinePage(saved) {
  const cache = await caches.open(CACHE);
  const page = await cache.match(WUGONG_SW.offline);
  if (!saved || !page) return page || Response.error();
  return Response.redirect(WUGONG_SW.offline + "?saved=1", 303);
}

async function pageFromNetwork(request) {
  const url = new URL(request.url);
  // Sending consumes the body: keep a copy to save as a draft should the network fail.
  const spare = request.method === "POST" ? request.clone() : null;
  try {
    const response = await fetch(request);
    if (url.pathname.startsWith("/sign-out")) await caches.delete(PAGES);
    if (response.ok && request.method === "GET" && response.type === "basic") {
      const text = await response.clone().text();
      const pages = await caches.open(PAGES);
      if (text.includes("data-offline-draft")) await pages.put(request, response.clone());
      else await pages.delete(request);
    }
    return response;
  } catch (err) {
    if (spare) {
      let form = null;
      try {
        form = await spare.formData();
      } catch (e) {
        form = null;
      }
      if (form && form.get("idempotency_key")) {
        await draftSave(request, form);
        return offlinePage(true);
      }
      return offlinePage(false);
    }
    const kept = await (await caches.open(PAGES)).match(request);
    return kept || offlinePage(false);
  }
}

async function staticFile(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(pageFromNetwork(request));
  } else if (request.method === "GET" && url.pathname.startsWith(WUGONG_SW.static)) {
    event.respondWith(staticFile(request));
  } else if (request.method === "GET" && url.pathname === WUGONG_SW.offline) {
    event.respondWith(fetch(request).catch(() => offlinePage(false)));
  }
});
