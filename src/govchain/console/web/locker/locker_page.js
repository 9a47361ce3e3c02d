// The locker pages' script (docs/spec/console.md, "Locker pages"): everything that needs the
// user's own key or password happens here, in the browser.
//
// A locker page: the user picks the account key file; the console hands out the signature
// bases of the locker's signed reads; they are signed here and posted back; the console makes
// the reads and answers the page's signed part, put in as it came (server-escaped HTML).
//
// An asset's page, fetch with a purpose: the console prepares the plan (the usage tx's signing
// bytes for a reader other than the holder, and the storage reads); everything is signed
// here; the console submits the tx, reads the ciphertexts and hands them over; the locker key
// is unwrapped here with the password, the envelope opened and the content decrypted
// (locker_crypto.js). The password, the keys and the plaintext never leave this page.
//
// `keys` is the signing side (the console bundle's key-file module):
//   keys.read(form) -> Promise<key>      the key file picked in `form`
//   keys.publicKeyHex(key) -> hex        the account public key
//   keys.signHex(key, hex) -> hex        the signature (the suite's own form) of those bytes
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { LockerError, openAsset } from "./locker_crypto.js";

export async function exchange(url, body) {
  const answer = await fetch(url, {
    method: body === undefined ? "GET" : "POST",
    credentials: "same-origin",
    cache: "no-store",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = answer.headers.get("content-type") || "";
  const data = type.includes("application/json") ? await answer.json() : await answer.text();
  if (!answer.ok) {
    let error = data && data.error ? data.error : { code: "http_" + answer.status, message: "" };
    if (typeof error === "string") error = { code: "refused", message: error };
    throw new LockerError(error.code, error.message || error.code);
  }
  return data;
}

export function signReads(keys, key, reads) {
  const signed = {};
  for (const read of reads) {
    signed[read.url] = {
      created: read.created,
      nonce: read.nonce,
      signature: keys.signHex(key, bytesToHex(utf8ToBytes(read.base))),
    };
  }
  return signed;
}

export function say(element, message, failed) {
  if (element) {
    element.textContent = message;
    element.classList.toggle("refused", Boolean(failed));
  }
}

export function reason(form, error) {
  const code = error && error.code ? String(error.code) : "";
  const known = code && form.dataset["msg" + code.replace(/(^|_)(\w)/g, (_, __, c) => c.toUpperCase())];
  if (known) return known;
  const message = error && error.message ? error.message : String(error);
  return (form.dataset.msgFailed || "") + (code ? " (" + code + ")" : "") + ": " + message;
}

async function openLocker(keys, form, box) {
  const key = await keys.read(form);
  const { reads } = await exchange(box.dataset.reads);
  const html = await exchange(box.dataset.view, { reads: signReads(keys, key, reads) });
  const shown = box.querySelector("#locker-signed");
  shown.innerHTML = html;
  form.hidden = true;
}

function showContent(target, form, plaintext) {
  target.replaceChildren();
  const title = document.createElement("h2");
  title.textContent = form.dataset.msgFields || "";
  const list = document.createElement("dl");
  list.className = "facts";
  for (const name of Object.keys(plaintext.fields).sort()) {
    const term = document.createElement("dt");
    term.textContent = name;
    const value = document.createElement("dd");
    value.textContent = String(plaintext.fields[name]);
    list.append(term, value);
  }
  target.append(title, list);
  if (plaintext.file) {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([plaintext.file.bytes]));
    link.download = plaintext.file.name.split(/[\\/]/).pop() || "content";
    link.textContent = (form.dataset.msgFile || "") + ": " + link.download;
    link.id = "content-file";
    target.append(link);
  }
  target.hidden = false;
}

async function refreshUsage() {
  const page = await exchange(window.location.pathname + window.location.search);
  const fresh = new DOMParser().parseFromString(page, "text/html").getElementById("usage");
  const usage = document.getElementById("usage");
  if (fresh && usage) {
    usage.replaceWith(fresh);
  }
}

async function fetchAsset(keys, form) {
  const purpose = form.querySelector("#purpose").value.trim();
  if (form.dataset.holder !== "1" && !purpose) {
    throw new LockerError("purpose", form.dataset.msgNeedPurpose || "purpose");
  }
  const key = await keys.read(form);
  const publicKey = keys.publicKeyHex(key);
  const plan = await exchange(form.dataset.plan, {
    public_key: publicKey,
    purpose,
    grant: form.dataset.grant || "",
  });
  const body = { public_key: publicKey, reads: signReads(keys, key, plan.reads), tx: null };
  if (plan.tx) {
    body.tx = {
      chain_id: plan.tx.chain_id,
      nonce: plan.tx.nonce,
      expiry: plan.tx.expiry,
      grant: plan.tx.grant,
      purpose: plan.tx.purpose,
      signature: keys.signHex(key, plan.tx.signing),
    };
  }
  const got = await exchange(form.dataset.fetch, body);
  const password = form.querySelector("#password");
  const plaintext = await openAsset({
    suite: plan.suite,
    wrappedKey: hexToBytes(got.wrapped),
    password: password.value,
    address: hexToBytes(form.dataset.address),
    lockerPublic: hexToBytes(plan.locker_public),
    envelope: hexToBytes(plan.envelope),
    contentId: hexToBytes(plan.content_id),
    version: plan.version,
    blob: hexToBytes(got.blob),
  });
  password.value = "";
  showContent(document.getElementById("content"), form, plaintext);
  if (got.use_tx) {
    await refreshUsage();
  }
}

export function wire(form, act, status) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    for (const button of form.querySelectorAll("button")) button.disabled = true;
    say(status, form.dataset.msgWorking || "…", false);
    act()
      .then(() => say(status, form.dataset.msgDone || "", false))
      .catch((error) => say(status, reason(form, error), true))
      .finally(() => {
        for (const button of form.querySelectorAll("button")) button.disabled = false;
      });
  });
}

/** Wire the locker pages of this document to the signing side `keys`. */
export function startLockerPages(keys) {
  if (typeof document === "undefined") return;
  const box = document.getElementById("locker");
  const open = document.getElementById("locker-open");
  if (box && open) {
    wire(open, () => openLocker(keys, open, box), open.querySelector(".sign-message"));
  }
  const form = document.getElementById("fetch");
  if (form) {
    wire(form, () => fetchAsset(keys, form), document.getElementById("fetch-status"));
  }
}
