// The upload page: the token stays in this tab's sessionStorage and goes only into the
// Authorization header of fetch() calls to our own API (never a URL, never a cookie).
"use strict";
(() => {
  const KEY = "kyosai.token";
  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem(KEY) || "";
  let caller = null;
  let current = null;          // the last validation (the API's body)

  const show = (id, on = true) => { $(id).hidden = !on; };
  const say = (id, text) => { $(id).textContent = text; show(id, Boolean(text)); };

  async function api(path, options = {}) {
    const headers = new Headers(options.headers || {});
    headers.set("Authorization", "Bearer " + token);
    return fetch(path, { ...options, headers, credentials: "omit", cache: "no-store" });
  }

  async function problem(response) {
    try {
      const body = await response.json();
      return [body.message_ja, body.hint_ja].filter(Boolean).join("\n") || `エラー（${response.status}）`;
    } catch (e) {
      return `エラーが起きました（HTTP ${response.status}）。`;
    }
  }

  function filenameOf(response, fallback) {
    const header = response.headers.get("Content-Disposition") || "";
    const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
    if (star) { try { return decodeURIComponent(star[1]); } catch (e) { /* fall through */ } }
    const plain = /filename="([^"]+)"/i.exec(header);
    return plain ? plain[1] : fallback;
  }

  // A report is made once, when first asked for; while it is being made (or too many are) the
  // service answers 429 or 503 with Retry-After: wait that long and ask again, a few times.
  async function getReport(path) {
    for (let attempt = 1; ; attempt++) {
      const response = await api(path);
      const wait = Number(response.headers.get("Retry-After"));
      if ((response.status !== 429 && response.status !== 503) || !(wait > 0) || wait > 30 || attempt >= 6) {
        return response;
      }
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    }
  }

  async function download(path, fallback, errorBox) {
    say(errorBox, "");
    const response = await getReport(path);
    if (!response.ok) { say(errorBox, await problem(response)); return; }
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = filenameOf(response, fallback);
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // ------------------------------------------------------------------ login
  async function login(candidate) {
    token = candidate;
    const response = await api("/api/v1/me");
    if (!response.ok) {
      token = "";
      sessionStorage.removeItem(KEY);
      return await problem(response);
    }
    caller = await response.json();
    sessionStorage.setItem(KEY, token);
    $("who-name").textContent = caller.agency;
    show("who-hq", caller.is_hq);
    document.body.classList.toggle("hq", caller.is_hq);
    show("who");
    show("login", false);
    show("upload");
    loadSubmissions();
    return "";
  }

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    say("login-error", "");
    const message = await login($("token").value.trim());
    $("token").value = "";
    if (message) say("login-error", message);
  });

  $("logout").addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    location.reload();
  });

  // ------------------------------------------------------------------ check a file
  // The picker's label is the button (upload.html); the chosen name goes beside it (read out: aria-live).
  $("file").addEventListener("change", () => {
    const file = $("file").files[0];
    $("file-name").textContent = file ? file.name : "選ばれていません";
    $("file-name").classList.toggle("none", !file);
  });

  $("upload-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    say("upload-error", "");
    const file = $("file").files[0];
    if (!file) { say("upload-error", "ファイルを選んでください。"); return; }
    const form = new FormData();
    form.append("file", file);
    if ($("kind").value) form.append("kind", $("kind").value);
    $("check-button").disabled = true;
    show("busy");
    try {
      const response = await api("/api/v1/validations", { method: "POST", body: form });
      if (!response.ok) {
        show("result", false);
        say("upload-error", await problem(response));
        return;
      }
      current = await response.json();
      await showResult(current);
    } catch (e) {
      say("upload-error", "サーバーに接続できません。時間をおいてもう一度お試しください。");
    } finally {
      $("check-button").disabled = false;
      show("busy", false);
    }
  });

  async function showResult(validation) {
    const summary = validation.report.summary;
    const verdict = $("verdict");
    verdict.className = "verdict " + (validation.valid ? "ok-verdict" : "ng-verdict");
    $("verdict-text").textContent = validation.valid ? "受付可" : "要修正";
    $("verdict-counts").textContent =
      `エラー ${summary.errors} 件・警告 ${summary.warnings} 件・データ ${summary.records} 件`;
    // headquarters takes no macros unless it allows them (ALLOW_MACROS): the hand-in then says so
    show("submit-button", validation.valid);
    $("submit-button").disabled = false;
    show("submit-note", !validation.valid);
    show("macro-note", validation.valid && validation.macros);
    say("submit-message", "");
    say("result-error", "");
    show("result");
    const response = await getReport(validation.links.html);
    const frame = $("report-frame");
    if (!response.ok) { say("result-error", await problem(response)); frame.srcdoc = ""; return; }
    frame.srcdoc = await response.text();
  }

  // The report has no scripts; with allow-same-origin (and no allow-scripts) we may size the frame to it.
  // Its height is the height of the report's <html> box, not its scrollHeight: that is never less than
  // the frame's own height, so a short report after a long one kept the long one's height. The frame
  // follows the report as it reflows (a narrower window, its "show all columns" checkbox).
  const frame = $("report-frame");
  const fitFrame = () => {
    try {
      const root = frame.contentDocument && frame.contentDocument.documentElement;
      if (!root) return;
      const height = Math.ceil(root.getBoundingClientRect().height);
      const borders = frame.offsetHeight - frame.clientHeight;     // box-sizing: border-box
      const scrollbar = frame.contentWindow.innerHeight - root.clientHeight;   // a sideways one, if any
      if (height) frame.style.height = (height + borders + scrollbar) + "px";
    } catch (e) { /* keep the height it has */ }
  };
  const reflowed = new ResizeObserver(fitFrame);
  frame.addEventListener("load", () => {
    reflowed.disconnect();
    fitFrame();
    try { reflowed.observe(frame.contentDocument.documentElement); } catch (e) { /* sized once */ }
  });

  $("download-xlsx").addEventListener("click", () => {
    if (current) download(current.links.xlsx, "report.xlsx", "result-error");
  });
  $("download-csv").addEventListener("click", () => {
    if (current) download(current.links.csv, "report.csv", "result-error");
  });

  // ------------------------------------------------------------------ submit
  $("submit-button").addEventListener("click", async () => {
    if (!current) return;
    $("submit-button").disabled = true;
    say("result-error", "");
    const response = await api("/api/v1/submissions", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ validation_id: current.id }),
    });
    if (response.status === 201 || response.status === 200) {
      const submission = await response.json();
      say("submit-message", (response.status === 201 ? "提出しました。" : "このファイルは提出済みです。")
        + `（提出ID: ${submission.id}）`);
      loadSubmissions();
    } else {
      $("submit-button").disabled = false;
      say("result-error", await problem(response));
    }
  });

  // ------------------------------------------------------------------ submissions
  const kindTitle = (name) => {
    const option = Array.from($("kind").options).find((o) => o.value === name);
    return option ? option.textContent : (name || "");
  };

  async function loadSubmissions() {
    const response = await api("/api/v1/submissions?limit=200");
    if (!response.ok) return;
    const body = await response.json();
    $("submissions-title").textContent = body.all_agencies ? "提出済みのファイル（全代理店）" : "提出済みのファイル";
    const tbody = $("submissions-table").querySelector("tbody");
    tbody.replaceChildren();
    for (const s of body.submissions) {
      const row = tbody.insertRow();
      const cell = (text, cls) => { const td = row.insertCell(); td.textContent = text; if (cls) td.className = cls; return td; };
      cell(new Date(s.created_at).toLocaleString("ja-JP"));
      cell(s.agency, "hq-only");
      const name = cell(s.filename);
      if (s.macros) {             // headquarters is told before it opens the file
        const tag = document.createElement("span");
        tag.className = "tag";
        tag.textContent = "マクロあり";
        name.appendChild(tag);
      }
      cell(kindTitle(s.kind));
      cell(String(s.records), "num");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = "ダウンロード";
      button.addEventListener("click", () => download(s.links.file, s.filename, "result-error"));
      cell("").appendChild(button);
    }
    show("submissions-table", body.submissions.length > 0);
    show("submissions-empty", body.submissions.length === 0);
    show("submissions");
  }

  if (token) {
    login(token).then((message) => { if (message) { show("login"); say("login-error", message); } });
  }
})();
