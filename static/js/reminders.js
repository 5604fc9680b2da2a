// Reminders settings: turn Web Push notifications on or off for this phone. The page works
// without this file (the kinds and quiet hours are a plain form); only the device switch
// needs it: PushManager.subscribe() with the server's VAPID key, then the subscription is
// sent to the server (routes remindersDeviceAdd / remindersDeviceRemove from <body data-routes>).
// It also tells the service worker (service_worker/push.js) whether the rep wants a
// notification when a saved offline change needs them.
(() => {
  "use strict";

  function keyBytes(base64url) {
    const padded = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  function csrfToken() {
    const input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  // A form post (the server takes no JSON): endpoint, p256dh, auth.
  async function post(url, fields) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "X-CSRFToken": csrfToken() }, body: new URLSearchParams(fields),
    });
    if (!response.ok) throw new Error("The server said " + response.status);
    return response.json();
  }

  async function tellWorker(registration) {
    const queued = document.querySelector("input[name=queued]");
    if (!queued || !registration.active) return;
    registration.active.postMessage({ type: "push-prefs", queued: queued.checked });
  }

  async function init(section) {
    const routes = JSON.parse(document.body.getAttribute("data-routes") || "{}");
    const on = section.querySelector("[data-push-on]");
    const off = section.querySelector("[data-push-off]");
    const state = section.querySelector("[data-push-state]");
    const unsupported = section.querySelector("[data-push-unsupported]");
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      unsupported.hidden = false;
      return;
    }
    const registration = await navigator.serviceWorker.ready;
    await tellWorker(registration);

    async function show() {
      const subscription = await registration.pushManager.getSubscription();
      on.hidden = Boolean(subscription);
      off.hidden = !subscription;
      if (Notification.permission === "denied") {
        state.textContent = "Notifications are blocked for Groundwork in this browser's settings.";
        on.hidden = true;
      }
      return subscription;
    }

    on.addEventListener("click", async () => {
      on.disabled = true;
      try {
        const permission = await Notification.requestPermission();
        if (permission !== "granted") {
          state.textContent = "Notifications were not allowed.";
          return;
        }
        const subscription = await registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: keyBytes(section.dataset.vapidKey),
        });
        const { endpoint, keys } = subscription.toJSON();
        const answer = await post(routes.remindersDeviceAdd, { endpoint, ...keys });
        state.textContent = "On: this phone gets your reminders (" + answer.devices + " device"
          + (answer.devices === 1 ? "" : "s") + ").";
      } catch (error) {
        state.textContent = "Could not turn notifications on: " + error.message;
      } finally {
        on.disabled = false;
        await show();
      }
    });

    off.addEventListener("click", async () => {
      off.disabled = true;
      try {
        const subscription = await registration.pushManager.getSubscription();
        if (subscription) {
          await post(routes.remindersDeviceRemove, { endpoint: subscription.endpoint });
          await subscription.unsubscribe();
        }
        state.textContent = "Off on this phone: your reminders show on Today.";
      } catch (error) {
        state.textContent = "Could not turn notifications off: " + error.message;
      } finally {
        off.disabled = false;
        await show();
      }
    });

    await show();
  }

  function start() {
    const section = document.querySelector("[data-push-device]");
    if (section) init(section);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
