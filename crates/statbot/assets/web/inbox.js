// The live inbox on every dashboard page (templates/dashboard/layout.html), served from /assets/
// under a name with its hash. The pages work without it: the top bar's count is right when a
// page opens, and /inbox is plain links and forms. With it, the page listens to the inbox's
// event stream: the count follows the `waiting` of each event, and on /inbox the list and the
// opened conversation are fetched again and swapped in place, leaving alone the reply being
// typed, with the newest message kept in view. The stream is closed while the tab is hidden
// (a browser opens few connections per site) and opened again, with a refresh, when it shows.
"use strict";
(() => {
  const link = document.getElementById("nav-inbox");
  const count = document.getElementById("nav-waiting");
  if (!link || !count || !window.EventSource) return;
  const onInbox = document.getElementById("inbox-list") !== null;
  // The regions swapped on /inbox; the reply form is outside them.
  const regions = ["inbox-list", "conversation-live"];

  function showCount(waiting) {
    if (typeof waiting !== "number") return;
    count.textContent = String(waiting);
    count.hidden = waiting === 0;
    link.setAttribute("aria-label", `Inbox, ${waiting} waiting for a person`);
  }

  function newestInView() {
    const messages = document.querySelectorAll("#messages > li");
    const newest = messages[messages.length - 1];
    if (newest) newest.scrollIntoView({ block: "nearest" });
  }

  let refreshing = false;
  let again = false;
  // Fetches the page as it is now and swaps its live regions; one fetch at a time, and one
  // more if events came meanwhile.
  async function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    try {
      const response = await fetch(location.href, { credentials: "same-origin", headers: { accept: "text/html" } });
      if (response.ok) {
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
        const before = document.querySelectorAll("#messages > li").length;
        for (const id of regions) {
          const old = document.getElementById(id);
          const replacement = fresh.getElementById(id);
          if (old && replacement) old.replaceWith(document.adoptNode(replacement));
        }
        const freshCount = fresh.getElementById("nav-waiting");
        if (freshCount) showCount(Number(freshCount.textContent));
        if (document.querySelectorAll("#messages > li").length !== before) newestInView();
      }
    } catch {
      // The next event tries again.
    } finally {
      refreshing = false;
      if (again) { again = false; refresh(); }
    }
  }

  let source = null;
  // The first `ready` comes with the page as it was rendered; a later one (the stream opened
  // again, after a hidden tab or a lost connection) may follow missed events.
  let readyBefore = false;
  function open() {
    if (source) return;
    source = new EventSource("/api/v1/conversations/events");
    source.addEventListener("inbox", (event) => {
      let data = {};
      try { data = JSON.parse(event.data); } catch { return; }
      showCount(data.waiting);
      if (data.kind === "ready" && !readyBefore) { readyBefore = true; return; }
      if (onInbox) refresh();
    });
  }
  function close() {
    if (source) { source.close(); source = null; }
  }

  document.addEventListener("visibilitychange", () => {
    if (document.hidden) {
      close();
    } else {
      open();
    }
  });
  if (onInbox) newestInView();
  if (!document.hidden) open();
})();
