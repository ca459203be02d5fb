// The web chat's script (templates/chat.html), served from /assets/ under a name with its hash.
// The page works without it: after a message the form's redirect opens the page at the newest
// reply (#latest) and coupon codes can be selected by hand. With it, a plain visit or a reload
// opens there too, and each coupon code gets a Copy button.
"use strict";
(() => {
  const latest = document.getElementById("latest");
  if (latest && window.location.hash !== "#latest") {
    latest.scrollIntoView({ block: "start" });
  }
  if (!navigator.clipboard) {
    return;
  }
  for (const code of document.querySelectorAll("code.coupon")) {
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
