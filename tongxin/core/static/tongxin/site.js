// 同心 Tongxin — the large-text switch and the "show full value" buttons. No framework.
(function () {
  const KEY = "tongxin-large-text";
  function apply(on) {
    document.body.classList.toggle("large-text", on);
    document.querySelectorAll("[data-large-text-toggle]").forEach((b) => b.setAttribute("aria-pressed", String(on)));
  }
  document.addEventListener("DOMContentLoaded", function () {
    apply(localStorage.getItem(KEY) === "1");
    document.querySelectorAll("[data-large-text-toggle]").forEach(function (button) {
      button.addEventListener("click", function () {
        const on = !document.body.classList.contains("large-text");
        localStorage.setItem(KEY, on ? "1" : "0");
        apply(on);
      });
    });
    const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
    document.querySelectorAll("[data-reveal]").forEach(function (button) {
      button.addEventListener("click", async function () {
        const field = button.dataset.reveal;
        const body = new URLSearchParams({ field: field });
        const response = await fetch(button.dataset.url, {
          method: "POST", body: body, headers: { "X-CSRFToken": csrf ? csrf.value : "" },
        });
        if (!response.ok) { alert("无法查看完整信息"); return; }
        const data = await response.json();
        document.querySelector(`[data-reveal-target="${field}"]`).textContent = data.value;
        button.remove();
      });
    });
  });
})();
