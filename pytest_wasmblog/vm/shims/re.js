// OTP 25's `re` (PCRE 8.45) on top of the browser's RegExp, for the VM's `re` shim (re.erl).
//
// re.erl evaluates this file once in the VM's page and then calls `__wasmblogRe.call(b64)`:
// a base64 Erlang external term in, a base64 external term out, so both sides encode and
// decode with native code (term_to_binary, base64 NIFs, atob/btoa). Patterns are parsed into a
// tree and emitted as `u`-mode JavaScript sources; what JavaScript cannot do the same way is
// refused at compile time with a PCRE-style {Message, Offset} error. The tests run this file
// in Node against the host's real `re` (tests/test_regex_engine.py).
'use strict';
(function (root) {
  const VERSION = 'wasmblog-js-regexp 1';

  // ---------------------------------------------------------------------------------------
  // Erlang external term format (the subset both sides use)
  // ---------------------------------------------------------------------------------------

  class Atom { constructor(name) { this.name = name; } }
  class Tuple { constructor(items) { this.items = items; } }
  const atom = (name) => new Atom(name);
  const tuple = (...items) => new Tuple(items);
  const utf8 = new TextEncoder();
  const utf8Strict = new TextDecoder('utf-8', { fatal: true });
  const utf8Lenient = new TextDecoder('utf-8');

  function b64ToBytes(text) {
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function bytesToB64(bytes) {
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(bin);
  }

  function decodeTerm(bytes) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let p = 0;
    if (bytes[p++] !== 131) throw new Error('not an external term');
    const latin1 = (n) => { let s = ''; for (let k = 0; k < n; k++) s += String.fromCharCode(bytes[p + k]); return s; };
    const atomOf = (n, isUtf8) => {
      const name = isUtf8 ? utf8Lenient.decode(bytes.subarray(p, p + n)) : latin1(n);
      p += n;
      return name === 'true' ? true : name === 'false' ? false : atom(name);
    };
    const big = (n) => {
      const sign = bytes[p++];
      let v = 0;
      for (let k = n - 1; k >= 0; k--) v = v * 256 + bytes[p + k];
      p += n;
      return sign ? -v : v;
    };
    const term = () => {
      const tag = bytes[p++];
      let n;
      switch (tag) {
        case 97: return bytes[p++];
        case 98: n = view.getInt32(p); p += 4; return n;
        case 110: n = bytes[p++]; return big(n);
        case 111: n = view.getUint32(p); p += 4; return big(n);
        case 70: n = view.getFloat64(p); p += 8; return n;
        case 100: n = view.getUint16(p); p += 2; return atomOf(n, false);
        case 118: n = view.getUint16(p); p += 2; return atomOf(n, true);
        case 115: n = bytes[p++]; return atomOf(n, false);
        case 119: n = bytes[p++]; return atomOf(n, true);
        case 104: n = bytes[p++]; return new Tuple(Array.from({ length: n }, term));
        case 105: n = view.getUint32(p); p += 4; return new Tuple(Array.from({ length: n }, term));
        case 106: return [];
        case 107: n = view.getUint16(p); p += 2; { const l = Array.from(bytes.subarray(p, p + n)); p += n; return l; }
        case 108: {
          n = view.getUint32(p); p += 4;
          const items = Array.from({ length: n }, term);
          term(); // the tail: [] for the proper lists re.erl sends
          return items;
        }
        case 109: n = view.getUint32(p); p += 4; { const b = bytes.slice(p, p + n); p += n; return b; }
        default: throw new Error(`external term tag ${tag} is not used by re.erl`);
      }
    };
    return term();
  }

  function encodeTerm(value) {
    const out = [131];
    const u32 = (n) => out.push((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
    const put = (v) => {
      if (typeof v === 'number') {
        if (v >= 0 && v < 256) out.push(97, v);
        else if (v >= -0x80000000 && v < 0x80000000) { out.push(98); u32(v >>> 0); }
        else throw new Error(`integer ${v} out of range`);
      } else if (typeof v === 'boolean') {
        put(atom(String(v)));
      } else if (v instanceof Atom) {
        const name = utf8.encode(v.name);
        out.push(119, name.length, ...name);
      } else if (typeof v === 'string') {
        const b = utf8.encode(v);
        out.push(109); u32(b.length);
        for (const x of b) out.push(x);
      } else if (v instanceof Uint8Array) {
        out.push(109); u32(v.length);
        for (const x of v) out.push(x);
      } else if (v instanceof Tuple) {
        out.push(104, v.items.length);
        v.items.forEach(put);
      } else if (Array.isArray(v)) {
        if (v.length === 0) { out.push(106); return; }
        if (v.length < 0x10000 && v.every((x) => typeof x === 'number' && x >= 0 && x < 256)) {
          out.push(107, v.length >> 8, v.length & 255, ...v); // STRING_EXT: a list of bytes
          return;
        }
        out.push(108); u32(v.length);
        v.forEach(put);
        out.push(106);
      } else {
        throw new Error(`cannot encode ${v}`);
      }
    };
    put(value);
    return Uint8Array.from(out);
  }

  // ---------------------------------------------------------------------------------------
  // Options
  // ---------------------------------------------------------------------------------------

  function compileOptions(list) {
    const o = {
      unicode: false, ucp: false, caseless: false, dotall: false, multiline: false, extended: false,
      anchored: false, dollarEndonly: false, firstline: false, noAutoCapture: false, dupnames: false,
      ungreedy: false, newline: 'lf', bsr: 'unicode', neverUtf: false,
    };
    const names = {
      unicode: 'unicode', ucp: 'ucp', caseless: 'caseless', dotall: 'dotall', multiline: 'multiline',
      extended: 'extended', anchored: 'anchored', dollar_endonly: 'dollarEndonly', firstline: 'firstline',
      no_auto_capture: 'noAutoCapture', dupnames: 'dupnames', ungreedy: 'ungreedy', never_utf: 'neverUtf',
    };
    for (const opt of list) {
      if (opt instanceof Atom) {
        if (names[opt.name]) o[names[opt.name]] = true;
        else if (opt.name === 'bsr_anycrlf') o.bsr = 'anycrlf';
        else if (opt.name === 'bsr_unicode') o.bsr = 'unicode';
        // no_start_optimize: PCRE-internal, nothing to do.
      } else if (opt instanceof Tuple && opt.items[0].name === 'newline') {
        o.newline = opt.items[1].name;
      }
    }
    return o;
  }

  // ---------------------------------------------------------------------------------------
  // Compile errors
  // ---------------------------------------------------------------------------------------

  class CompileError extends Error {
    constructor(message, offset, unsupported = false) {
      super(message);
      this.offset = offset;
      this.unsupported = unsupported; // valid PCRE that JavaScript cannot run the same way
    }
  }

  // Leading (*VERB)s set options; PCRE reads them before anything else.
  const START_VERBS = {
    UTF8: (o) => { o.unicode = true; }, UTF: (o) => { o.unicode = true; }, UCP: (o) => { o.ucp = true; },
    CR: (o) => { o.newline = 'cr'; }, LF: (o) => { o.newline = 'lf'; }, CRLF: (o) => { o.newline = 'crlf'; },
    ANYCRLF: (o) => { o.newline = 'anycrlf'; }, ANY: (o) => { o.newline = 'any'; },
    BSR_ANYCRLF: (o) => { o.bsr = 'anycrlf'; }, BSR_UNICODE: (o) => { o.bsr = 'unicode'; },
    NO_START_OPT: () => {}, NO_AUTO_POSSESS: () => {},
  };

  function startVerbs(bytes, opts) {
    let p = 0;
    for (;;) {
      if (bytes[p] !== 0x28 || bytes[p + 1] !== 0x2A) return p;
      let q = p + 2;
      let name = '';
      while (q < bytes.length && bytes[q] !== 0x29 && q - p < 40) name += String.fromCharCode(bytes[q++]);
      if (bytes[q] !== 0x29) return p;
      const limit = /^LIMIT_(MATCH|RECURSION)=\d+$/.test(name);
      if (!START_VERBS[name] && !limit) return p;
      if (START_VERBS[name]) {
        if ((name === 'UTF8' || name === 'UTF') && opts.neverUtf) {
          throw new CompileError('setting UTF is disabled by the application', p);
        }
        START_VERBS[name](opts);
      }
      p = q + 1;
    }
  }

  // The pattern as code points, each with its byte offset (errors report byte offsets).
  function decodePattern(bytes, start, isUtf) {
    const cps = [];
    const offs = [];
    let p = start;
    while (p < bytes.length) {
      const b = bytes[p];
      if (!isUtf || b < 0x80) { cps.push(b); offs.push(p); p += 1; continue; }
      const n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 ? 2 : 0;
      if (n === 0 || b > 0xF4 || p + n > bytes.length) throw new CompileError('invalid UTF-8 string', p);
      let cp = b & (0xFF >> (n + 1));
      for (let k = 1; k < n; k++) {
        const c = bytes[p + k];
        if ((c & 0xC0) !== 0x80) throw new CompileError('invalid UTF-8 string', p);
        cp = (cp << 6) | (c & 0x3F);
      }
      if ((n === 3 && cp < 0x800) || (n === 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
        throw new CompileError('invalid UTF-8 string', p);
      }
      cps.push(cp); offs.push(p); p += n;
    }
    offs.push(bytes.length);
    return { cps, offs };
  }

  // ---------------------------------------------------------------------------------------
  // Character sets
  // ---------------------------------------------------------------------------------------
  // A class is a list of items: {range: [lo, hi]}, {frag: 'js class text'} (a set JavaScript
  // can name) or {not: 'js class text'} (the complement of one). In byte mode every class is
  // worked out byte by byte instead (see emitSet).

  const H_SPACE = '\\t \\xa0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000';
  const V_SPACE = '\\n\\v\\f\\r\\x85\\u2028\\u2029';
  const ASCII_SPACE = '\\t\\n\\v\\f\\r ';
  // UCP \s, [:space:], \p{Xps} and \p{Xsp}: \p{Z}, \h or \v (U+180E was a space in PCRE's tables).
  const UCP_SPACE = '\\p{Z}\\t\\n\\v\\f\\r\\x85\\u180e';
  const UCP_WORD = '\\p{L}\\p{N}_';
  // PCRE 8.34+ [:graph:] / [:print:] / [:punct:] with UCP.
  const UCP_GRAPH = '\\p{L}\\p{M}\\p{N}\\p{P}\\p{S}\\p{Cf}';

  // OTP builds PCRE with ISO-8859-1 character tables: without ucp, \w, \b, POSIX classes and
  // (in byte mode) caseless matching know the Latin-1 letters. Measured on OTP 25.
  const LATIN1_ALPHA = 'A-Za-z\\xaa\\xb5\\xba\\xc0-\\xd6\\xd8-\\xf6\\xf8-\\xff';
  const LATIN1_WORD = `0-9_${LATIN1_ALPHA}`;
  const POSIX = {
    alpha: [LATIN1_ALPHA, '\\p{L}'],
    lower: ['a-z\\xaa\\xb5\\xba\\xdf-\\xf6\\xf8-\\xff', '\\p{Ll}'],
    upper: ['A-Z\\xc0-\\xd6\\xd8-\\xde', '\\p{Lu}'],
    alnum: [`0-9${LATIN1_ALPHA}`, '\\p{L}\\p{N}'],
    ascii: ['\\0-\\xff', null], // sic: OTP's tables put every byte in [:ascii:]
    blank: ['\\t ', H_SPACE],
    cntrl: ['\\0-\\x1f\\x7f-\\x9f', null],
    digit: ['0-9', '\\p{Nd}'],
    space: [ASCII_SPACE, UCP_SPACE],
    word: [LATIN1_WORD, UCP_WORD],
    xdigit: ['0-9A-Fa-f', null],
    graph: ['!-~\\xa0-\\xff', null],
    print: [' -~\\xa0-\\xff', null],
    punct: ['!-/:-@\\[-`{-~\\xa0-\\xa9\\xab-\\xb4\\xb6-\\xb9\\xbb-\\xbf\\xd7\\xf7', null],
  };

  // The other case of a byte in OTP's Latin-1 tables: the pairs JavaScript's `i` folds within
  // U+0000-U+00FF too. A byte-mode class is emitted as an explicit set, so a negated one must
  // leave out both cases of a letter.
  function latin1Other(b) {
    if ((b >= 0x41 && b <= 0x5A) || (b >= 0xC0 && b <= 0xDE && b !== 0xD7)) return b + 32;
    if ((b >= 0x61 && b <= 0x7A) || (b >= 0xE0 && b <= 0xFE && b !== 0xF7)) return b - 32;
    return -1;
  }

  function posixItems(name, negated, ucp) {
    const entry = POSIX[name];
    if (ucp && (name === 'graph' || name === 'print')) {
      // Cf except U+061C, U+180E and U+2066-2069; print adds Zs.
      // U+180E is Cf now but was Zs in PCRE's tables: out of graph, in print.
      const items = [name === 'print' ? { and: [UCP_GRAPH + '\\p{Zs}', '\\u061c\\u2066-\\u2069'] }
        : { and: [UCP_GRAPH, '\\u061c\\u180e\\u2066-\\u2069'] }];
      return negated ? [{ notAnd: items[0].and }] : items;
    }
    if (ucp && name === 'punct') {
      const frag = '\\p{P}$+<=>^`|~';
      return [negated ? { not: frag } : { frag }];
    }
    const frag = (ucp && entry[1]) || entry[0];
    return [negated ? { not: frag } : { frag }];
  }

  const GENERAL_CATEGORIES = new Set([
    'C', 'Cc', 'Cf', 'Cn', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn',
    'N', 'Nd', 'Nl', 'No', 'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So',
    'Z', 'Zl', 'Zp', 'Zs',
  ]);
  const SPECIAL_PROPERTIES = {
    Any: '\\0-\\u{10ffff}', 'L&': '\\p{Lu}\\p{Ll}\\p{Lt}', Xan: '\\p{L}\\p{N}', Xps: UCP_SPACE,
    Xsp: UCP_SPACE, Xwd: UCP_WORD, Xuc: '$@`\\xa0-\\ud7ff\\ue000-\\u{10ffff}',
  };

  function propertyFrag(name) {
    if (GENERAL_CATEGORIES.has(name)) return `\\p{${name}}`;
    if (SPECIAL_PROPERTIES[name]) return SPECIAL_PROPERTIES[name];
    if (/^[A-Z][A-Za-z_]*$/.test(name)) {
      try { new RegExp(`\\p{Script=${name}}`, 'u'); return `\\p{Script=${name}}`; } catch (e) { return null; }
    }
    return null;
  }

  // The class items of \d \s \w \h \v (and negations) in the pattern's mode.
  function escapeItems(letter, ucp) {
    const lower = letter.toLowerCase();
    const negated = letter !== lower;
    let frag;
    switch (lower) {
      case 'd': if (!ucp) return [negated ? { frag: '\\D' } : { frag: '0-9' }]; frag = '\\p{Nd}'; break;
      case 'w': frag = ucp ? UCP_WORD : LATIN1_WORD; break;
      case 's': frag = ucp ? UCP_SPACE : ASCII_SPACE; break;
      case 'h': frag = H_SPACE; break;
      case 'v': frag = V_SPACE; break;
      default: throw new Error(letter);
    }
    return [negated ? { not: frag } : { frag }];
  }

  // ---------------------------------------------------------------------------------------
  // Parser: PCRE pattern -> tree
  // ---------------------------------------------------------------------------------------

  const isDigit = (c) => c >= 0x30 && c <= 0x39;
  const isOctal = (c) => c >= 0x30 && c <= 0x37;
  const isHex = (c) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
  const isWord = (c) => isDigit(c) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c === 0x5F;
  const isAsciiLetter = (c) => (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A);
  const isLatin1Word = (c) => isWord(c) || c === 0xAA || c === 0xB5 || c === 0xBA ||
    (c >= 0xC0 && c <= 0xFF && c !== 0xD7 && c !== 0xF7);
  const byteString = (bytes) => String.fromCharCode(...bytes);
  const stringBytes = (text) => Uint8Array.from(text, (c) => c.charCodeAt(0));
  const ch = (s) => s.charCodeAt(0);

  class Parser {
    constructor(cps, offs, opts, text) {
      this.c = cps;
      this.o = offs;
      this.i = 0;
      this.opts = opts;
      this.text = text;
      this.ncap = 0;
      this.names = new Map();
      this.refs = [];
      this.caseless = opts.caseless; // the JavaScript `i` flag: one value for the whole pattern
      this.sawAtom = false;
      this.quoting = false;
    }

    at(k = 0) { return this.c[this.i + k]; }
    off(i) { return this.o[Math.min(i, this.o.length - 1)]; }
    err(message, i = this.i) { throw new CompileError(message, this.off(i)); }
    unsupported(what, i) {
      const message = `${what} is not supported by the browser's RegExp engine in the pattern ${JSON.stringify(this.text)}`;
      throw new CompileError(message, this.off(i), true);
    }

    parse() {
      const flags = {
        i: this.opts.caseless, m: this.opts.multiline, s: this.opts.dotall, x: this.opts.extended,
        U: this.opts.ungreedy, X: false, J: this.opts.dupnames,
      };
      const body = this.parseAlt(flags, true);
      if (this.i < this.c.length) this.err('unmatched parentheses'); // a stray ')'
      const end = this.c.length;
      for (const ref of this.refs) {
        if (ref.name !== undefined) {
          if (!this.names.has(ref.name)) this.err('reference to non-existent subpattern', ref.at);
          ref.n = this.names.get(ref.name);
        } else if (ref.n > this.ncap) {
          this.err('reference to non-existent subpattern', end);
        }
      }
      this.checkSemantics(body, new Set());
      const names = [...this.names.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      return { body, ngroups: this.ncap, names, caseless: this.caseless };
    }

    // Where JavaScript's semantics differ from PCRE's, refuse: a back reference to a group
    // that may not have taken part (JavaScript matches it as empty, PCRE fails it), and a
    // repeated group that can match empty and captures (JavaScript drops an empty iteration,
    // and its captures, PCRE keeps it). Returns the groups surely set after `node`.
    checkSemantics(node, before) {
      switch (node.type) {
        case 'backref':
          if (!before.has(node.n)) {
            this.unsupported(`a back reference to group ${node.n}, which may not have taken part in the match at that point,`, node.src);
          }
          return before;
        case 'seq': return node.items.reduce((set, item) => this.checkSemantics(item, set), before);
        case 'alt': {
          const after = node.alts.map((alt) => this.checkSemantics(alt, before));
          return new Set([...after[0]].filter((n) => after.every((set) => set.has(n))));
        }
        case 'group': {
          const inner = this.checkSemantics(node.body, before);
          if (node.kind === 'nla' || node.kind === 'nlb') return before;
          return node.kind === 'cap' ? new Set([...inner, node.n]) : inner;
        }
        case 'quant': {
          if (node.max > node.min && node.max > 1 && nullable(node.body) && capturesIn(node.body)) {
            this.unsupported('a repeated group that can match the empty string and captures', node.src);
          }
          const inner = this.checkSemantics(node.body, before);
          return node.min > 0 ? inner : before;
        }
        default: return before;
      }
    }

    parseAlt(flags, top) {
      const alts = [this.parseSeq(flags, top)];
      while (this.at() === 0x7C) {
        this.i++;
        alts.push(this.parseSeq(flags, top));
      }
      return alts.length === 1 ? alts[0] : { type: 'alt', alts };
    }

    parseSeq(flags, top) {
      const items = [];
      for (;;) {
        if (this.quoting) {
          if (this.at() === undefined) { this.quoting = false; break; }
          if (this.at() === 0x5C && this.at(1) === 0x45) { this.i += 2; this.quoting = false; continue; }
          const start = this.i;
          const atom = { type: 'char', cp: this.c[this.i++] };
          this.sawAtom = true;
          if (this.at() === 0x5C && this.at(1) === 0x45) {
            this.i += 2;
            this.quoting = false;
            items.push(this.parseQuantifiers(atom, flags, start));
          } else {
            items.push(atom);
          }
          continue;
        }
        this.skipSpace(flags);
        const c = this.at();
        if (c === undefined || c === 0x7C || c === 0x29) break;
        const start = this.i;
        const atom = this.parseAtom(flags, top);
        if (atom === null) continue;
        items.push(this.parseQuantifiers(atom, flags, start));
      }
      if (items.length === 1) return items[0];
      return { type: 'seq', items };
    }

    // Extended-mode white space and # comments, and (?#...) comments in any mode.
    skipSpace(flags) {
      for (;;) {
        const c = this.at();
        if (c === undefined) return;
        if (flags.x && this.isExtendedSpace(c)) { this.i++; continue; }
        if (flags.x && c === 0x23) {
          while (this.i < this.c.length && !this.newlineAt(this.i)) this.i++;
          if (this.i < this.c.length) this.i += this.newlineLength(this.i);
          continue;
        }
        if (c === 0x28 && this.at(1) === 0x3F && this.at(2) === 0x23) {
          const close = this.c.indexOf(0x29, this.i);
          if (close < 0) this.err('missing ) after comment', this.c.length);
          this.i = close + 1;
          continue;
        }
        return;
      }
    }

    isExtendedSpace(c) {
      if ((c >= 9 && c <= 13) || c === 32) return true;
      return this.opts.unicode && (c === 0x85 || c === 0x200E || c === 0x200F || c === 0x2028 || c === 0x2029);
    }

    newlineAt(i) { return this.newlineLength(i) > 0; }
    newlineLength(i) {
      const c = this.c[i];
      switch (this.opts.newline) {
        case 'lf': return c === 10 ? 1 : 0;
        case 'cr': return c === 13 ? 1 : 0;
        case 'crlf': return c === 13 && this.c[i + 1] === 10 ? 2 : 0;
        case 'anycrlf': return c === 13 ? (this.c[i + 1] === 10 ? 2 : 1) : c === 10 ? 1 : 0;
        default:
          if (c === 13) return this.c[i + 1] === 10 ? 2 : 1;
          return (c >= 10 && c <= 12) || c === 0x85 || c === 0x2028 || c === 0x2029 ? 1 : 0;
      }
    }

    parseAtom(flags, top) {
      const c = this.at();
      switch (c) {
        case 0x28: return this.parseGroup(flags, top);
        case 0x5B: this.sawAtom = true; return this.parseClass();
        case 0x5C: return this.parseEscape(flags);
        case 0x2E: this.i++; this.sawAtom = true; return { type: 'dot', nl: !flags.s };
        case 0x5E: this.i++; this.sawAtom = true; return { type: 'assert', kind: 'bol', m: flags.m };
        case 0x24: this.i++; this.sawAtom = true; return { type: 'assert', kind: 'eol', m: flags.m };
        case 0x2A: case 0x2B: case 0x3F: return this.err('nothing to repeat');
        case 0x7B: {
          const q = this.readBraces(this.i);
          if (q) this.err('nothing to repeat', q.end - 1);
          break;
        }
        default: break;
      }
      this.i++;
      this.sawAtom = true;
      return { type: 'char', cp: c };
    }

    // {n}, {n,} or {n,m} at i, or null when the brace is a literal.
    readBraces(i) {
      const c = this.c;
      if (c[i] !== 0x7B) return null;
      let j = i + 1;
      let min = '';
      while (isDigit(c[j])) min += String.fromCharCode(c[j++]);
      if (min === '') return null;
      let max = min;
      if (c[j] === 0x2C) {
        j++;
        max = '';
        while (isDigit(c[j])) max += String.fromCharCode(c[j++]);
      }
      if (c[j] !== 0x7D) return null;
      const lo = Number(min);
      const hi = max === '' ? Infinity : Number(max);
      if (lo > 65535 || hi !== Infinity && hi > 65535) this.err('number too big in {} quantifier', j);
      if (hi < lo) this.err('numbers out of order in {} quantifier', j);
      return { min: lo, max: hi, end: j + 1 };
    }

    parseQuantifiers(atom, flags, start) {
      let node = atom;
      let quantified = false;
      for (;;) {
        if (!this.quoting) this.skipSpace(flags);
        const c = this.at();
        let q = null;
        if (c === 0x2A) q = { min: 0, max: Infinity, end: this.i + 1 };
        else if (c === 0x2B) q = { min: 1, max: Infinity, end: this.i + 1 };
        else if (c === 0x3F) q = { min: 0, max: 1, end: this.i + 1 };
        else if (c === 0x7B) q = this.readBraces(this.i);
        if (!q) return node;
        // PCRE repeats neither a repeat nor a simple assertion (^ $ \b \A ...).
        if (quantified || node.type === 'assert') this.err('nothing to repeat', q.end - 1);
        this.i = q.end;
        let lazy = flags.U;
        let possessive = false;
        if (this.at() === 0x3F) { lazy = !lazy; this.i++; } else if (this.at() === 0x2B) { possessive = true; this.i++; }
        node = { type: 'quant', min: q.min, max: q.max, lazy: possessive ? false : lazy, possessive, body: node, src: start };
        quantified = true;
      }
    }

    // ------------------------------------------------------------------ groups

    parseGroup(flags, top) {
      const start = this.i;
      this.i++;
      if (this.at() === 0x2A) return this.parseVerb(start);
      if (this.at() !== 0x3F) {
        this.sawAtom = true;
        const capture = !this.opts.noAutoCapture;
        const n = capture ? ++this.ncap : undefined;
        return this.finishGroup(capture ? 'cap' : 'nc', { ...flags }, start, n);
      }
      this.i++;
      const c = this.at();
      switch (c) {
        case 0x3A: this.i++; this.sawAtom = true; return this.finishGroup('nc', { ...flags }, start);
        case 0x7C: return this.unsupported('a branch reset group (?|...)', start);
        case 0x3E: this.i++; this.sawAtom = true; return this.finishGroup('atomic', { ...flags }, start);
        case 0x3D: this.i++; this.sawAtom = true; return this.finishGroup('la', { ...flags }, start);
        case 0x21: this.i++; this.sawAtom = true; return this.finishGroup('nla', { ...flags }, start);
        case 0x3C:
          if (this.at(1) === 0x3D) { this.i += 2; this.sawAtom = true; return this.finishGroup('lb', { ...flags }, start); }
          if (this.at(1) === 0x21) { this.i += 2; this.sawAtom = true; return this.finishGroup('nlb', { ...flags }, start); }
          this.i++;
          if (!isLatin1Word(this.at())) this.err('unrecognized character after (?<');
          return this.namedGroup(flags, start, 0x3E);
        case 0x27: this.i++; return this.namedGroup(flags, start, 0x27);
        case 0x50: // P
          if (this.at(1) === 0x3C) { this.i += 2; return this.namedGroup(flags, start, 0x3E); }
          if (this.at(1) === 0x3D) {
            this.i += 2;
            const name = this.readName(0x29);
            this.sawAtom = true;
            return this.addRef({ type: 'backref', name, at: this.i - 1, src: start });
          }
          if (this.at(1) === 0x3E) this.unsupported('a subroutine call (?P>name)', start);
          return this.err('unrecognized character after (?P', this.i + 1);
        case 0x52: case 0x26: return this.unsupported('recursion or a subroutine call', start);
        case 0x28: return this.unsupported('a conditional group (?(...)...)', start);
        case 0x43: return this.unsupported('a callout (?C)', start);
        default:
          if (isDigit(c) || ((c === 0x2B || c === 0x2D) && isDigit(this.at(1)))) {
            this.unsupported('recursion or a subroutine call', start);
          }
          return this.optionGroup(flags, top, start);
      }
    }

    finishGroup(kind, inner, start, n) {
      const body = this.parseAlt(inner, false);
      if (this.at() !== 0x29) this.err('missing )', this.c.length);
      const close = this.i;
      this.i++;
      if (kind === 'lb' || kind === 'nlb') {
        for (const alt of body.type === 'alt' ? body.alts : [body]) {
          if (fixedLength(alt) < 0) this.err('lookbehind assertion is not fixed length', close);
        }
      }
      return { type: 'group', kind, n, body };
    }

    namedGroup(flags, start, terminator) {
      const nameStart = this.i;
      const name = this.readName(terminator);
      this.sawAtom = true;
      if (this.names.has(name)) {
        if (flags.J) this.unsupported('a duplicate group name', nameStart);
        this.err('two named subpatterns have the same name', this.i - 1);
      }
      const n = ++this.ncap;
      this.names.set(name, n);
      return this.finishGroup('cap', { ...flags }, start, n);
    }

    // A group name, read as PCRE 8.45 does: byte by byte against its Latin-1 word table (in
    // UTF-8 mode a non-ASCII letter passes only if each of its bytes is a "letter"). Names are
    // byte strings, one character per byte, compared and sorted by bytes like PCRE's table.
    readName(terminator) {
      if (isDigit(this.at())) this.err('group name must start with a non-digit');
      let name = '';
      while (this.at() !== undefined && this.at() !== terminator) {
        const bytes = this.opts.unicode ? utf8.encode(String.fromCodePoint(this.at())) : [this.at()];
        const bad = bytes.findIndex((b) => !isLatin1Word(b));
        if (bad >= 0) throw new CompileError('syntax error in subpattern name (missing terminator)', this.off(this.i) + bad);
        name += String.fromCharCode(...bytes);
        this.i++;
      }
      if (this.at() !== terminator) this.err('syntax error in subpattern name (missing terminator)');
      if (name === '') this.err('subpattern name expected');
      if (name.length > 32) this.err('subpattern name is too long (maximum 32 characters)');
      this.i++;
      return name;
    }

    // (?imsxXJU-imsxXJU) and (?imsx-imsx:...)
    optionGroup(flags, top, start) {
      const next = { ...flags };
      let on = true;
      for (;;) {
        const c = this.at();
        if (c === 0x2D && on) { on = false; this.i++; continue; }
        const letter = c === undefined ? '' : String.fromCharCode(c);
        if ('imsxXJU'.includes(letter) && letter !== '') { next[letter] = on; this.i++; continue; }
        if (c === 0x29 || c === 0x3A) break;
        this.err('unrecognized character after (? or (?-');
      }
      if (next.X === false && flags.X) next.X = true; // (?-X) cannot unset PCRE_EXTRA
      if (this.at() === 0x29) {
        this.i++;
        if (next.i !== this.caseless) {
          if (top && !this.sawAtom) this.caseless = next.i;
          else this.unsupported('changing case sensitivity ((?i) or (?-i)) after the start of the pattern', start);
        }
        Object.assign(flags, next);
        return null;
      }
      this.i++;
      this.sawAtom = true;
      if (next.i !== this.caseless) this.unsupported('a group with its own case sensitivity ((?i:...) or (?-i:...))', start);
      return this.finishGroup('nc', next, start);
    }

    parseVerb(start) {
      this.i++;
      const nameStart = this.i;
      while (this.at() !== undefined && this.at() !== 0x29 && this.at() !== 0x3A) this.i++;
      const name = String.fromCharCode(...this.c.slice(nameStart, this.i));
      if (this.at() === 0x3A) {
        while (this.at() !== undefined && this.at() !== 0x29) this.i++;
      }
      if (this.at() !== 0x29) this.err('(*VERB) not recognized or malformed');
      this.i++;
      this.sawAtom = true;
      if (name === 'FAIL' || name === 'F') return { type: 'fail' };
      if (['ACCEPT', 'COMMIT', 'PRUNE', 'SKIP', 'THEN', 'MARK', ''].includes(name)) {
        this.unsupported(`the backtracking control verb (*${name})`, start);
      }
      if (START_VERBS[name] || /^LIMIT_/.test(name)) {
        this.unsupported(`(*${name}) after the start of the pattern`, start);
      }
      this.err('(*VERB) not recognized or malformed', this.i - 1);
      return null;
    }

    addRef(ref) {
      this.refs.push(ref);
      return ref;
    }

    // ------------------------------------------------------------------ escapes

    parseEscape(flags) {
      const start = this.i;
      this.i++;
      const c = this.at();
      if (c === undefined) this.err('\\ at end of pattern');
      if (c === 0x51) { this.i++; this.quoting = true; return null; } // \Q
      if (c === 0x45) { this.i++; return null; } // \E
      this.sawAtom = true;
      const letter = String.fromCharCode(c);
      switch (letter) {
        case 'b': this.i++; return { type: 'assert', kind: 'b' };
        case 'B': this.i++; return { type: 'assert', kind: 'B' };
        case 'A': this.i++; return { type: 'assert', kind: 'A' };
        case 'z': this.i++; return { type: 'assert', kind: 'z' };
        case 'Z': this.i++; return { type: 'assert', kind: 'Z' };
        case 'G': return this.unsupported('\\G (the match start anchor)', start);
        case 'K': return this.unsupported('\\K (reset the match start)', start);
        case 'X': return this.unsupported('\\X (an extended grapheme cluster)', start);
        case 'C':
          if (this.opts.unicode) this.unsupported('\\C (one byte) in UTF-8 mode', start);
          this.i++;
          return { type: 'dot', nl: false };
        case 'R': this.i++; return { type: 'R' };
        case 'N':
          if (this.at(1) === 0x7B) this.err('PCRE does not support \\L, \\l, \\N{name}, \\U, or \\u', this.i);
          this.i++;
          return { type: 'dot', nl: true };
        case 'g': return this.parseG(start);
        case 'k': return this.parseK(start);
        default: break;
      }
      if (c >= 0x31 && c <= 0x39) {
        const ref = this.tryBackref(start);
        if (ref) return ref;
      }
      const item = this.classEscape(flags, false);
      if (item.cp !== undefined) return { type: 'char', cp: item.cp };
      return { type: 'set', neg: false, items: item.items, escape: letter };
    }

    // \1..\9 and \10.. when that many groups came before: a back reference, else octal.
    tryBackref(start) {
      let j = this.i;
      let n = 0;
      while (isDigit(this.c[j])) {
        n = n * 10 + (this.c[j] - 0x30);
        j++;
        if (n > 65535) this.err('number is too big', j);
      }
      if (n < 8 || n <= this.ncap) {
        this.i = j;
        return this.addRef({ type: 'backref', n, src: start });
      }
      return null;
    }

    parseG(start) {
      this.i++;
      let c = this.at();
      if (c === 0x3C || c === 0x27) this.unsupported('a subroutine call \\g<...>', start);
      let text = '';
      if (c === 0x7B) {
        this.i++;
        const s = this.i;
        while (this.at() !== undefined && this.at() !== 0x7D) this.i++;
        if (this.at() !== 0x7D) this.err('\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number');
        text = String.fromCharCode(...this.c.slice(s, this.i));
        this.i++;
      } else {
        const s = this.i;
        if (c === 0x2D || c === 0x2B) this.i++;
        while (isDigit(this.at())) this.i++;
        text = String.fromCharCode(...this.c.slice(s, this.i));
        if (!/^[-+]?\d+$/.test(text)) this.err('a numbered reference must not be zero', s);
      }
      c = text.charCodeAt(0);
      if (/^[-+]?\d+$/.test(text)) {
        const value = Number(text);
        if (text[0] === '+') this.err('subpattern name expected', this.c.indexOf(0x2B, start));
        if (value === 0) this.err('a numbered reference must not be zero', this.i - 1);
        const n = value < 0 ? this.ncap + value + 1 : value;
        if (n <= 0) this.err('reference to non-existent subpattern', this.i - 1);
        return this.addRef({ type: 'backref', n, src: start });
      }
      if (!/^[A-Za-z_]\w*$/.test(text)) this.err('\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number');
      return this.addRef({ type: 'backref', name: text, at: this.i - 1, src: start });
    }

    parseK(start) {
      this.i++;
      const open = this.at();
      const close = open === 0x3C ? 0x3E : open === 0x27 ? 0x27 : open === 0x7B ? 0x7D : null;
      if (close === null) this.err('\\k is not followed by a braced, angle-bracketed, or quoted name', this.i - 1);
      this.i++;
      const name = this.readName(close);
      return this.addRef({ type: 'backref', name, at: this.i - 1, src: start });
    }

    // An escape that stands for one character ({cp}) or a set ({items}); this.i is on the
    // character after the backslash.
    classEscape(flags, inClass) {
      const c = this.at();
      const letter = String.fromCharCode(c);
      const start = this.i;
      this.i++;
      switch (letter) {
        case 'a': return { cp: 7 };
        case 'e': return { cp: 27 };
        case 'f': return { cp: 12 };
        case 'n': return { cp: 10 };
        case 'r': return { cp: 13 };
        case 't': return { cp: 9 };
        case 'b': return { cp: 8 }; // only reached inside a class
        case 'd': case 'D': case 'w': case 'W': case 's': case 'S': case 'h': case 'H': case 'v': case 'V':
          return { items: escapeItems(letter, this.opts.ucp) };
        case 'p': case 'P': return { items: this.property(letter === 'P', start) };
        case 'x': return { cp: this.hexEscape() };
        case 'o': return { cp: this.octalBraces() };
        case 'c': {
          const x = this.at();
          if (x === undefined) this.err('\\c at end of pattern');
          if (x > 127) this.err('\\c must be followed by an ASCII character');
          this.i++;
          return { cp: (x >= 0x61 && x <= 0x7A ? x - 32 : x) ^ 0x40 };
        }
        case 'L': case 'l': case 'U': case 'u':
          this.err('PCRE does not support \\L, \\l, \\N{name}, \\U, or \\u', start);
          break;
        default: break;
      }
      if (isOctal(c)) {
        // \0dd, or \ddd that was not a back reference (inside a class, never one)
        let v = c - 0x30;
        for (let k = 0; k < 2 && isOctal(this.at()); k++) v = v * 8 + (this.at() - 0x30), this.i++;
        if (!this.opts.unicode && v > 0xFF) this.err('octal value is greater than \\377 in 8-bit non-UTF-8 mode', this.i - 1);
        return { cp: v };
      }
      if (isAsciiLetter(c) && flags.X) this.err('unrecognized character follows \\', start);
      return { cp: c }; // an escaped literal (\8, \9, punctuation, unknown letters)
    }

    hexEscape() {
      if (this.at() === 0x7B) {
        let j = this.i + 1;
        let v = 0;
        let digits = 0;
        while (isHex(this.c[j])) {
          v = v * 16 + parseInt(String.fromCharCode(this.c[j]), 16);
          if (v > 0x10FFFF) v = 0x110000;
          j++;
          digits++;
        }
        if (this.c[j] === 0x7D && digits > 0) {
          this.i = j + 1;
          return this.checkValue(v, j);
        }
        return 0; // not a \x{...}: \x with no digits is a NUL
      }
      let v = 0;
      for (let k = 0; k < 2 && isHex(this.at()); k++) {
        v = v * 16 + parseInt(String.fromCharCode(this.at()), 16);
        this.i++;
      }
      return v;
    }

    octalBraces() {
      if (this.at() !== 0x7B) this.err('missing opening brace after \\o', this.i - 1);
      let j = this.i + 1;
      let v = 0;
      while (isOctal(this.c[j])) { v = v * 8 + (this.c[j] - 0x30); if (v > 0x10FFFF) v = 0x110000; j++; }
      if (this.c[j] !== 0x7D || j === this.i + 1) this.err('non-octal character in \\o{} (closing brace missing?)', j);
      this.i = j + 1;
      return this.checkValue(v, j);
    }

    checkValue(v, at) {
      if (!this.opts.unicode && v > 0xFF) this.err('character value in \\x{} or \\o{} is too large', at);
      if (v > 0x10FFFF) this.err('character value in \\x{} or \\o{} is too large', at);
      if (v >= 0xD800 && v <= 0xDFFF) this.err('disallowed Unicode code point (>= 0xd800 && <= 0xdfff)', at);
      return v;
    }

    property(negated, start) {
      let name;
      if (this.at() === 0x7B) {
        const close = this.c.indexOf(0x7D, this.i);
        if (close < 0) this.err('malformed \\P or \\p sequence', this.c.length);
        name = String.fromCodePoint(...this.c.slice(this.i + 1, close));
        this.i = close + 1;
        if (name.startsWith('^')) { negated = !negated; name = name.slice(1); }
      } else {
        if (this.at() === undefined) this.err('malformed \\P or \\p sequence');
        name = String.fromCodePoint(this.c[this.i++]);
      }
      const frag = propertyFrag(name);
      if (frag === null) this.err('unknown property name after \\P or \\p', this.i - 1);
      if (!negated) return [{ frag }];
      return frag.startsWith('\\p{') && frag.indexOf('\\p', 1) < 0 ? [{ frag: '\\P' + frag.slice(2) }] : [{ not: frag }];
    }

    // ------------------------------------------------------------------ classes

    // [...]; this.i is on '['.
    parseClass() {
      const start = this.i;
      const posix = this.posixAt(this.i);
      if (posix) this.err('POSIX named classes are supported only within a class', start);
      this.i++;
      let neg = false;
      if (this.at() === 0x5E) { neg = true; this.i++; }
      const items = [];
      let first = true;
      let quoting = false;
      const flags = { X: false };
      for (;;) {
        const c = this.at();
        if (c === undefined) this.err('missing terminating ] for character class', this.c.length);
        if (quoting) { // \Q...\E: literal characters, no ranges
          if (c === 0x5C && this.at(1) === 0x45) { this.i += 2; quoting = false; continue; }
          items.push({ range: [c, c] });
          this.i++;
          first = false;
          continue;
        }
        if (c === 0x5D && !first) { this.i++; break; }
        first = false;
        if (c === 0x5B) {
          const p = this.posixAt(this.i);
          if (p) {
            if (p.kind !== 0x3A) this.err('POSIX collating elements are not supported', this.i);
            if (!POSIX[p.name]) this.err('unknown POSIX class name', this.i + 2);
            items.push(...posixItems(p.name, p.negated, this.opts.ucp));
            this.i = p.end;
            continue;
          }
        }
        if (c === 0x5C) {
          const after = this.at(1);
          if (after === 0x51) { this.i += 2; quoting = true; continue; }
          if (after === 0x45) { this.i += 2; continue; }
          if (after === undefined) this.err('\\ at end of pattern', this.i + 1);
          const letter = String.fromCharCode(after);
          if (letter === 'N') this.err('\\N is not supported in a class', this.i + 1);
          if (letter === 'g' || letter === 'k') { this.i += 2; this.classChar(items, after, this.i); continue; }
          this.i++;
          const esc = this.classEscape(flags, true);
          if (esc.cp === undefined) {
            items.push(...esc.items);
            if (this.at() === 0x2D && this.at(1) !== 0x5D && this.at(1) !== undefined) {
              // [\d-z]: the '-' is a literal
              items.push({ range: [0x2D, 0x2D] });
              this.i++;
            }
            continue;
          }
          this.classChar(items, esc.cp, this.i);
          continue;
        }
        this.i++;
        this.classChar(items, c, this.i);
      }
      return { type: 'set', neg, items };
    }

    // A character in a class, and the range it may start; this.i is just after it.
    classChar(items, lo, after) {
      this.i = after;
      if (this.at() !== 0x2D || this.at(1) === 0x5D || this.at(1) === undefined) {
        items.push({ range: [lo, lo] });
        return;
      }
      this.i++; // the '-'
      let hi;
      const c = this.at();
      if (c === 0x5B && this.posixAt(this.i)) {
        this.err('invalid range in character class', this.i);
      }
      if (c === 0x5C) {
        const after2 = this.at(1);
        if (after2 === 0x45 || after2 === 0x51) { // \E or \Q after '-': keep it simple, dash is literal
          items.push({ range: [lo, lo] }, { range: [0x2D, 0x2D] });
          return;
        }
        this.i++;
        const esc = this.classEscape({ X: false }, true);
        if (esc.cp === undefined) this.err('invalid range in character class', this.i - 1);
        hi = esc.cp;
      } else {
        hi = c;
        this.i++;
      }
      if (hi < lo) this.err('range out of order in character class', this.i - 1);
      items.push({ range: [lo, hi] });
    }

    // [:name:], [:^name:], [.x.] or [=x=] at i, else null.
    posixAt(i) {
      const c = this.c;
      const kind = c[i + 1];
      if (c[i] !== 0x5B || (kind !== 0x3A && kind !== 0x2E && kind !== 0x3D)) return null;
      for (let j = i + 2; j < c.length; j++) {
        if (c[j] === 0x5C && (c[j + 1] === 0x5D || c[j + 1] === 0x5C)) { j++; continue; }
        if (c[j] === 0x5B && c[j + 1] === kind) return null;
        if (c[j] === 0x5D) return null;
        if (c[j] === kind && c[j + 1] === 0x5D) {
          let name = String.fromCharCode(...c.slice(i + 2, j));
          let negated = false;
          if (kind === 0x3A && name.startsWith('^')) { negated = true; name = name.slice(1); }
          return { kind, name, negated, end: j + 2 };
        }
      }
      return null;
    }
  }

  function nullable(node) {
    switch (node.type) {
      case 'char': case 'dot': case 'set': case 'R': case 'fail': return false;
      case 'seq': return node.items.every(nullable);
      case 'alt': return node.alts.some(nullable);
      case 'group': return ['la', 'nla', 'lb', 'nlb'].includes(node.kind) || nullable(node.body);
      case 'quant': return node.min === 0 || nullable(node.body);
      default: return true; // assertions, back references
    }
  }

  function capturesIn(node) {
    switch (node.type) {
      case 'seq': return node.items.some(capturesIn);
      case 'alt': return node.alts.some(capturesIn);
      case 'group': return node.kind === 'cap' || capturesIn(node.body);
      case 'quant': return capturesIn(node.body);
      default: return false;
    }
  }

  // Characters a branch always matches, or -1 when it can vary (lookbehinds need a fixed length).
  function fixedLength(node) {
    switch (node.type) {
      case 'char': case 'dot': case 'set': return 1;
      case 'assert': case 'fail': return 0;
      case 'seq': {
        let n = 0;
        for (const item of node.items) {
          const k = fixedLength(item);
          if (k < 0) return -1;
          n += k;
        }
        return n;
      }
      case 'alt': {
        const lengths = node.alts.map(fixedLength);
        return lengths.every((k) => k === lengths[0]) ? lengths[0] : -1;
      }
      case 'group':
        if (node.kind === 'la' || node.kind === 'nla' || node.kind === 'lb' || node.kind === 'nlb') return 0;
        return fixedLength(node.body);
      case 'quant': {
        if (node.min !== node.max) return -1;
        const k = fixedLength(node.body);
        return k < 0 ? -1 : k * node.min;
      }
      default: return -1; // back references, \R
    }
  }

  // ---------------------------------------------------------------------------------------
  // Emitter: tree -> JavaScript source (`u` flag)
  // ---------------------------------------------------------------------------------------

  const START = '(?<![\\s\\S])';
  const END = '(?![\\s\\S])';

  function lit(cp) {
    if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5A) || (cp >= 0x61 && cp <= 0x7A)) {
      return String.fromCharCode(cp);
    }
    return `\\u{${cp.toString(16)}}`;
  }

  // Byte mode matches each byte as the Latin-1 character of that code: JavaScript's `i` then folds
  // exactly OTP's Latin-1 case pairs, and every class is an explicit set of bytes (emitSet), so
  // JavaScript's own \s, \w or \p never apply to them.

  const fragTests = new Map();
  function fragTest(frag) {
    let re = fragTests.get(frag);
    if (!re) { re = new RegExp(`[${frag}]`, 'u'); fragTests.set(frag, re); }
    return re;
  }

  function itemHas(item, cp) {
    const s = String.fromCodePoint(cp);
    if (item.range) return cp >= item.range[0] && cp <= item.range[1];
    if (item.frag !== undefined) return fragTest(item.frag).test(s);
    if (item.not !== undefined) return !fragTest(item.not).test(s);
    if (item.and) return fragTest(item.and[0]).test(s) && !fragTest(item.and[1]).test(s);
    if (item.notAnd) return !(fragTest(item.notAnd[0]).test(s) && !fragTest(item.notAnd[1]).test(s));
    throw new Error('bad class item');
  }

  function byteSetSource(bits) {
    const parts = [];
    for (let b = 0; b < 256; b++) {
      if (!bits[b]) continue;
      let e = b;
      while (e + 1 < 256 && bits[e + 1]) e++;
      parts.push(e === b ? lit(b) : `${lit(b)}-${lit(e)}`);
      b = e;
    }
    if (parts.length === 0) return '[]';
    if (parts.length === 2 && bits.every((x) => x)) return '[\\s\\S]';
    return `[${parts.join('')}]`;
  }

  class Emitter {
    constructor(compiled, variant) {
      this.c = compiled;
      this.v = variant;
      this.bytes = !compiled.opts.unicode;
      this.ucp = compiled.opts.ucp;
      this.next = variant.notempty ? 2 : 1; // JavaScript group numbers, in order of '('
      this.jsIndex = new Array(compiled.ngroups + 1).fill(0);
    }

    emitTop() {
      this.number(this.c.tree.body);
      const body = this.emit(this.c.tree.body);
      // PCRE does not start a match between the CR and LF of a CRLF when CR and LF are not in
      // the pattern; matchAt deals with a search that begins there.
      if (this.v.guard) return `(?!(?<=\\r)\\n)(?:${body})`;
      if (!this.v.notempty) return `(?:${body})`;
      // Group 1 holds the rest of the subject from the start; at the end, matching it again
      // from here is possible only if nothing was consumed.
      return `(?=([\\s\\S]*))(?:${body})(?!\\1)`;
    }

    // Group numbers: capture groups and the hidden ones of atomic groups, in source order.
    number(node) {
      switch (node.type) {
        case 'seq': node.items.forEach((x) => this.number(x)); break;
        case 'alt': node.alts.forEach((x) => this.number(x)); break;
        case 'group':
          if (node.kind === 'atomic') node.hidden = this.next++;
          if (node.kind === 'cap') this.jsIndex[node.n] = this.next++;
          this.number(node.body);
          break;
        case 'quant':
          if (node.possessive) node.hidden = this.next++;
          this.number(node.body);
          break;
        default: break;
      }
    }

    nl() {
      switch (this.v.newline) {
        case 'lf': return '\\n';
        case 'cr': return '\\r';
        case 'crlf': return '\\r\\n';
        case 'anycrlf': return '\\r\\n|\\r|\\n';
        default: return '\\r\\n|[\\n\\v\\f\\r\\x85\\u2028\\u2029]';
      }
    }

    notNewline() {
      switch (this.v.newline) {
        case 'lf': return '[^\\n]';
        case 'cr': return '[^\\r]';
        case 'crlf': return '(?:[^\\r]|\\r(?!\\n))';
        case 'anycrlf': return '[^\\r\\n]';
        default: return '[^\\n\\v\\f\\r\\x85\\u2028\\u2029]';
      }
    }

    // After a newline, but not after one that ends the subject (PCRE's multiline ^).
    afterNewline() {
      switch (this.v.newline) {
        case 'lf': return '(?<=\\n)';
        case 'cr': return '(?<=\\r)';
        case 'crlf': return '(?<=\\r\\n)';
        // never between the CR and LF of a CRLF
        case 'anycrlf': return '(?:(?<=\\n)|(?<=\\r)(?!\\n))';
        default: return '(?:(?<=[\\n\\v\\f\\x85\\u2028\\u2029])|(?<=\\r)(?!\\n))';
      }
    }

    emit(node) {
      switch (node.type) {
        case 'char': return lit(node.cp);
        case 'dot': return node.nl ? this.notNewline() : '[\\s\\S]';
        case 'set': return this.emitSet(node);
        case 'assert': return this.emitAssert(node);
        case 'seq': return node.items.map((x) => this.emit(x)).join('');
        case 'alt': return node.alts.map((x) => this.emit(x)).join('|');
        case 'fail': return '(?!)';
        case 'R':
          if (this.c.opts.bsr === 'anycrlf') return '(?:\\r\\n|\\r(?!\\n)|\\n)';
          return '(?:\\r\\n|\\r(?!\\n)|[\\n\\v\\f\\x85\\u2028\\u2029])';
        case 'backref': return `(?:\\${this.jsIndex[node.n]})`;
        case 'group': return this.emitGroup(node);
        case 'quant': return this.emitQuant(node);
        default: throw new Error(`node ${node.type}`);
      }
    }

    emitGroup(node) {
      const body = this.emit(node.body);
      switch (node.kind) {
        case 'cap': return `(${body})`;
        case 'nc': return `(?:${body})`;
        case 'la': return `(?=${body})`;
        case 'nla': return `(?!${body})`;
        case 'lb': return `(?<=${body})`;
        case 'nlb': return `(?<!${body})`;
        // An atomic group: the lookahead commits to its first match, the back reference eats it.
        case 'atomic': return `(?:(?=(${body}))\\${node.hidden})`;
        default: throw new Error(node.kind);
      }
    }

    emitQuant(node) {
      const body = node.body;
      const inner = this.emit(body);
      if (body.type === 'group' && ['la', 'nla', 'lb', 'nlb'].includes(body.kind)) {
        // PCRE repeats an assertion at most once; an optional one is tried first (or last).
        if (node.max === 0) return '';
        if (node.min > 0) return inner;
        return node.lazy ? `(?:|${inner})` : `(?:${inner}|)`;
      }
      const base = body.type === 'fail' ? `(?:${inner})` : inner; // every other emitted atom is quantifiable
      if (this.asciiFirstRepeats(node)) {
        // PCRE 8.45 in UTF-8 mode checks the first `min` repeats of \w / \W (as + or {n,...}
        // with n >= 2 compile) against ASCII only, and any further ones against its tables.
        const ascii = body.escape === 'w' ? '[0-9A-Za-z_]' : '[^0-9A-Za-z_]';
        const more = node.max === Infinity ? '*' : `{0,${node.max - node.min}}`;
        const both = `${ascii}{${node.min}}${node.max === node.min ? '' : base + more + (node.lazy ? '?' : '')}`;
        return node.possessive ? `(?:(?=(${both}))\\${node.hidden})` : `(?:${both})`;
      }
      let q;
      if (node.min === 0 && node.max === Infinity) q = '*';
      else if (node.min === 1 && node.max === Infinity) q = '+';
      else if (node.min === 0 && node.max === 1) q = '?';
      else if (node.max === Infinity) q = `{${node.min},}`;
      else if (node.min === node.max) q = `{${node.min}}`;
      else q = `{${node.min},${node.max}}`;
      const quantified = base + q + (node.lazy ? '?' : '');
      if (!node.possessive) return quantified;
      return `(?:(?=(${quantified}))\\${node.hidden})`;
    }

    asciiFirstRepeats(node) {
      const body = node.body;
      return !this.bytes && !this.ucp && body.type === 'set' && (body.escape === 'w' || body.escape === 'W') &&
        (node.min >= 2 || (node.min === 1 && node.max === Infinity));
    }

    emitAssert(node) {
      switch (node.kind) {
        case 'bol':
          if (node.m) {
            const after = `${this.afterNewline()}${'(?=[\\s\\S])'}`;
            return this.v.notbol ? after : `(?:${START}|${after})`;
          }
          return this.v.notbol ? '(?!)' : START;
        case 'eol':
          if (node.m) return this.v.noteol ? `(?=${this.nl()})` : `(?=${this.nl()}|${END})`;
          if (this.v.noteol) return '(?!)';
          return this.c.opts.dollarEndonly ? END : `(?=(?:${this.nl()})?${END})`;
        case 'A': return START;
        case 'z': return END;
        case 'Z': return `(?=(?:${this.nl()})?${END})`;
        case 'b': case 'B': {
          // JavaScript's \b knows ASCII only; PCRE's word characters are Latin-1 or Unicode.
          const word = this.ucp ? UCP_WORD : LATIN1_WORD;
          const w = this.bytes ? this.emitSet({ neg: false, items: [{ frag: word }] }) : `[${word}]`;
          return node.kind === 'b' ? `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))` : `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w}))`;
        }
        default: throw new Error(node.kind);
      }
    }

    emitSet(node) {
      if (this.bytes) {
        const bits = new Array(256).fill(false);
        for (let b = 0; b < 256; b++) bits[b] = node.items.some((item) => itemHas(item, b));
        if (this.c.tree.caseless) {
          const base = bits.slice();
          for (let b = 0; b < 256; b++) if (base[b] && latin1Other(b) >= 0) bits[latin1Other(b)] = true;
        }
        return byteSetSource(node.neg ? bits.map((x) => !x) : bits);
      }
      const pos = [];
      const negs = [];
      for (const item of node.items) {
        if (item.range) {
          const [lo, hi] = item.range;
          pos.push(lo === hi ? lit(lo) : `${lit(lo)}-${lit(hi)}`);
        } else if (item.frag !== undefined) pos.push(item.frag);
        else if (item.not !== undefined) negs.push(`[^${item.not}]`);
        else if (item.and) negs.push(`(?![${item.and[1]}])[${item.and[0]}]`);
        else if (item.notAnd) negs.push(`(?:[^${item.notAnd[0]}]|[${item.notAnd[1]}])`);
      }
      const p = pos.join('');
      if (!node.neg) {
        if (negs.length === 0) return `[${p}]`;
        return `(?:${[...(p ? [`[${p}]`] : []), ...negs].join('|')})`;
      }
      if (negs.length === 0) return `[^${p}]`;
      // Not in any item: none of the positive ones, and every complemented one holds.
      const checks = negs.map((n) => `(?!${n})`).join('');
      return `(?:${p ? `(?![${p}])` : ''}${checks}[\\s\\S])`;
    }
  }

  // ---------------------------------------------------------------------------------------
  // Compiled patterns, cached by source and options
  // ---------------------------------------------------------------------------------------

  const cache = new Map();
  const CACHE_LIMIT = 500;

  function compile(sourceBytes, optionList) {
    const key = `${Array.from(sourceBytes).join(',')}|${optionList.map(optionKey).join(',')}`;
    let compiled = cache.get(key);
    if (compiled) return compiled;
    const opts = compileOptions(optionList);
    const text = utf8Lenient.decode(sourceBytes);
    const start = startVerbs(sourceBytes, opts);
    const { cps, offs } = decodePattern(sourceBytes, start, opts.unicode);
    const tree = new Parser(cps, offs, opts, text).parse();
    compiled = {
      tree, opts, text, ngroups: tree.ngroups, names: tree.names, variants: new Map(), hasCrOrLf: hasCrOrLf(tree.body),
      crlf: opts.newline === 'crlf' || opts.newline === 'anycrlf' || opts.newline === 'any',
    };
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, compiled);
    regexFor(compiled, { sticky: false, notempty: false, notbol: false, noteol: false, newline: opts.newline, guard: false });
    return compiled;
  }

  // Whether a CR or LF is written in the pattern (PCRE's HASCRORLF flag).
  function hasCrOrLf(node) {
    switch (node.type) {
      case 'char': return node.cp === 10 || node.cp === 13;
      // a single CR or LF in a class counts, a range that covers one does not
      case 'set': return node.items.some((item) => item.range && item.range[0] === item.range[1] &&
        (item.range[0] === 10 || item.range[0] === 13));
      case 'seq': return node.items.some(hasCrOrLf);
      case 'alt': return node.alts.some(hasCrOrLf);
      case 'group': case 'quant': return hasCrOrLf(node.body);
      default: return false;
    }
  }

  function optionKey(o) {
    if (o instanceof Atom) return o.name;
    if (o instanceof Tuple) return o.items.map(optionKey).join(':');
    return String(o);
  }

  function regexFor(compiled, variant) {
    const key = `${variant.sticky}${variant.notempty}${variant.notbol}${variant.noteol}${variant.newline}${variant.guard}`;
    let entry = compiled.variants.get(key);
    if (!entry) {
      const emitter = new Emitter(compiled, variant);
      const source = emitter.emitTop();
      const flags = `u${compiled.tree.caseless ? 'i' : ''}d${variant.sticky ? 'y' : 'g'}`;
      let re;
      try {
        re = new RegExp(source, flags);
      } catch (e) {
        throw new CompileError(`the pattern ${JSON.stringify(compiled.text)} could not be translated to a JavaScript RegExp (${e.message})`, 0, true);
      }
      entry = { re, source, flags, jsIndex: emitter.jsIndex };
      compiled.variants.set(key, entry);
    }
    return entry;
  }

  // ---------------------------------------------------------------------------------------
  // Subjects: UTF-8 or byte strings as JavaScript strings, with offset maps
  // ---------------------------------------------------------------------------------------

  class Subject {
    constructor(bytes, isUtf) {
      this.bytes = bytes;
      this.isUtf = isUtf;
      let ascii = true;
      for (let k = 0; k < bytes.length; k++) if (bytes[k] >= 0x80) { ascii = false; break; }
      this.identity = ascii || !isUtf;
      if (this.identity) {
        this.str = latin(bytes); // one character per byte
      } else {
        this.str = utf8Strict.decode(bytes); // throws on invalid UTF-8: badarg
        const u2b = new Int32Array(this.str.length + 1);
        const b2u = new Int32Array(bytes.length + 1).fill(-1);
        let b = 0;
        for (let u = 0; u < this.str.length; u++) {
          u2b[u] = b;
          b2u[b] = u;
          const code = this.str.charCodeAt(u);
          if (code >= 0xD800 && code <= 0xDBFF) { u2b[u + 1] = b; u++; b += 4; }
          else b += code < 0x80 ? 1 : code < 0x800 ? 2 : 3;
        }
        u2b[this.str.length] = b;
        b2u[b] = this.str.length;
        this.u2b = u2b;
        this.b2u = b2u;
      }
    }

    toByte(u) { return this.identity ? u : this.u2b[u]; }
    toUnit(b) { return this.identity ? b : this.b2u[b]; }
  }

  function latin(bytes) {
    let s = '';
    for (let k = 0; k < bytes.length; k += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(k, k + 0x8000));
    return s;
  }

  // ---------------------------------------------------------------------------------------
  // Matching with PCRE's run-time options
  // ---------------------------------------------------------------------------------------

  class BadArg extends Error {}

  function execRe(entry, str, at) {
    entry.re.lastIndex = at;
    let m = entry.re.exec(str);
    // V8 lets a zero-width match start between the halves of a surrogate pair, even in `u`
    // mode; PCRE works in whole characters, so look again from the next one.
    while (m && m.index > 0 && !entry.re.sticky && isLowSurrogate(str, m.index) && isHighSurrogate(str, m.index - 1)) {
      entry.re.lastIndex = m.index + 1;
      m = entry.re.exec(str);
    }
    return m ? { m, entry, start: m.index, end: m.index + m[0].length } : null;
  }

  const isHighSurrogate = (str, i) => { const c = str.charCodeAt(i); return c >= 0xD800 && c <= 0xDBFF; };
  const isLowSurrogate = (str, i) => { const c = str.charCodeAt(i); return c >= 0xDC00 && c <= 0xDFFF; };

  function nextUnit(str, u) {
    const code = str.charCodeAt(u);
    return u + (code >= 0xD800 && code <= 0xDBFF && u + 1 < str.length ? 2 : 1);
  }

  // The first newline at or after u (PCRE's firstline limit), or the end.
  function firstNewline(str, u, newline) {
    for (let k = u; k < str.length; k++) {
      const c = str[k];
      switch (newline) {
        case 'lf': if (c === '\n') return k; break;
        case 'cr': if (c === '\r') return k; break;
        case 'crlf': if (c === '\r' && str[k + 1] === '\n') return k; break;
        case 'anycrlf': if (c === '\r' || c === '\n') return k; break;
        default:
          if ('\n\v\f\r\x85\u2028\u2029'.includes(c)) return k;
      }
    }
    return str.length;
  }

  // One PCRE match attempt from unit `from` (what pcre_exec does for one call).
  function matchAt(compiled, subject, from, f) {
    const str = subject.str;
    const sticky = compiled.opts.anchored || f.anchored;
    const variant = { sticky, notempty: false, notbol: f.notbol, noteol: f.noteol, newline: f.newline, guard: false };
    const guard = !sticky && !compiled.hasCrOrLf && ['crlf', 'any', 'anycrlf'].includes(f.newline);
    const plain = regexFor(compiled, { ...variant, guard });
    // A search may start between CR and LF only at its first position.
    const search = (p) => {
      if (guard && p === from && str[p - 1] === '\r' && str[p] === '\n') {
        return execRe(regexFor(compiled, { ...variant, sticky: true }), str, p) || execRe(plain, str, p + 1);
      }
      return execRe(plain, str, p);
    };
    let found;
    if (f.notempty || f.notemptyAtstart) {
      const nonEmpty = regexFor(compiled, { ...variant, sticky: true, notempty: true });
      if (sticky) {
        found = execRe(nonEmpty, str, from);
      } else {
        let p = from;
        for (;;) {
          found = search(p);
          if (!found || found.end > found.start) break;
          const q = found.start;
          if (!f.notempty && q !== from) break; // an empty match away from the start is fine
          const retry = execRe(nonEmpty, str, q);
          if (retry) { found = retry; break; }
          if (q >= str.length) { found = null; break; }
          p = nextUnit(str, q);
          if (!f.notempty) { found = search(p); break; }
        }
      }
    } else {
      found = search(from);
    }
    if (found && compiled.opts.firstline && !sticky) {
      if (found.start > firstNewline(str, from, f.newline)) found = null;
    }
    return found;
  }

  // PCRE group n of a match as [byteStart, byteLength], [-1, 0] when unset.
  function groupOf(found, subject, n) {
    if (n === 0) {
      const s = subject.toByte(found.start);
      return [s, subject.toByte(found.end) - s];
    }
    const span = found.m.indices[found.entry.jsIndex[n]];
    if (!span) return [-1, 0];
    const s = subject.toByte(span[0]);
    return [s, subject.toByte(span[1]) - s];
  }

  function lastSetGroup(found, compiled, subject) {
    for (let n = compiled.ngroups; n > 0; n--) {
      if (groupOf(found, subject, n)[0] >= 0) return n;
    }
    return 0;
  }

  // The capture list PCRE returns for one match, in the requested form: {Start, Length}
  // tuples, binaries or lists. Built here rather than in re.erl: binary_to_term allocates the
  // whole result at once, and this VM is slow to grow a process heap step by step.
  function captured(found, compiled, subject, capture, type) {
    const pair = (n) => {
      const [s, l] = n > compiled.ngroups ? [-1, 0] : groupOf(found, subject, n);
      if (type === 'index') return tuple(s, l);
      if (type === 'binary') return s < 0 ? new Uint8Array(0) : subject.bytes.subarray(s, s + l);
      if (l === 0) return [];
      const part = subject.bytes.subarray(s, s + l);
      return compiled.opts.unicode ? Array.from(utf8Lenient.decode(part), (c) => c.codePointAt(0)) : Array.from(part);
    };
    const range = (from, to) => { const out = []; for (let n = from; n < to; n++) out.push(pair(n)); return out; };
    switch (capture.kind) {
      case 'all': return range(0, lastSetGroup(found, compiled, subject) + 1);
      case 'all_but_first': return range(1, lastSetGroup(found, compiled, subject) + 1);
      case 'first': return [pair(0)];
      case 'all_names': return compiled.names.map(([, n]) => pair(n));
      case 'list':
        return capture.items.map((item) => {
          if (typeof item === 'number') return pair(item);
          const named = compiled.names.find(([name]) => name === item);
          return pair(named ? named[1] : compiled.ngroups + 1); // an unknown name is an unset group
        });
      default: throw new Error(capture.kind);
    }
  }

  function runOptions(list, compiled) {
    const f = {
      global: false, anchored: false, notbol: false, noteol: false, notempty: false, notemptyAtstart: false,
      offset: 0, capture: { kind: 'all' }, type: 'index', newline: compiled.opts.newline,
    };
    for (const o of list) {
      if (o instanceof Atom) {
        switch (o.name) {
          case 'global': f.global = true; break;
          case 'anchored': f.anchored = true; break;
          case 'notbol': f.notbol = true; break;
          case 'noteol': f.noteol = true; break;
          case 'notempty': f.notempty = true; break;
          case 'notempty_atstart': f.notemptyAtstart = true; break;
          default: break;
        }
      } else if (o instanceof Tuple) {
        const [key, value] = o.items;
        if (key.name === 'offset') f.offset = value;
        else if (key.name === 'newline') f.newline = value.name;
        else if (key.name === 'capture') { f.capture = captureSpec(value); f.type = o.items[2] ? o.items[2].name : 'index'; }
      }
    }
    return f;
  }

  function captureSpec(value) {
    if (value instanceof Atom) return { kind: value.name };
    return { kind: 'list', items: value.map((x) => (x instanceof Uint8Array ? byteString(x) : x)) };
  }

  // re:run/3 without `global` (one pcre_exec), or OTP 25's global loop (re.erl's loopexec,
  // reproduced step by step, including its retry at the search start after an empty match).
  function run(compiled, subjectBytes, optionList) {
    const f = runOptions(optionList, compiled);
    let subject;
    try {
      subject = new Subject(subjectBytes, compiled.opts.unicode);
    } catch (e) {
      throw new BadArg('the subject is not valid UTF-8');
    }
    const none = f.capture.kind === 'none' || (f.capture.kind === 'list' && f.capture.items.length === 0) ||
      (f.capture.kind === 'all_names' && compiled.names.length === 0);
    const unitOf = (b) => {
      const u = subject.toUnit(b);
      if (u < 0 || u === undefined) throw new BadArg('the offset is not at a character boundary');
      return u;
    };
    const len = subjectBytes.length;
    if (!f.global) {
      if (f.offset > len) throw new BadArg('the offset is past the end of the subject');
      const found = matchAt(compiled, subject, unitOf(f.offset), f);
      if (!found) return atom('nomatch');
      if (none) return atom('match');
      return tuple(atom('match'), captured(found, compiled, subject, f.capture, f.type));
    }
    const matches = [];
    let x = f.offset;
    const retryFlags = { ...f, notemptyAtstart: true, anchored: true };
    while (x <= len) {
      const found = matchAt(compiled, subject, unitOf(x), f);
      if (!found) break;
      matches.push(found);
      const a = subject.toByte(found.start);
      const b = subject.toByte(found.end) - a;
      if (b > 0) { x = a + b; continue; }
      const retry = matchAt(compiled, subject, unitOf(x), retryFlags);
      if (retry && retry.end > retry.start) {
        matches.push(retry);
        x = a + (subject.toByte(retry.end) - subject.toByte(retry.start));
      } else {
        x = forward(subjectBytes, a, compiled);
      }
    }
    if (matches.length === 0) return atom('nomatch');
    if (none) return atom('match');
    return tuple(atom('match'), matches.map((found) => captured(found, compiled, subject, f.capture, f.type)));
  }

  // One character on (two bytes over a CRLF when CRLF is a newline), as re.erl's forward/5.
  function forward(bytes, a, compiled) {
    if (compiled.crlf && bytes[a] === 13 && bytes[a + 1] === 10) return a + 2;
    if (!compiled.opts.unicode) return a + 1;
    const b = bytes[a];
    return a + (b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1);
  }

  // ---------------------------------------------------------------------------------------
  // Requests from re.erl
  // ---------------------------------------------------------------------------------------

  function compileReply(compiled) {
    return tuple(atom('ok'), compiled.ngroups, compiled.names.map(([name, n]) => tuple(stringBytes(name), n)),
      compiled.opts.unicode ? 1 : 0, compiled.crlf ? 1 : 0);
  }

  function errorReply(e) {
    if (e instanceof CompileError) return tuple(atom(e.unsupported ? 'unsupported' : 'error'), e.message, e.offset);
    if (e instanceof BadArg) return tuple(atom('badarg'), e.message);
    return tuple(atom('internal'), String(e && e.stack || e));
  }

  function handle(request) {
    const [op, ...args] = request.items;
    try {
      switch (op.name) {
        case 'compile': return compileReply(compile(args[0], args[1]));
        case 'run': {
          const [source, copts, ropts, subject] = args;
          return run(compile(source, copts), subject, ropts);
        }
        case 'version': return VERSION;
        default: throw new Error(`unknown request ${op.name}`);
      }
    } catch (e) {
      return errorReply(e);
    }
  }

  // Never throws: an exception here would leave the VM waiting forever for its answer.
  function call(b64) {
    try {
      return bytesToB64(encodeTerm(handle(decodeTerm(b64ToBytes(b64)))));
    } catch (e) {
      try { return bytesToB64(encodeTerm(tuple(atom('internal'), String(e && e.stack || e)))); } catch (e2) { return ''; }
    }
  }

  // For tests: the JavaScript a pattern becomes.
  function translate(source, optionNames, variant) {
    const bytes = typeof source === 'string' ? utf8.encode(source) : source;
    const list = optionNames.map((o) => (Array.isArray(o) ? tuple(atom(o[0]), atom(o[1])) : atom(o)));
    const compiled = compile(bytes, list);
    const entry = regexFor(compiled, {
      sticky: false, notempty: false, notbol: false, noteol: false, newline: compiled.opts.newline, guard: false,
      ...(variant || {}),
    });
    return { source: entry.source, flags: entry.flags, groups: compiled.ngroups, names: compiled.names };
  }

  root.__wasmblogRe = { version: VERSION, call, translate, CompileError };
})(globalThis);
