/*! Loop feedback widget. Embed with:
 *  <script src="https://YOUR-LOOP/widget.js" data-project-key="pk_…" async></script>
 * Options (data-*): project-key (required), api (Loop's base URL; defaults to where this file came from),
 * position ("right" | "left"), color (button colour), label (button text), open-button ("false" to hide
 * the button and open the form from your own UI with window.LoopFeedback.open()).
 */
(function () {
  "use strict";
  if (window.LoopFeedback) return;

  var script = document.currentScript || document.querySelector("script[data-project-key]");
  if (!script) return;
  var data = script.dataset || {};
  var key = data.projectKey || "";
  var api = (data.api || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  var endpoint = api + "/api/v1/widget/feedback?key=" + encodeURIComponent(key);
  var side = data.position === "left" ? "left" : "right";
  var color = /^#[0-9a-fA-F]{3,8}$/.test(data.color || "") ? data.color : "#3B82F6";
  var label = data.label || "Feedback";

  function deviceType() {
    var coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    var width = Math.min(window.innerWidth, screen.width || window.innerWidth);
    if (coarse && width < 768) return "mobile";
    if (coarse && width < 1200) return "tablet";
    return "desktop";
  }

  function browserInfo() {
    var info = {
      user_agent: navigator.userAgent,
      language: navigator.language,
      platform: navigator.platform,
      device_type: deviceType(),
      viewport: { width: window.innerWidth, height: window.innerHeight },
      screen: { width: screen.width, height: screen.height },
      device_pixel_ratio: window.devicePixelRatio || 1,
      url: location.href
    };
    try { info.timezone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { /* old browsers */ }
    if (document.referrer) info.referrer = document.referrer;
    return info;
  }

  // Posts FormData with no custom header, so the browser sends it without a CORS preflight.
  function submit(fields, file) {
    var form = new FormData();
    ["title", "description", "type", "reporter_name", "reporter_email"].forEach(function (name) {
      if (fields[name]) form.append(name, String(fields[name]));
    });
    form.append("page_url", fields.page_url || location.href);
    form.append("browser_info", JSON.stringify(Object.assign(browserInfo(), fields.browser_info || {})));
    if (fields.annotations) form.append("annotations", JSON.stringify(fields.annotations));
    if (file) form.append("screenshot", file, file.name || "screenshot.png");
    return fetch(endpoint, { method: "POST", body: form, credentials: "omit", mode: "cors" }).then(
      function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok) throw new Error(body.error || "Feedback could not be sent (" + response.status + ")");
          return body.data;
        });
      }
    );
  }

  var host, root, dialog, button;

  var STYLE =
    ":host{all:initial}" +
    "*{box-sizing:border-box;font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif}" +
    ".btn{position:fixed;bottom:20px;" + side + ":20px;z-index:2147483000;background:" + color +
    ";color:#fff;border:0;border-radius:999px;padding:10px 16px;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.2)}" +
    ".panel{position:fixed;bottom:72px;" + side + ":20px;z-index:2147483001;width:min(360px,calc(100vw - 40px));" +
    "background:#fff;color:#111;border-radius:12px;box-shadow:0 10px 40px rgba(0,0,0,.25);padding:16px}" +
    ".panel[hidden]{display:none}" +
    "h2{margin:0 0 10px;font-size:16px;font-weight:600}" +
    "label{display:block;margin:8px 0 2px;font-size:12px;color:#444}" +
    "input,select,textarea{width:100%;padding:7px 9px;border:1px solid #ccc;border-radius:6px;background:#fff;color:#111}" +
    "textarea{min-height:90px;resize:vertical}" +
    ".row{display:flex;gap:8px}.row>div{flex:1}" +
    ".actions{display:flex;justify-content:flex-end;gap:8px;margin-top:12px}" +
    ".actions button{border:0;border-radius:6px;padding:8px 14px;cursor:pointer}" +
    ".send{background:" + color + ";color:#fff}.cancel{background:#eee;color:#111}" +
    ".msg{margin-top:8px;font-size:13px}.err{color:#b91c1c}.ok{color:#15803d}";

  var FORM =
    '<div class="panel" role="dialog" aria-modal="false" aria-label="Send feedback" hidden>' +
    "<h2>Send feedback</h2><form novalidate>" +
    '<label for="lf-type">Type</label><select id="lf-type" name="type">' +
    '<option value="bug">Something is broken</option><option value="feature">Idea or request</option>' +
    '<option value="general" selected>Other</option></select>' +
    '<label for="lf-title">Title</label><input id="lf-title" name="title" maxlength="500">' +
    '<label for="lf-description">What happened?</label>' +
    '<textarea id="lf-description" name="description" maxlength="20000" required></textarea>' +
    '<div class="row"><div><label for="lf-name">Name</label><input id="lf-name" name="reporter_name" maxlength="200"></div>' +
    '<div><label for="lf-email">Email</label><input id="lf-email" name="reporter_email" type="email" maxlength="320"></div></div>' +
    '<label for="lf-shot">Screenshot (optional)</label>' +
    '<input id="lf-shot" name="screenshot" type="file" accept="image/png,image/jpeg,image/gif,image/webp">' +
    '<div class="msg" aria-live="polite"></div>' +
    '<div class="actions"><button type="button" class="cancel">Cancel</button>' +
    '<button type="submit" class="send">Send</button></div></form></div>';

  function build() {
    if (host) return;
    host = document.createElement("div");
    host.setAttribute("data-loop-feedback", "");
    root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    var style = document.createElement("style");
    style.textContent = STYLE;
    root.appendChild(style);
    var wrapper = document.createElement("div");
    wrapper.innerHTML = FORM; // static markup only; user input is never written as HTML
    root.appendChild(wrapper);
    dialog = wrapper.querySelector(".panel");
    if (data.openButton !== "false") {
      button = document.createElement("button");
      button.className = "btn";
      button.type = "button";
      button.textContent = label;
      button.addEventListener("click", function () { dialog.hidden ? open() : close(); });
      root.appendChild(button);
    }
    var form = dialog.querySelector("form");
    var message = dialog.querySelector(".msg");
    dialog.querySelector(".cancel").addEventListener("click", close);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var values = {};
      ["type", "title", "description", "reporter_name", "reporter_email"].forEach(function (name) {
        values[name] = form.elements[name].value.trim();
      });
      if (!values.description && !values.title) {
        message.className = "msg err";
        message.textContent = "Please describe what happened.";
        return;
      }
      var file = form.elements.screenshot.files && form.elements.screenshot.files[0];
      var send = form.querySelector(".send");
      send.disabled = true;
      message.className = "msg";
      message.textContent = "Sending…";
      submit(values, file).then(
        function () {
          message.className = "msg ok";
          message.textContent = "Thank you! Your feedback was sent.";
          form.reset();
          setTimeout(close, 1500);
        },
        function (error) {
          message.className = "msg err";
          message.textContent = error.message;
        }
      ).then(function () { send.disabled = false; });
    });
    document.body.appendChild(host);
  }

  function open() {
    if (!host) build();
    dialog.hidden = false;
    var first = dialog.querySelector("textarea");
    if (first) first.focus();
  }

  function close() {
    if (dialog) dialog.hidden = true;
  }

  window.LoopFeedback = { open: open, close: close, submit: submit, browserInfo: browserInfo };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", build);
  else build();
})();
