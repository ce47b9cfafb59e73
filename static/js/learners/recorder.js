// Voice recording for the learning log: progressive enhancement of the file input.
// Without JavaScript (or without MediaRecorder) the learner uploads an audio file instead.
// CSP-safe: loaded as a module with the page's nonce; no inline handlers or styles.

function setUp(container) {
  const input = document.getElementById(container.dataset.input);
  if (!input || !window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  const group = document.createElement("div");
  group.className = "govuk-button-group";
  const start = document.createElement("button");
  start.type = "button";
  start.className = "govuk-button govuk-button--secondary";
  start.textContent = "Record my voice";
  const stop = document.createElement("button");
  stop.type = "button";
  stop.className = "govuk-button govuk-button--warning";
  stop.textContent = "Stop recording";
  stop.hidden = true;
  const status = document.createElement("p");
  status.className = "govuk-body";
  status.setAttribute("role", "status");
  const preview = document.createElement("audio");
  preview.controls = true;
  preview.hidden = true;
  preview.setAttribute("aria-label", "Your recording");
  group.append(start, stop);
  container.append(group, status, preview);

  let recorder = null;
  let chunks = [];

  start.addEventListener("click", async () => {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const type = MediaRecorder.isTypeSupported("audio/webm") ? "audio/webm" : "";
      recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
      chunks = [];
      recorder.addEventListener("dataavailable", (event) => {
        if (event.data && event.data.size) chunks.push(event.data);
        container.dataset.chunks = String(chunks.length);
      });
      recorder.addEventListener("stop", () => {
        stream.getTracks().forEach((track) => track.stop());
        const mime = recorder.mimeType || "audio/webm";
        const extension = mime.includes("ogg") ? "ogg" : mime.includes("mp4") ? "m4a" : "webm";
        const file = new File(chunks, `recording.${extension}`, { type: mime.split(";")[0] });
        const transfer = new DataTransfer();
        transfer.items.add(file);
        input.files = transfer.files;
        preview.src = URL.createObjectURL(file);
        preview.hidden = false;
        const voice = document.querySelector('input[name="kind"][value="voice_recording"]');
        if (voice) voice.checked = true;
        status.textContent = "Recording ready. Listen to it, then save the entry.";
        start.hidden = false;
        stop.hidden = true;
        start.textContent = "Record again";
      });
      container.dataset.chunks = "0";
      recorder.start(250); // a chunk every 250 ms, so a recording is never empty
      status.textContent = "Recording… speak now.";
      start.hidden = true;
      stop.hidden = false;
      stop.focus();
    } catch (error) {
      status.textContent = "Your browser did not let us use the microphone. You can upload an audio file instead.";
    }
  });
  stop.addEventListener("click", () => {
    if (recorder && recorder.state !== "inactive") recorder.stop();
  });
}

document.querySelectorAll("[data-plp-recorder]").forEach(setUp);
