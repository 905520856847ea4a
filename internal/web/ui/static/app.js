// onair — small enhancements. Every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Copy buttons: <button data-copy="text">.
  document.querySelectorAll("[data-copy]").forEach((b) => {
    b.addEventListener("click", async (e) => {
      e.preventDefault();
      try { await navigator.clipboard.writeText(b.dataset.copy); b.textContent = b.dataset.copied || "Copied"; }
      catch { window.prompt("Copy this link", b.dataset.copy); }
    });
  });
  // Forms with data-confirm ask first.
  document.querySelectorAll("form[data-confirm]").forEach((f) => {
    f.addEventListener("submit", (e) => { if (!window.confirm(f.dataset.confirm)) e.preventDefault(); });
  });
});

// registration page
document.addEventListener("DOMContentLoaded", () => {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // The viewer's own zone goes with the form, so that reminders speak it.
  document.querySelectorAll("input[data-viewer-timezone]").forEach((i) => { if (!i.value && tz) i.value = tz; });
  // The start in the viewer's own time, when it is not the event's zone:
  // the page as the server writes it for that zone (?tz=), so that the
  // time and its zone read as in every message and page.
  document.querySelectorAll("[data-local-time][hidden]").forEach(async (p) => {
    if (!tz || p.dataset.eventZone === tz || !window.fetch || !window.DOMParser) return;
    const u = new URL(location.href);
    u.searchParams.set("tz", tz);
    try {
      const res = await fetch(u, { credentials: "same-origin" });
      if (!res.ok) return;
      const fresh = new DOMParser().parseFromString(await res.text(), "text/html").querySelector("[data-local-time] time");
      if (!fresh || !fresh.textContent) return;
      p.querySelector("time").textContent = fresh.textContent;
      p.hidden = false;
    } catch { /* the event's own time is shown already */ }
  });
  // Copy buttons do nothing without this file, so they show only with it.
  document.querySelectorAll("[data-copy][hidden]").forEach((b) => { b.hidden = false; });

  // Spots left and the closed state, without reloading.
  const card = document.querySelector("[data-register-event]");
  if (!card) return;
  const url = "/api/events/" + encodeURIComponent(card.dataset.registerEvent) + "/register";
  const timer = setInterval(async () => {
    if (document.hidden) return;
    let info;
    try {
      const res = await fetch(url, { headers: { Accept: "application/json" } });
      if (!res.ok) return;
      info = await res.json();
    } catch { return; }
    const n = info.spots_left;
    const text = card.querySelector("[data-spots-text]");
    const spots = card.querySelector("[data-spots-one]");
    if (text && spots && typeof n === "number") {
      const form = new Intl.PluralRules(spots.dataset.lang).select(n);
      const words = spots.dataset["spots" + form[0].toUpperCase() + form.slice(1)] || spots.dataset.spotsOther;
      text.textContent = words.replace("{n}", n);
    }
    const bar = card.querySelector("progress[data-capacity]");
    if (bar && typeof n === "number") {
      const cap = Number(bar.dataset.capacity);
      const pct = cap > 0 ? Math.min(100, Math.floor(((cap - n) * 100) / cap)) : 0;
      bar.value = pct;
      bar.textContent = pct + "%";
    }
    if (!info.registration_open) {
      card.querySelectorAll("[data-closed]").forEach((d) => { d.hidden = d.dataset.closed !== info.reason; });
      // A full event with a waitlist keeps its form: it joins the waitlist.
      if (info.reason === "full" && "waitlist" in card.dataset) return;
      const form = card.querySelector("form.register-form");
      if (form) form.hidden = true;
      clearInterval(timer);
    }
  }, 10000);
});

// watch page
document.addEventListener("DOMContentLoaded", () => {
  // A countdown to the start, in the viewer's own clock; at zero the page
  // reloads to show the stream.
  document.querySelectorAll("[data-countdown]").forEach((el) => {
    const start = new Date(el.dataset.countdown).getTime();
    let timer;
    const tick = () => {
      const left = Math.max(0, Math.floor((start - Date.now()) / 1000));
      const d = Math.floor(left / 86400), h = Math.floor((left % 86400) / 3600);
      const m = Math.floor((left % 3600) / 60), s = left % 60;
      el.textContent = left === 0 ? (el.dataset.startingNow || "Starting now…") :
        (el.dataset.startsIn || "Starts in") + " " + (d ? d + " d " : "") + (d || h ? h + " h " : "") + m + " min " + String(s).padStart(2, "0") + " s";
      if (left === 0) { clearInterval(timer); setTimeout(() => location.reload(), 5000); }
    };
    timer = setInterval(tick, 1000);
    tick();
    el.hidden = false;
  });
  document.querySelectorAll("[data-reload]").forEach((el) => {
    setTimeout(() => location.reload(), Number(el.dataset.reload) * 1000);
  });
});

// wizard
document.addEventListener("DOMContentLoaded", () => {
  // Until the host picks a zone, offer the browser's own (the server's default is UTC).
  const zone = document.querySelector("select[data-browser-zone]");
  if (zone && window.Intl) {
    const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz) {
      if (![...zone.options].some((o) => o.value === tz)) zone.add(new Option(tz, tz), 0);
      zone.value = tz;
    }
  }
  // Live preview: resubmit the step as "refresh" and swap in the new preview.
  const form = document.querySelector("form[data-live-preview]");
  const preview = () => document.getElementById("wizard-preview");
  if (form && preview() && window.fetch && window.DOMParser) {
    let timer;
    const refresh = async () => {
      const body = new URLSearchParams(new FormData(form));
      body.set("action", "refresh");
      try {
        // (form.action is the buttons named "action", hence getAttribute.)
        const res = await fetch(form.getAttribute("action"), { method: "POST", body, credentials: "same-origin" });
        const fresh = new DOMParser().parseFromString(await res.text(), "text/html").getElementById("wizard-preview");
        if (fresh && preview()) preview().replaceWith(fresh);
      } catch { /* the Refresh preview button still works */ }
    };
    form.addEventListener("input", (e) => {
      // The preview's own choice of message refreshes it at once.
      const choice = e.target.name === "preview";
      if (e.target.closest("#wizard-preview") && !choice) return;
      clearTimeout(timer);
      timer = setTimeout(refresh, choice ? 0 : 500);
    });
  }
});

// dashboard: registration counts on the event cards follow new registrations
// without a reload (the API answers with the session cookie).
(() => {
  const cells = document.querySelectorAll("[data-live-registrations]");
  if (!cells.length) return;
  const refresh = async () => {
    for (const cell of cells) {
      const id = cell.dataset.liveRegistrations;
      try {
        const res = await fetch("/api/events/" + encodeURIComponent(id), { credentials: "same-origin" });
        if (!res.ok) continue;
        const ev = (await res.json()).event;
        cell.textContent = ev.registration_count + (ev.max_registrations ? " of " + ev.max_registrations : "");
        const spots = document.querySelector('[data-live-spots="' + CSS.escape(id) + '"]');
        // A full event with a waitlist keeps the server's words, which
        // count those waiting (the event's JSON does not).
        if (spots && ev.spots_left === 0 && ev.waitlist_enabled) {
          if (!spots.textContent.startsWith("Full")) spots.textContent = "Full: waitlist open";
        } else if (spots && ev.spots_left !== null) spots.textContent = ev.spots_left;
      } catch { /* offline for a moment: the next round tries again */ }
    }
  };
  setInterval(refresh, 15000);
  // Back on the tab: fresh figures at once, not up to 15 s later.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refresh();
  });
})();

// watch join and heartbeats: once the watch page is in front of the viewer,
// join (which, not the page's GET, counts them as attended: mail scanners
// fetch links, they do not sit in front of them), then, while the page is
// visible, tell the server every 30 s that the viewer is still here. The
// page's HttpOnly cookie (path /watch/{id}) authenticates the token-less
// POSTs to /watch/{id}/join and /watch/{id}/heartbeat.
(() => {
  if (!/^\/watch\/[^/]+$/.test(location.pathname)) return;
  // The cookie now holds the token: keep it out of the address bar, the
  // history and a shared screen.
  if (new URLSearchParams(location.search).has("token")) {
    history.replaceState(null, "", location.pathname);
  }
  const post = (what) => fetch(location.pathname + "/" + what, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json" }, body: "{}",
  });
  let joined = false;
  const beat = () => {
    if (document.visibilityState !== "visible") return;
    // Until a join went through, each beat is a join.
    post(joined ? "heartbeat" : "join").then((res) => { if (res.ok) joined = true; })
      .catch(() => { /* offline for a moment: the next beat tries again */ });
  };
  beat();
  setInterval(beat, 30000);
  document.addEventListener("visibilitychange", beat);
})();
