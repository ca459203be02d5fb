// The links page's copy buttons: shown only where the browser can copy (the page works without
// them: the URL is in a read-only field, selected on focus).
"use strict";
for (const button of document.querySelectorAll("button[data-copy]")) {
  const field = document.getElementById(button.dataset.copy);
  if (!field || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = "Copied";
    } catch {
      field.select();
      button.textContent = "Press Ctrl+C";
    }
    setTimeout(() => { button.textContent = "Copy"; }, 2000);
  });
}
for (const field of document.querySelectorAll(".copy input[readonly]")) {
  field.addEventListener("focus", () => field.select());
}
