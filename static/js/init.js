import { initAll } from "/static/build/govuk-frontend.min.js";

initAll();

// Autosave (htmx) must never fail silently: when a background save is refused or cannot reach
// the server, say so in the form's status line; what the person typed stays on the page.
function autosaveStatus(element) {
  const form = element && element.closest ? element.closest("form") : null;
  return form ? form.querySelector("[data-autosave-status], [role=status]") : null;
}

function notSaved(event, message) {
  const status = autosaveStatus(event.detail.elt);
  if (status) {
    status.textContent = message;
    status.classList.add("plp-autosave--failed");
  }
}

document.body.addEventListener("htmx:responseError", (event) => {
  const code = event.detail.xhr ? event.detail.xhr.status : 0;
  notSaved(event, code === 409
    ? "Not saved: someone else saved this since you opened it. Press Save to see their changes; yours stay on this page."
    : "Not saved: something went wrong on our side. Your changes are still on this page: press Save to try again.");
});

document.body.addEventListener("htmx:sendError", (event) => {
  notSaved(event, "Not saved: cannot reach PLP Portal. Check your connection, then press Save; your changes are still on this page.");
});
