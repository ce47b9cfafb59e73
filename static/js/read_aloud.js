// "Read this page aloud" for learners and parents: the browser's own speech synthesis (no
// external service). Progressive enhancement: the control is hidden in the HTML and shown only
// when the browser can speak. CSP-safe: a static module loaded with the page's nonce; no inline
// handlers or styles.

function blocksToRead(main) {
  // Each heading, paragraph, list item and table row of the main content is one utterance
  // (long single utterances are cut off by some browsers); the control itself is skipped.
  const selector = "h1, h2, h3, h4, p, li, dt, dd, caption, th, td, legend, label";
  return Array.from(main.querySelectorAll(selector))
    .filter((el) => !el.closest("[data-read-aloud]") && !el.closest("[hidden]"))
    .filter((el) => !el.parentElement.closest(selector))
    .map((el) => el.innerText.replace(/\s+/g, " ").trim())
    .filter((text) => text.length > 0);
}

function setUp(container) {
  const synth = window.speechSynthesis;
  const button = container.querySelector("button");
  const status = container.querySelector("[role=status]");
  if (!synth || !window.SpeechSynthesisUtterance || !button) {
    return;
  }
  container.hidden = false;
  const label = button.textContent;
  let speaking = false;

  function stopped() {
    speaking = false;
    button.textContent = label;
    button.setAttribute("aria-pressed", "false");
  }

  button.addEventListener("click", () => {
    if (speaking) {
      synth.cancel();
      stopped();
      if (status) status.textContent = "Stopped reading.";
      return;
    }
    const main = document.getElementById(container.dataset.target || "main-content") || document.querySelector("main");
    const blocks = blocksToRead(main);
    if (!blocks.length) return;
    synth.cancel();
    speaking = true;
    button.textContent = "Stop reading";
    button.setAttribute("aria-pressed", "true");
    if (status) status.textContent = "Reading the page aloud.";
    blocks.forEach((text, index) => {
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = document.documentElement.lang || "en-GB";
      utterance.rate = 0.9;
      if (index === blocks.length - 1) {
        utterance.addEventListener("end", stopped);
      }
      synth.speak(utterance);
    });
  });
}

document.querySelectorAll("[data-read-aloud]").forEach(setUp);
