// 同心 Tongxin — the large-text switch and the "show full value" buttons. No framework.
(function () {
  const KEY = "tongxin-large-text";

  function stored() {
    try { return localStorage.getItem(KEY) === "1"; } catch (e) { return false; }
  }

  function apply(on) {
    document.body.classList.toggle("large-text", on);
    document.querySelectorAll("[data-large-text-toggle]").forEach((b) => b.setAttribute("aria-pressed", String(on)));
  }

  document.addEventListener("DOMContentLoaded", function () {
    apply(stored());
    document.querySelectorAll("[data-large-text-toggle]").forEach(function (button) {
      button.addEventListener("click", function () {
        const on = !document.body.classList.contains("large-text");
        // Private windows may refuse storage; the switch still works for this page.
        try { localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* not remembered */ }
        apply(on);
      });
    });

    // The full ID or phone number is fetched only on request; the server audits each reveal.
    const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
    document.querySelectorAll("[data-reveal]").forEach(function (button) {
      button.addEventListener("click", async function () {
        const field = button.dataset.reveal;
        button.disabled = true;
        try {
          const response = await fetch(button.dataset.url, {
            method: "POST",
            body: new URLSearchParams({ field: field }),
            headers: { "X-CSRFToken": csrf ? csrf.value : "" },
            credentials: "same-origin",
          });
          if (!response.ok) throw new Error(String(response.status));
          const data = await response.json();
          document.querySelector(`[data-reveal-target="${field}"]`).textContent = data.value;
          button.remove();
        } catch (e) {
          button.disabled = false;
          alert(button.dataset.error);
        }
      });
    });

    // Long work (a roster import): say so and keep the form from being sent twice.
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
        const note = document.createElement("p");
        note.className = "busy";
        note.setAttribute("role", "status");
        note.textContent = form.dataset.busy;
        form.appendChild(note);
      });
    });
  });
})();

/* learning: sessions */
// The QR screen refreshes its own code at each 30-second window and polls the check-in count;
// the session form shows the 五进 place only for outreach; the sign-in sheet has a print button.
(function () {
  async function getJSON(url) {
    const response = await fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } });
    // A redirect here is the login page: the staff session ended.
    if (!response.ok || response.redirected) throw new Error(String(response.status));
    return response.json();
  }

  function qrScreen(stage) {
    const codeBox = stage.querySelector("[data-qr-code]");
    const seconds = stage.querySelector("[data-qr-seconds]");
    const count = stage.querySelector("[data-qr-count]");
    const status = stage.querySelector("[data-qr-status]");
    const alertBox = stage.querySelector("[data-qr-alert]");
    let nextChange = Date.now() + parseFloat(stage.dataset.refreshIn || "30") * 1000;
    let codeFailed = false;
    let stateText = "";

    function showAlert() {
      const text = codeFailed ? stage.dataset.offlineText : stateText;
      alertBox.textContent = text;
      alertBox.hidden = !text;
    }

    async function refreshCode() {
      let wait = 3000;
      try {
        const data = await getJSON(stage.dataset.codeUrl);
        codeBox.innerHTML = data.svg;  // drawn by our server, never from user input
        stage.dataset.checkinUrl = data.url;
        stage.dataset.token = data.token;
        nextChange = Date.now() + data.refresh_in * 1000;
        wait = data.refresh_in * 1000 + 300;  // just after the next window begins
        codeFailed = false;
      } catch (e) {
        codeFailed = true;
      }
      showAlert();
      setTimeout(refreshCode, wait);
    }

    async function poll() {
      try {
        const data = await getJSON(stage.dataset.liveUrl);
        count.textContent = data.count;
        status.textContent = data.state_label;
        status.className = "status state-" + data.state;
        stage.dataset.state = data.state;
        stateText = data.state === "closed" ? stage.dataset.closedText
          : data.state === "not_yet" ? stage.dataset.notYetText : "";
      } catch (e) {
        stateText = stage.dataset.offlineText;
      }
      showAlert();
      setTimeout(poll, 3000);
    }

    setInterval(function () {
      seconds.textContent = String(Math.max(0, Math.ceil((nextChange - Date.now()) / 1000)));
    }, 250);
    setTimeout(refreshCode, parseFloat(stage.dataset.refreshIn || "30") * 1000 + 300);
    poll();

    const full = stage.querySelector("[data-fullscreen]");
    if (full) {
      full.addEventListener("click", function () {
        if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(function () {});
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    const stage = document.querySelector("[data-qr-screen]");
    if (stage) qrScreen(stage);

    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });

    const kind = document.querySelector("form select[name=kind]");
    document.querySelectorAll("[data-show-for-kind]").forEach(function (field) {
      if (!kind) return;
      const input = field.querySelector("select, input");
      function sync() {
        // Never hide a field that holds a value or an error: the person must see what is wrong.
        field.hidden = kind.value !== field.dataset.showForKind && !(input && input.value) && !field.classList.contains("has-error");
      }
      kind.addEventListener("change", sync);
      sync();
    });
  });
})();
