// The web chat's script (templates/chat.html), served from /assets/ under a name with its hash.
// The page works without it: after a message the form's redirect opens the page at the newest
// reply (#latest) and coupon codes can be selected by hand. With it, a plain visit or a reload
// opens there too, each coupon code gets a Copy button, and while a person of the team has the
// conversation their replies (and the bot's, when they hand it back) appear without a reload:
// on each event of /chat/events the page is fetched again and its messages and choices are
// swapped in, the text being typed left as it is.
"use strict";
(() => {
  const latest = document.getElementById("latest");
  if (latest && window.location.hash !== "#latest") {
    latest.scrollIntoView({ block: "start" });
  }
  addCopyButtons();
  listen();

  function addCopyButtons() {
    if (!navigator.clipboard) return;
    for (const code of document.querySelectorAll("code.coupon")) {
      if (code.nextElementSibling?.classList.contains("copy")) continue;
      addCopyButton(code);
    }
  }

  function listen() {
    if (!window.EventSource) return;
    let refreshing = false;
    let again = false;
    async function refresh() {
      if (refreshing) { again = true; return; }
      refreshing = true;
      try {
        const response = await fetch("/chat", { credentials: "same-origin", headers: { accept: "text/html" } });
        if (response.ok) {
          const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
          for (const id of ["messages", "choices"]) {
            const old = document.getElementById(id);
            const replacement = fresh.getElementById(id);
            if (old && replacement) old.replaceWith(document.adoptNode(replacement));
          }
          addCopyButtons();
          document.getElementById("latest")?.scrollIntoView({ block: "start" });
        }
      } catch {
        // The next event tries again.
      } finally {
        refreshing = false;
        if (again) { again = false; refresh(); }
      }
    }
    const source = new EventSource("/chat/events");
    source.addEventListener("chat", refresh);
  }

  function addCopyButton(code) {
    const copy = document.createElement("button");
    copy.type = "button";
    copy.className = "copy";
    copy.textContent = "Copy";
    copy.setAttribute("aria-label", `Copy the code ${code.textContent}`);
    copy.addEventListener("click", () => {
      navigator.clipboard.writeText(code.textContent).then(
        () => { copy.textContent = "Copied"; },
        () => { copy.textContent = "Select and copy"; },
      );
    });
    code.after(copy);
  }
})();
