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
