// A regulator's read of a case or a tx with a purpose (docs/spec/console.md,
// "A regulator's reads"): the console prepares the usage tx (grants.use naming the case or
// the tx through the regulator's scope) and the signature base of the read the node serves
// against it; both are signed here with the key file picked on the page; the console submits
// the tx, waits for its commit, makes the read and answers what was read as server-escaped
// HTML, put in #scoped-read-result as it came.
//
// `keys` is the signing side (the console bundle's key-file module):
//   keys.read(form) -> Promise<key>      the key file picked in `form`
//   keys.signHex(key, hex) -> hex        the signature (the suite's own form) of those bytes

function utf8Hex(text) {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    out += byte.toString(16).padStart(2, "0");
  }
  return out;
}

async function send(url, body) {
  const answer = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    cache: "no-store",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const type = answer.headers.get("content-type") || "";
  const data = type.includes("application/json") ? await answer.json() : await answer.text();
  if (!answer.ok) {
    const error = data && data.error ? data.error : "HTTP " + answer.status;
    throw new Error(typeof error === "string" ? error : error.message || error.code);
  }
  return data;
}

function say(form, message, failed) {
  const out = form.querySelector(".sign-message");
  if (out) {
    out.textContent = message;
    out.classList.toggle("refused", Boolean(failed));
  }
}

async function readInScope(keys, form) {
  const key = await keys.read(form);
  const prepared = await send(form.dataset.prepare, {
    target: form.elements.target.value,
    id: form.elements.id.value,
    purpose: form.elements.purpose.value,
  });
  const read = prepared.read;
  const html = await send(form.dataset.submit, {
    pending: prepared.pending,
    signature: keys.signHex(key, prepared.signing_bytes),
    read: { created: read.created, nonce: read.nonce, signature: keys.signHex(key, utf8Hex(read.base)) },
  });
  const result = document.getElementById("scoped-read-result");
  result.innerHTML = html;
  say(form, "", false);
  result.scrollIntoView();
}

export function startScopedReads(keys) {
  if (typeof document === "undefined") {
    return;
  }
  for (const form of document.querySelectorAll("form.scoped-read")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      for (const button of form.querySelectorAll("button")) button.disabled = true;
      say(form, form.dataset.msgWorking || "…", false);
      readInScope(keys, form)
        .catch((error) => say(form, keys.refusal(form, error), true))
        .finally(() => {
          for (const button of form.querySelectorAll("button")) button.disabled = false;
        });
    });
  }
}
