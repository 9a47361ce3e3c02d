// The console's browser code (docs/spec/console.md, "Signing in the browser").
//
// The user's key file is read here and never sent: the page asks the console
// for what to sign (a sign-in challenge, or a tx's signing bytes the console
// prepared), signs it here and posts only the public key and the signature.
// Bundled by esbuild into static/build/console-signing.js (global
// GovChainSigning); under node the same bundle exposes the functions below to
// the unit tests.
import { KeyFileError, readKeyFile } from "./keyfile.js";
import { publicKeyHex, signHex, signText } from "./signing.js";
import { startLockerPages } from "../locker/locker_page.js";
import { startMessagePages } from "../locker/messages_page.js";
import { startScopedReads } from "./scoped_read.js";

export { KeyFileError, readKeyFile, publicKeyHex, signHex, signText };

function show(form, text, failed) {
  const out = form.querySelector(".sign-message");
  if (out) {
    out.textContent = text;
    out.classList.toggle("refused", Boolean(failed));
  }
}

function refusal(form, error) {
  if (error instanceof KeyFileError) {
    return form.dataset["msg" + error.code.replace(/(^|_)(\w)/g, (_, __, c) => c.toUpperCase())] ||
      error.message;
  }
  return error && error.message ? error.message : String(error);
}

async function readKey(form) {
  const input = form.querySelector("input[type=file].key-file");
  const file = input && input.files && input.files[0];
  if (!file) {
    throw new KeyFileError("missing", "pick your key file");
  }
  if (file.size > 64 * 1024) {
    throw new KeyFileError("unreadable", "a key file is under 64 KiB");
  }
  const password = form.querySelector("input.key-password");
  return readKeyFile(await file.text(), password ? password.value : "");
}

async function post(url, body) {
  const answer = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    cache: "no-store",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  let data = {};
  try {
    data = await answer.json();
  } catch (error) {
    data = { error: "HTTP " + answer.status };
  }
  if (!answer.ok) {
    throw new Error(data.error || "HTTP " + answer.status);
  }
  return data;
}

function fields(form) {
  const values = {};
  for (const element of form.elements) {
    if (!element.name || element.type === "file" || element.type === "password") {
      continue;
    }
    if ((element.type === "radio" || element.type === "checkbox") && !element.checked) {
      continue;
    }
    values[element.name] = element.value;
  }
  return values;
}

function busy(form, on) {
  for (const button of form.querySelectorAll("button")) {
    button.disabled = on;
  }
}

async function signIn(form) {
  const key = await readKey(form);
  const challenge = await post(form.dataset.challenge, {});
  const answer = await post(form.action, {
    id: challenge.id,
    suite: key.suite,
    public_key: publicKeyHex(key),
    signature: signText(key, challenge.text),
    next: form.dataset.next || "/",
  });
  window.location.assign(answer.next || "/");
}

async function signTx(form, submitter) {
  const key = await readKey(form);
  const body = fields(form);
  if (submitter && submitter.name) {
    body[submitter.name] = submitter.value;
  }
  const prepared = await post(form.dataset.prepare, body);
  const answer = await post(form.dataset.submit, {
    pending: prepared.pending,
    signature: signHex(key, prepared.signing_bytes),
  });
  window.location.assign(answer.next || window.location.pathname);
}

function wire(form, act) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, true);
    show(form, form.dataset.msgWorking || "…", false);
    act(form, event.submitter)
      .catch((error) => show(form, refusal(form, error), true))
      .finally(() => busy(form, false));
  });
}

if (typeof document !== "undefined") {
  for (const form of document.querySelectorAll("form#signin")) {
    wire(form, signIn);
  }
  for (const form of document.querySelectorAll("form.sign-tx")) {
    wire(form, signTx);
  }
}

// The locker pages (web/locker): reads, the usage tx and storage reads signed with the key file
// picked on the page, the content decrypted here; and the locker's messages, read and opened
// the same way.
startLockerPages({ read: readKey, publicKeyHex, signHex });
startMessagePages({ read: readKey, publicKeyHex, signHex });

// A regulator's read with a purpose (case and tx pages): the usage tx and the read signed here.
startScopedReads({ read: readKey, signHex, refusal });
