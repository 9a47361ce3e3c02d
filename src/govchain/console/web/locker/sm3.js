// SM3 (GB/T 32905) as a @noble/hashes hash, so that @noble/hashes' HMAC and PBKDF2 run over
// it: the locker key's PBKDF2-HMAC-SM3 (src/govchain/crypto/password_wrap.py). sm-crypto-v2
// has SM3 too, but only as a hex-string function, far too slow for 600,000 PBKDF2 rounds.
import { HashMD } from "@noble/hashes/_md.js";
import { createHasher, rotl } from "@noble/hashes/utils.js";

const IV = [0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e];
const W = new Uint32Array(68);
const W1 = new Uint32Array(64);
const P0 = (x) => x ^ rotl(x, 9) ^ rotl(x, 17);
const P1 = (x) => x ^ rotl(x, 15) ^ rotl(x, 23);
const T = Uint32Array.from({ length: 64 }, (_, j) => rotl(j < 16 ? 0x79cc4519 : 0x7a879d8a, j % 32));

class Sm3 extends HashMD {
  constructor() {
    super(64, 32, 8, false);
    this.s = Uint32Array.from(IV);
  }
  get() {
    return Array.from(this.s);
  }
  set(...words) {
    this.s.set(words.map((w) => w >>> 0));
  }
  process(view, offset) {
    for (let i = 0; i < 16; i++, offset += 4) W[i] = view.getUint32(offset, false);
    for (let j = 16; j < 68; j++) {
      W[j] = P1(W[j - 16] ^ W[j - 9] ^ rotl(W[j - 3], 15)) ^ rotl(W[j - 13], 7) ^ W[j - 6];
    }
    for (let j = 0; j < 64; j++) W1[j] = W[j] ^ W[j + 4];
    let [A, B, C, D, E, F, G, H] = this.s;
    for (let j = 0; j < 64; j++) {
      const a12 = rotl(A, 12);
      const SS1 = rotl((a12 + E + T[j]) | 0, 7);
      const SS2 = SS1 ^ a12;
      const FF = j < 16 ? A ^ B ^ C : (A & B) | (A & C) | (B & C);
      const GG = j < 16 ? E ^ F ^ G : (E & F) | (~E & G);
      const TT1 = (FF + D + SS2 + W1[j]) | 0;
      const TT2 = (GG + H + SS1 + W[j]) | 0;
      D = C;
      C = rotl(B, 9);
      B = A;
      A = TT1;
      H = G;
      G = rotl(F, 19);
      F = E;
      E = P0(TT2);
    }
    const s = this.s;
    s[0] ^= A; s[1] ^= B; s[2] ^= C; s[3] ^= D; s[4] ^= E; s[5] ^= F; s[6] ^= G; s[7] ^= H;
  }
  roundClean() {
    W.fill(0);
    W1.fill(0);
  }
  destroy() {
    this.destroyed = true;
    this.s.fill(0);
    this.buffer.fill(0);
  }
  _cloneInto(to) {
    to ||= new Sm3();
    to.set(...this.get());
    return this._cloneIntoMeta(to);
  }
}

/** SM3 of bytes, with `.create()` for HMAC and PBKDF2. */
export const sm3 = createHasher(() => new Sm3());
