// The locker's messages page (docs/spec/console.md, "Locker pages"; docs/spec/messages.md).
//
// The inbox: the user picks the account key file; the console hands out the signature bases of
// the first inbox page on each storage node; they are signed here and posted back; the console
// reads them and answers what the inbox gives in clear (id, sender, arrival, read time, the
// message's seq on each node) with the bases of the pages that follow, until none is left.
// The list is drawn here, newest first, with the catalogue's words the page carries.
//
// Opening a message: the console hands out the reads of the sealed message and of the wrapped
// locker key, and the read receipts; all are signed here; the console reads the two and hands
// over the ciphertexts; the locker key is unwrapped here with the password (kept in this
// page's memory only, for the next message), the message opened (message_crypto.js) and
// shown; then the signed read receipts are posted, as `govchain msg read` posts them. The
// password, the keys and the plaintext never leave this page.
//
// The signing side and the exchanges are the locker pages' (locker_page.js).
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { LockerError, lockerPublicKey, unwrapLockerKey } from "./locker_crypto.js";
import { exchange, say, signReads, wire } from "./locker_page.js";
import { openMessage } from "./message_crypto.js";

// A storage node keeps at most 10,000 messages for one account: 100 pages of 100.
const ROUNDS_MAX = 101;

function merged(known, more) {
  if (!known) return { ...more, at: { ...more.at } };
  const reads = [known.read, more.read].filter((t) => t !== null && t !== undefined);
  return {
    ...known,
    received: Math.min(known.received, more.received),
    read: reads.length ? Math.min(...reads) : null,
    at: { ...known.at, ...more.at },
  };
}

function utcTime(ms) {
  if (!ms || ms <= 0) return "-";
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace("T", " ").slice(0, 19);
}

function element(name, text, attributes = {}) {
  const made = document.createElement(name);
  if (text !== undefined && text !== null) made.textContent = text;
  for (const [key, value] of Object.entries(attributes)) made.setAttribute(key, value);
  return made;
}

function hexCode(value, shown) {
  const code = element("code", shown && value.length > shown ? value.slice(0, shown) + "…" : value, { title: value });
  code.className = "hex";
  return code;
}

function stateBadge(box, entry) {
  const badge = element("span", entry.read === null ? box.dataset.labelUnread : box.dataset.labelRead);
  badge.className = "badge state " + (entry.read === null ? "wait" : "ok");
  return badge;
}

function cell(row, label, child) {
  const td = element("td", undefined, { "data-label": label });
  td.append(child);
  row.append(td);
}

function drawInbox(box, entries, unanswered, open) {
  const target = box.querySelector("#inbox-list");
  target.replaceChildren();
  if (unanswered.length) {
    const trouble = element("p", box.dataset.labelUnanswered + " " + unanswered.join(", "));
    trouble.className = "trouble";
    target.append(trouble);
  }
  if (!entries.length) {
    const empty = element("p", box.dataset.labelNone);
    empty.className = "empty";
    target.append(empty);
    return;
  }
  target.append(element("p", box.dataset.labelCount.replace("{n}", String(entries.length)), { class: "note" }));
  const labels = [box.dataset.labelReceived, box.dataset.labelSender, box.dataset.labelState, ""];
  const head = element("tr");
  for (const label of labels) head.append(element("th", label));
  const body = element("tbody");
  for (const entry of entries) {
    const row = element("tr", undefined, { "data-id": entry.id });
    cell(row, labels[0], document.createTextNode(utcTime(entry.received)));
    cell(row, labels[1], hexCode(entry.sender, 12));
    cell(row, labels[2], stateBadge(box, entry));
    const button = element("button", box.dataset.labelOpen, { type: "button", class: "open-message" });
    button.addEventListener("click", () => open(entry, row, button));
    cell(row, labels[3], button);
    body.append(row);
  }
  const table = element("table");
  const thead = element("thead");
  thead.append(head);
  table.append(thead, body);
  const wrap = element("div", undefined, { class: "cards", id: "inbox-table" });
  wrap.append(table);
  target.append(wrap);
}

function showMessage(box, message) {
  const target = box.querySelector("#message");
  target.replaceChildren();
  const facts = element("dl", undefined, { class: "facts" });
  const fact = (label, value) => facts.append(element("dt", label), value);
  const sender = element("dd");
  sender.append(hexCode(bytesToHex(message.sender)));
  fact(box.dataset.labelSender, sender);
  fact(box.dataset.labelSent, element("dd", utcTime(message.time)));
  const kind = box.dataset["labelKind" + message.kind[0].toUpperCase() + message.kind.slice(1)] || message.kind;
  fact(box.dataset.labelKind, element("dd", kind));
  if (message.name) fact(box.dataset.labelName, element("dd", message.name));
  target.append(element("h2", box.dataset.labelBody), facts);
  if (message.kind === "file") {
    const link = element("a", (box.dataset.labelFile || "") + ": " + (message.name || "message"), { id: "message-file" });
    link.href = URL.createObjectURL(new Blob([message.body]));
    link.download = message.name || "message";
    target.append(link);
  } else {
    const text = element("pre", new TextDecoder("utf-8").decode(message.body), { id: "message-body" });
    text.className = "message-body";
    target.append(text);
  }
  target.hidden = false;
  target.scrollIntoView({ block: "nearest" });
}

function describe(error) {
  const code = error && error.code ? String(error.code) : "";
  const message = error && error.message ? error.message : String(error);
  if (code === "need_password" || code === "sender_mismatch") return message;
  return message + (code ? " (" + code + ")" : "");
}

/** Wire the messages page of this document to the signing side `keys` (as locker_page.js). */
export function startMessagePages(keys) {
  if (typeof document === "undefined") return;
  const box = document.getElementById("inbox");
  const form = document.getElementById("inbox-open");
  if (!box || !form) return;
  const status = form.querySelector(".sign-message");
  const address = hexToBytes(box.dataset.address);
  let lockerKey = null; // unwrapped once, kept in this page's memory only

  async function openOne(entry, row) {
    const password = form.querySelector("#inbox-password");
    if (!lockerKey && !password.value) throw new LockerError("need_password", box.dataset.labelNeedPassword);
    const key = await keys.read(form);
    const base = `${box.dataset.messages}/${entry.id}`;
    const plan = await exchange(base + "/plan", { at: entry.at });
    const got = await exchange(base + "/open", { reads: signReads(keys, key, plan.reads) });
    if (!lockerKey) {
      const secret = await unwrapLockerKey(plan.suite, hexToBytes(got.wrapped), password.value, address);
      if (bytesToHex(lockerPublicKey(plan.suite, secret)) !== plan.locker_public) {
        throw new LockerError("invalid_format", "the unwrapped locker key does not match the locker's public key");
      }
      lockerKey = secret;
    }
    password.value = "";
    const message = openMessage(plan.suite, lockerKey, address, hexToBytes(got.sealed));
    const sender = bytesToHex(message.sender);
    if (sender !== got.sender || sender !== entry.sender) {
      throw new LockerError("sender_mismatch", box.dataset.labelSenderMismatch);
    }
    showMessage(box, message);
    const receipt = await exchange(base + "/read", { reads: signReads(keys, key, plan.receipts) });
    entry.read = receipt.read;
    row.querySelector(".state").replaceWith(stateBadge(box, entry));
  }

  function open(entry, row, button) {
    for (const other of box.querySelectorAll("button.open-message")) other.disabled = true;
    say(status, box.dataset.labelOpening, false);
    openOne(entry, row)
      .then(() => say(status, box.dataset.labelOpened, false))
      .catch((error) => say(status, box.dataset.labelOpenFailed + ": " + describe(error), true))
      .finally(() => {
        for (const other of box.querySelectorAll("button.open-message")) other.disabled = false;
        button.focus();
      });
  }

  async function readInbox() {
    const key = await keys.read(form);
    let { reads } = await exchange(box.dataset.reads);
    const found = new Map();
    const unanswered = new Set();
    for (let round = 0; reads.length > 0; round++) {
      if (round >= ROUNDS_MAX) throw new LockerError("too_many_pages", "the inbox has more pages than a storage node keeps");
      const got = await exchange(box.dataset.inbox, { reads: signReads(keys, key, reads) });
      for (const entry of got.messages) found.set(entry.id, merged(found.get(entry.id), entry));
      for (const node of got.unanswered) unanswered.add(node);
      reads = got.reads;
    }
    const newestFirst = [...found.values()].sort((a, b) => b.received - a.received || (a.id < b.id ? 1 : -1));
    drawInbox(box, newestFirst, [...unanswered].sort(), open);
  }

  wire(form, readInbox, status);
}
