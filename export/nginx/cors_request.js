// cors_request reads, for the configuration that corsfmt export -format
// nginx writes, the request header lines nginx 1.22 does not show as they
// were received: its $http_ variables hold the first of several lines, and
// an empty line reads as an absent one. Each function reads the lines as
// eval.RequestOf does (names in any case, values trimmed of spaces and
// tabs) and returns a fact the policy's maps match; none of them knows the
// policy. A value that is not what a browser sends reads as one no rule
// grants, never as one some rule does.

// values returns the trimmed values of the header lines called name, which
// is lower-case, in the order they were received.
function values(r, name) {
    var out = [];
    var h = r.rawHeadersIn;
    for (var i = 0; i < h.length; i++) {
        if (h[i][0].toLowerCase() === name) {
            out.push(trim(h[i][1]));
        }
    }
    return out;
}

// trim removes leading and trailing spaces and tabs, as Go's textproto
// does; nginx keeps tabs.
function trim(s) {
    var a = 0, b = s.length;
    while (a < b && (s[a] === ' ' || s[a] === '\t')) {
        a++;
    }
    while (b > a && (s[b - 1] === ' ' || s[b - 1] === '\t')) {
        b--;
    }
    return s.substring(a, b);
}

// kind classifies the request: "n" without an Origin line, "p" for an
// OPTIONS request with an Access-Control-Request-Method line (even an
// empty one), "a" for any other request with an Origin line.
function kind(r) {
    if (values(r, 'origin').length === 0) {
        return 'n';
    }
    if (r.method === 'OPTIONS' && values(r, 'access-control-request-method').length > 0) {
        return 'p';
    }
    return 'a';
}

// origin returns the Origin value when the request has exactly one Origin
// line, and "" (which no origin is) otherwise. It returns "" too for two
// kinds of value the maps' regular expressions cannot judge: a host in
// brackets that is not an IPv6 address as browsers serialise it, and a
// name with a label starting with "xn--" that is not punycode UTS 46
// accepts (idnaHost). The maps judge the rest.
function origin(r) {
    var v = values(r, 'origin');
    if (v.length !== 1) {
        return '';
    }
    var m = /^https?:\/\/\[([^\]]*)\]/.exec(v[0]);
    if (m !== null) {
        return serialisedIPv6(m[1]) ? v[0] : '';
    }
    m = /^https?:\/\/([a-z0-9_.-]{1,253})(?::[0-9]+)?$/.exec(v[0]);
    if (m !== null && /(?:^|\.)xn--/.test(m[1]) && !idnaHost(m[1])) {
        return '';
    }
    return v[0];
}

// idnaHost reports whether host, of lower-case letters, digits, hyphens,
// underscores and dots, is a name as compile's validHost defines one (SPEC.md,
// "Hosts"): labels of 1 to 63 bytes, and every label that starts with
// "xn--" punycode that UTS 46 accepts with the URL Standard's options and
// that encodes back to itself. It runs the steps of Go's
// golang.org/x/net/idna in the compiler's profile, on the Unicode
// properties idna_tables.js holds; TestIDNAHostInNjs holds the two to the
// same answer. Each label is at most 63 bytes, so the work is bounded.
function idnaHost(host) {
    var labels = host.split('.');
    var decoded = [];
    var rtl = false;
    for (var i = 0; i < labels.length; i++) {
        var label = labels[i];
        if (label.length === 0 || label.length > 63) {
            return false;
        }
        if (label.substring(0, 4) !== 'xn--') {
            decoded.push(codePoints(label));
            continue;
        }
        var u = punycodeDecode(label.substring(4));
        if (u === null || u.length === 0 || isASCII(u)) {
            return false;
        }
        var p = u.map(props);
        if (!idnaLabel(u, p) || punycodeEncode(u) !== label.substring(4)) {
            return false;
        }
        for (var j = 0; j < u.length; j++) {
            var c = (p[j] >> 5) & 31;
            if (c === bidiR || c === bidiAL || c === bidiAN) {
                rtl = true;
            }
        }
        decoded.push(u);
    }
    // UTS 46's CheckBidi: in a name with a right-to-left label, every
    // label keeps the Bidi rule.
    for (var k = 0; rtl && k < decoded.length; k++) {
        if (!bidiRule(decoded[k].map(props))) {
            return false;
        }
    }
    return true;
}

// codePoints returns the code points of an ASCII string.
function codePoints(s) {
    var out = [];
    for (var i = 0; i < s.length; i++) {
        out.push(s.charCodeAt(i));
    }
    return out;
}

function isASCII(cps) {
    for (var i = 0; i < cps.length; i++) {
        if (cps[i] >= 0x80) {
            return false;
        }
    }
    return true;
}

// digits returns the number written in the n base-64 digits of table
// (U+0030 + the digit, the most significant first) at index i.
function digits(table, i, n) {
    var v = 0;
    for (var k = 0; k < n; k++) {
        v = v * 64 + table.charCodeAt(i + k) - 48;
    }
    return v;
}

// lastAtMost returns the index of the last record of table, records of size
// characters whose key is their first keySize, with a key at most key; -1
// when the first record's is greater.
function lastAtMost(table, size, keySize, key) {
    var lo = 0, hi = table.length / size - 1, found = -1;
    while (lo <= hi) {
        var mid = (lo + hi) >> 1;
        if (digits(table, mid * size, keySize) <= key) {
            found = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return found;
}

// props returns the properties idna_tables.js holds for cp.
function props(cp) {
    if (cp < 0x3000) {
        return digits(idnaPropsLow, cp * 3, 3);
    }
    return digits(idnaProps, lastAtMost(idnaProps, 7, 4, cp) * 7 + 4, 3);
}

// combiningClass returns the canonical combining class of cp.
function combiningClass(cp) {
    if (cp < 0x3000) {
        return digits(idnaCombiningLow, cp * 2, 2);
    }
    return digits(idnaCombining, lastAtMost(idnaCombining, 6, 4, cp) * 6 + 4, 2);
}

// idnaLabel reports whether a decoded label, the code points u with their
// properties p, passes UTS 46's checks of one label: every code point
// valid (NFC, and neither mapped nor disallowed), the label in NFC, no
// mark first, and ContextJ for the joiners. A label whose code points NFC
// leaves alone wherever they stand is in NFC without normalising it.
function idnaLabel(u, p) {
    var quick = true;
    for (var i = 0; i < u.length; i++) {
        if ((p[i] & 1) === 0) {
            return false;
        }
        quick = quick && (p[i] & 1024) !== 0;
    }
    if ((p[0] & 2) !== 0 || !quick && (!streamSafe(u, p) || !sameCodePoints(nfc(u), u))) {
        return false;
    }
    return contextJ(u, p);
}

// streamSafe reports whether u keeps the bound Go's golang.org/x/text
// normaliser sets (UAX 15's Stream-Safe Text Format): at most 30
// non-starters in a row, counted over each code point's decomposition.
// Past it, Go's NFC inserts U+034F, so such a label is not in NFC to the
// engine. A starter (combining class 0, composing with nothing before it)
// ends a run and leaves the non-starters its decomposition ends with;
// any other code point adds those its decomposition holds. A label of
// starters that NFC leaves alone never comes near the bound.
function streamSafe(u, p) {
    var run = 0;
    for (var i = 0; i < u.length; i++) {
        var n = decompositionLength(u[i], p[i]);
        if ((p[i] & 4096) === 0 && combiningClass(u[i]) === 0) {
            run = n - 1;
        } else if ((run += n) > 30) {
            return false;
        }
    }
    return true;
}

// decompositionLength returns how many code points cp, with properties p,
// decomposes to canonically.
function decompositionLength(cp, p) {
    var s = cp - 0xac00;
    if (s >= 0 && s < 11172) {
        return s % 28 === 0 ? 2 : 3;
    }
    var d = [];
    return (p & 2048) !== 0 && decompose(cp, d) ? d.length : 1;
}

function sameCodePoints(a, b) {
    if (a.length !== b.length) {
        return false;
    }
    for (var i = 0; i < a.length; i++) {
        if (a[i] !== b[i]) {
            return false;
        }
    }
    return true;
}

// joinNext is RFC 5892's ContextJ rules for U+200C and U+200D as an
// automaton, in the shape x/net/idna runs them: the next state, at index
// state × 7 + input, of a state (start, after a virama, before a joiner,
// the same after a virama, after U+200C, failed) and an input (a code
// point that joins nothing or joins on the right, one that joins on the
// left, dual-joining, transparent, U+200C, U+200D, and a virama, which
// follows the code point's own input). A string, as the tables are.
var joinNext = '022055102200000222453022200005245545555555';

function contextJ(u, p) {
    if (u.indexOf(0x200c) < 0 && u.indexOf(0x200d) < 0) {
        return true;
    }
    var state = 0;
    for (var i = 0; i < u.length; i++) {
        var input = (p[i] >> 3) & 3;
        if (u[i] === 0x200c) {
            input = 4;
        } else if (u[i] === 0x200d) {
            input = 5;
        }
        state = joinNext.charCodeAt(state * 7 + input) - 48;
        if ((p[i] & 4) !== 0) {
            state = joinNext.charCodeAt(state * 7 + 6) - 48;
        }
    }
    return state !== 4 && state !== 5;
}

// bidiRule reports whether a label, given as the properties of its code
// points, keeps RFC 5893's Bidi rule, as golang.org/x/text/secure/bidirule
// reads it.
function bidiRule(p) {
    var neutral = 1 << bidiES | 1 << bidiCS | 1 << bidiET | 1 << bidiON | 1 << bidiBN;
    // By state (initial, left-to-right, its final, right-to-left, its
    // final): the classes that lead to a final state, and those that lead
    // to a non-final one.
    var toFinal = [1 << bidiL, 1 << bidiL | 1 << bidiEN, 1 << bidiL | 1 << bidiEN | 1 << bidiNSM,
        1 << bidiR | 1 << bidiAL | 1 << bidiEN | 1 << bidiAN, 1 << bidiR | 1 << bidiAL | 1 << bidiEN | 1 << bidiAN | 1 << bidiNSM];
    var toOther = [0, neutral | 1 << bidiNSM, neutral, neutral | 1 << bidiNSM, neutral];
    var state = 0, seen = 0;
    for (var i = 0; i < p.length; i++) {
        var c = 1 << ((p[i] >> 5) & 31);
        seen |= c;
        if ((seen & (1 << bidiEN)) !== 0 && (seen & (1 << bidiAN)) !== 0) {
            return false;
        }
        if (state === 0 && (c & (1 << bidiR | 1 << bidiAL)) !== 0) {
            state = 4;
        } else if ((toFinal[state] & c) !== 0) {
            state = state === 0 ? 2 : (state <= 2 ? 2 : 4);
        } else if ((toOther[state] & c) !== 0) {
            state = state <= 2 ? 1 : 3;
        } else {
            return false;
        }
    }
    return state === 0 || state === 2 || state === 4;
}

// punycodeDecode returns the code points RFC 3492 decodes s (a label
// without its "xn--") to, or null where x/net/idna's decoder fails.
function punycodeDecode(s) {
    var maxInt = 2147483647;
    if (s === '') {
        return [];
    }
    var pos = s.lastIndexOf('-') + 1;
    if (pos === 1) {
        return null;
    }
    if (pos === s.length) {
        return codePoints(s.substring(0, s.length - 1));
    }
    var out = pos === 0 ? [] : codePoints(s.substring(0, pos - 1));
    var i = 0, n = 128, bias = 72;
    while (pos < s.length) {
        var oldI = i, w = 1;
        for (var k = 36; ; k += 36) {
            if (pos === s.length) {
                return null;
            }
            var digit = punycodeDigit(s.charCodeAt(pos));
            if (digit < 0) {
                return null;
            }
            pos++;
            if (digit * w > maxInt - i) {
                return null;
            }
            i += digit * w;
            var t = k <= bias ? 1 : (k >= bias + 26 ? 26 : k - bias);
            if (digit < t) {
                break;
            }
            if (w * (36 - t) > maxInt) {
                return null;
            }
            w *= 36 - t;
        }
        if (out.length >= 1024) {
            return null;
        }
        var x = out.length + 1;
        bias = punycodeAdapt(i - oldI, x, oldI === 0);
        n += Math.floor(i / x);
        i %= x;
        if (n > 0x10ffff) {
            return null;
        }
        out.push(0);
        for (var m = out.length - 1; m > i; m--) {
            out[m] = out[m - 1];
        }
        out[i] = n;
        i++;
    }
    return out;
}

function punycodeDigit(c) {
    if (c >= 0x30 && c <= 0x39) {
        return c - 0x30 + 26;
    }
    if (c >= 0x61 && c <= 0x7a) {
        return c - 0x61;
    }
    if (c >= 0x41 && c <= 0x5a) {
        return c - 0x41;
    }
    return -1;
}

// punycodeEncode returns the punycode of the code points u, without
// "xn--", or null where x/net/idna's encoder fails.
function punycodeEncode(u) {
    var maxInt = 2147483647;
    var out = '', n = 128, delta = 0, bias = 72, b = 0, remaining = 0;
    for (var i = 0; i < u.length; i++) {
        if (u[i] < 0x80) {
            b++;
            out += String.fromCharCode(u[i]);
        } else {
            remaining++;
        }
    }
    var h = b;
    if (b > 0) {
        out += '-';
    }
    while (remaining !== 0) {
        var m = maxInt;
        for (var j = 0; j < u.length; j++) {
            if (m > u[j] && u[j] >= n) {
                m = u[j];
            }
        }
        if ((m - n) * (h + 1) > maxInt - delta) {
            return null;
        }
        delta += (m - n) * (h + 1);
        n = m;
        for (var l = 0; l < u.length; l++) {
            if (u[l] < n) {
                delta++;
                if (delta > maxInt) {
                    return null;
                }
                continue;
            }
            if (u[l] > n) {
                continue;
            }
            var q = delta;
            for (var k = 36; ; k += 36) {
                var t = k <= bias ? 1 : (k >= bias + 26 ? 26 : k - bias);
                if (q < t) {
                    break;
                }
                out += punycodeChar(t + (q - t) % (36 - t));
                q = Math.floor((q - t) / (36 - t));
            }
            out += punycodeChar(q);
            bias = punycodeAdapt(delta, h + 1, h === b);
            delta = 0;
            h++;
            remaining--;
        }
        delta++;
        n++;
    }
    return out;
}

function punycodeChar(d) {
    return String.fromCharCode(d < 26 ? 0x61 + d : 0x30 + d - 26);
}

function punycodeAdapt(delta, points, first) {
    delta = first ? Math.floor(delta / 700) : Math.floor(delta / 2);
    delta += Math.floor(delta / points);
    var k = 0;
    while (delta > 455) {
        delta = Math.floor(delta / 35);
        k += 36;
    }
    return k + Math.floor(36 * delta / (delta + 38));
}

// nfc returns the code points u in Unicode Normalization Form C: the full
// canonical decomposition, marks in canonical order, then canonical
// composition (UAX 15), Hangul by arithmetic and the rest by
// idna_tables.js.
function nfc(u) {
    var d = [];
    for (var i = 0; i < u.length; i++) {
        var cp = u[i];
        var s = cp - 0xac00;
        if (s >= 0 && s < 11172) {
            d.push(0x1100 + Math.floor(s / 588), 0x1161 + Math.floor((s % 588) / 28));
            if (s % 28 !== 0) {
                d.push(0x11a7 + s % 28);
            }
        } else if ((props(cp) & 2048) === 0 || !decompose(cp, d)) {
            d.push(cp);
        }
    }
    // Canonical order: a stable sort of each run of marks by class.
    var ccc = d.map(combiningClass);
    for (var a = 1; a < d.length; a++) {
        for (var z = a; z > 0 && ccc[z] !== 0 && ccc[z - 1] > ccc[z]; z--) {
            var tc = ccc[z]; ccc[z] = ccc[z - 1]; ccc[z - 1] = tc;
            var td = d[z]; d[z] = d[z - 1]; d[z - 1] = td;
        }
    }
    if (d.length === 0) {
        return d;
    }
    var out = [d[0]];
    var starter = ccc[0] === 0 ? 0 : -1;
    var last = ccc[0] === 0 ? 0 : 256;
    for (var p = 1; p < d.length; p++) {
        var c = ccc[p];
        // A mark is blocked from the starter by one of its class or
        // higher between them (last, the class of the rune before it).
        var composite = starter >= 0 && (last < c || last === 0) ? compose(out[starter], d[p]) : -1;
        if (composite >= 0) {
            out[starter] = composite;
            continue;
        }
        if (c === 0) {
            starter = out.length;
        }
        last = c;
        out.push(d[p]);
    }
    return out;
}

// compose returns the primary composite of starter and cp, or -1.
function compose(starter, cp) {
    if ((props(cp) & 4096) === 0) {
        return -1;
    }
    var l = starter - 0x1100, v = cp - 0x1161;
    if (l >= 0 && l < 19 && v >= 0 && v < 21) {
        return 0xac00 + (l * 21 + v) * 28;
    }
    var s = starter - 0xac00, t = cp - 0x11a7;
    if (s >= 0 && s < 11172 && s % 28 === 0 && t > 0 && t < 28) {
        return starter + t;
    }
    var key = starter * 16777216 + cp;
    var i = lastAtMost(idnaCompositions, 12, 8, key) * 12;
    return i >= 0 && digits(idnaCompositions, i, 8) === key ? digits(idnaCompositions, i + 8, 4) : -1;
}

// decompose appends to d the full canonical decomposition of cp, not a
// Hangul syllable, and reports whether it has one.
function decompose(cp, d) {
    var i = lastAtMost(idnaDecompositions, 20, 4, cp) * 20;
    if (i < 0 || digits(idnaDecompositions, i, 4) !== cp) {
        return false;
    }
    for (var k = i + 4; k < i + 20; k += 4) {
        var part = digits(idnaDecompositions, k, 4);
        if (part !== 0) {
            d.push(part);
        }
    }
    return true;
}


// serialisedIPv6 reports whether s is an IPv6 address in the one form the
// URL Standard serialises it in (compile's serialisedIPv6): eight pieces
// of lower-case hex without leading zeros, the first longest run of two or
// more zero pieces written "::", no dotted IPv4 tail, no zone.
function serialisedIPv6(s) {
    if (s.length === 0 || s.length > 39 || !/^[0-9a-f:]+$/.test(s)) {
        return false;
    }
    var halves = s.split('::');
    if (halves.length > 2) {
        return false;
    }
    var piecesOf = function (h) {
        if (h === '') {
            return [];
        }
        var out = h.split(':');
        for (var i = 0; i < out.length; i++) {
            if (!/^[0-9a-f]{1,4}$/.test(out[i])) {
                return null;
            }
            out[i] = parseInt(out[i], 16);
        }
        return out;
    };
    var head = piecesOf(halves[0]);
    var tail = halves.length === 2 ? piecesOf(halves[1]) : [];
    if (head === null || tail === null) {
        return false;
    }
    var pieces;
    if (halves.length === 2) {
        if (head.length + tail.length > 7) {
            return false;
        }
        pieces = head.concat(new Array(8 - head.length - tail.length).fill(0), tail);
    } else {
        if (head.length !== 8) {
            return false;
        }
        pieces = head;
    }
    // The first longest run of two or more zero pieces.
    var run = -1, runLen = 1;
    for (var i = 0; i < 8;) {
        var j = i;
        while (j < 8 && pieces[j] === 0) {
            j++;
        }
        if (j - i > runLen) {
            run = i;
            runLen = j - i;
        }
        i = j === i ? j + 1 : j;
    }
    var out = '';
    for (var k = 0; k < 8; k++) {
        if (k === run) {
            out += '::';
            k += runLen - 1;
            continue;
        }
        if (out.length > 0 && out[out.length - 1] !== ':') {
            out += ':';
        }
        out += pieces[k].toString(16);
    }
    return out === s;
}

// requestMethod returns the Access-Control-Request-Method value when there
// is exactly one line, and "" (which no method is) otherwise.
function requestMethod(r) {
    var v = values(r, 'access-control-request-method');
    return v.length === 1 ? v[0] : '';
}

// tchar reports whether c, a one-character string, may stand in a token.
function tchar(c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
}

// requestHeaders returns the names of the Access-Control-Request-Headers
// lines, lower-case, each followed by a comma ("" for none), or "/" when
// no rule can grant them: more than 64 lines or 64 names, more than 4096
// bytes once the lines are joined with commas, or a name that is not a
// token (any byte outside ASCII is in one).
function requestHeaders(r) {
    var lines = values(r, 'access-control-request-headers');
    if (lines.length > 64) {
        return '/';
    }
    var total = 0, names = 0, out = '';
    for (var i = 0; i < lines.length; i++) {
        var line = lines[i];
        total += line.length + 1;
        if (total > 4097) {
            return '/';
        }
        var parts = line.split(',');
        for (var j = 0; j < parts.length; j++) {
            var name = trim(parts[j]);
            if (name === '') {
                continue;
            }
            names++;
            if (names > 64) {
                return '/';
            }
            for (var k = 0; k < name.length; k++) {
                if (!tchar(name[k])) {
                    return '/';
                }
            }
            out += name.toLowerCase() + ',';
        }
    }
    return out;
}

// requestHeaderLines returns "1" when the request has an
// Access-Control-Request-Headers line, and "0" otherwise.
function requestHeaderLines(r) {
    return values(r, 'access-control-request-headers').length > 0 ? '1' : '0';
}

// requestHeadersEcho returns the Access-Control-Request-Headers lines that
// hold a name, joined with ", ": the answer of a rule that grants every
// header with credentials, where "*" would be read literally. It is used
// only once the names are granted, so it holds only tokens and separators.
function requestHeadersEcho(r) {
    var lines = values(r, 'access-control-request-headers');
    var out = [];
    for (var i = 0; i < lines.length; i++) {
        if (lines[i].replace(/^[ \t,]+/, '') !== '') {
            out.push(lines[i]);
        }
    }
    return out.join(', ');
}

// cookie returns "1" when the request has a Cookie line, even an empty
// one: the sign of credentials.
function cookie(r) {
    return values(r, 'cookie').length > 0 ? '1' : '0';
}

// privateNetwork returns "t" when the first
// Access-Control-Request-Private-Network line is "true", and "f" otherwise.
function privateNetwork(r) {
    var v = values(r, 'access-control-request-private-network');
    return v.length > 0 && v[0] === 'true' ? 't' : 'f';
}

// guarded returns f, made to answer fallback should it throw on bytes it
// cannot read: a fallback is always a value no rule grants.
function guarded(f, fallback) {
    return function (r) {
        try {
            return f(r);
        } catch (e) {
            return fallback;
        }
    };
}

export default {
    kind: guarded(kind, 'a'),
    origin: guarded(origin, ''),
    requestMethod: guarded(requestMethod, ''),
    requestHeaders: guarded(requestHeaders, '/'),
    requestHeaderLines: guarded(requestHeaderLines, '0'),
    requestHeadersEcho: guarded(requestHeadersEcho, ''),
    cookie: guarded(cookie, '1'),
    privateNetwork: guarded(privateNetwork, 'f'),
};
