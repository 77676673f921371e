{% load static %}// Kaiku's service worker: only an offline page. Pages are never cached (they hold a person's
// data and must be fresh); when a page cannot be loaded at all, the offline page answers.
"use strict";
var CACHE = "kaiku-offline-v1";
var OFFLINE = "{% url 'core:offline' %}";
var KEEP = [OFFLINE, "{% static 'kaiku/kaiku.css' %}"];
self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(KEEP); }));
  self.skipWaiting();
});
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});
self.addEventListener("fetch", function (event) {
  if (event.request.mode !== "navigate") { return; }
  event.respondWith(fetch(event.request).catch(function () {
    return caches.match(OFFLINE);
  }));
});
