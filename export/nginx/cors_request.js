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
    // The properties of each xn-- label's code points, for the Bidi rule;
    // null for an ASCII label, whose are looked up only when it runs.
    var labelProps = [];
    var rtl = false;
    for (var i = 0; i < labels.length; i++) {
        var label = labels[i];
        if (label.length === 0 || label.length > 63) {
            return false;
        }
        if (label.substring(0, 4) !== 'xn--') {
            labelProps.push(null);
            continue;
        }
        var u = punycodeDecode(label.substring(4));
        if (u === null || u.length === 0 || isASCII(u)) {
            return false;
        }
        var rows = u.map(runeRow);
        var p = rows.map(rowProps);
        if (!idnaLabel(u, p, rows) || !punycodeEncodes(u, label.substring(4))) {
            return false;
        }
        for (var j = 0; j < u.length; j++) {
            var c = (p[j] >> 5) & 31;
            if (c === bidiR || c === bidiAL || c === bidiAN) {
                rtl = true;
            }
        }
        labelProps.push(p);
    }
    // UTS 46's CheckBidi: in a name with a right-to-left label, every
    // label keeps the Bidi rule.
    for (var k = 0; rtl && k < labels.length; k++) {
        if (!bidiRule(labelProps[k] || codePoints(labels[k]).map(props))) {
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

// digits returns the number written in the n base-36 digits of table at
// index i. parseInt is native code: reading four digits one by one in njs
// takes 0.44 µs, parseInt 0.18 µs.
function digits(table, i, n) {
    return parseInt(table.substring(i, i + n), 36);
}

// runeRow returns the row of idnaValues that holds cp's properties,
// through the two-stage table idnaBlocks, idnaBlockRows.
function runeRow(cp) {
    return digits(idnaBlockRows, (digits(idnaBlocks, (cp >> 7) * 2, 2) * 128 + (cp & 127)) * 2, 2);
}

// rowProps returns the properties in row of idnaValues.
function rowProps(row) {
    return digits(idnaValues, row * 6, 6);
}

// props returns the properties idna_tables.js holds for cp.
function props(cp) {
    return rowProps(runeRow(cp));
}

// combiningClass returns the canonical combining class of a rune with
// properties p.
function combiningClass(p) {
    return (p >> 13) & 255;
}

// idnaLabel reports whether a decoded label, the code points u with their
// properties p and rows of idnaValues, passes UTS 46's checks of one
// label: every code point valid (NFC, and neither mapped nor disallowed),
// the label in NFC, no mark first, and ContextJ for the joiners. A label
// whose code points NFC leaves alone wherever they stand is in NFC without
// normalising it.
function idnaLabel(u, p, rows) {
    var quick = true;
    for (var i = 0; i < u.length; i++) {
        if ((p[i] & 1) === 0) {
            return false;
        }
        quick = quick && (p[i] & 1024) !== 0;
    }
    if ((p[0] & 2) !== 0 || !quick && !inNFC(u, p, rows)) {
        return false;
    }
    return contextJ(u, p);
}

// inNFC reports whether u, valid code points with their properties p and
// rows of idnaValues, is in NFC as Go's golang.org/x/text normaliser has
// it: NFC leaves it as it is, and it keeps that normaliser's bound
// (UAX 15's Stream-Safe Text Format) of at most 30 non-starters in a row,
// counted over each code point's decomposition, past which Go inserts
// U+034F. A starter (combining class 0, composing with nothing before it)
// ends a run and leaves the non-starters its decomposition ends with; any
// other code point adds those its decomposition holds.
function inNFC(u, p, rows) {
    var d = [], dp = [], run = 0;
    for (var i = 0; i < u.length; i++) {
        var n = d.length;
        decompose(u[i], p[i], rows[i], d, dp);
        if ((p[i] & 4096) === 0 && combiningClass(p[i]) === 0) {
            run = d.length - n - 1;
        } else if ((run += d.length - n) > 30) {
            return false;
        }
    }
    return sameCodePoints(compose(d, dp), u);
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

// punycodeEncodes reports whether x/net/idna's encoder writes the code
// points u as s, a label without its "xn--". It compares each character as
// it would write it, so no string is built.
function punycodeEncodes(u, s) {
    var maxInt = 2147483647;
    var pos = 0, n = 128, delta = 0, bias = 72, b = 0, remaining = 0;
    for (var i = 0; i < u.length; i++) {
        if (u[i] >= 0x80) {
            remaining++;
        } else if (s.charCodeAt(pos++) !== u[i]) {
            return false;
        } else {
            b++;
        }
    }
    var h = b;
    if (b > 0 && s.charCodeAt(pos++) !== 0x2d) {
        return false;
    }
    while (remaining !== 0) {
        var m = maxInt;
        for (var j = 0; j < u.length; j++) {
            if (m > u[j] && u[j] >= n) {
                m = u[j];
            }
        }
        if ((m - n) * (h + 1) > maxInt - delta) {
            return false;
        }
        delta += (m - n) * (h + 1);
        n = m;
        for (var l = 0; l < u.length; l++) {
            if (u[l] < n) {
                delta++;
                if (delta > maxInt) {
                    return false;
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
                if (s.charCodeAt(pos++) !== punycodeChar(t + (q - t) % (36 - t))) {
                    return false;
                }
                q = Math.floor((q - t) / (36 - t));
            }
            if (s.charCodeAt(pos++) !== punycodeChar(q)) {
                return false;
            }
            bias = punycodeAdapt(delta, h + 1, h === b);
            delta = 0;
            h++;
            remaining--;
        }
        delta++;
        n++;
    }
    return pos === s.length;
}

// punycodeChar returns the character code of the punycode digit d.
function punycodeChar(d) {
    return d < 26 ? 0x61 + d : 0x30 + d - 26;
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

// decompose appends to d the full canonical decomposition of cp, a valid
// code point with properties p and row of idnaValues, and to dp the
// properties of what it appends: Hangul syllables by arithmetic, the rest
// by idna_tables.js.
function decompose(cp, p, row, d, dp) {
    var s = cp - 0xac00;
    if (s >= 0 && s < 11172) {
        d.push(0x1100 + Math.floor(s / 588), 0x1161 + Math.floor((s % 588) / 28));
        if (s % 28 !== 0) {
            d.push(0x11a7 + s % 28);
        }
    } else if (row < idnaDecomposing) {
        for (var k = 0; k <= (p >> 28 & 3); k++) {
            d.push(digits(idnaDecompositions, row * 16 + k * 4, 4));
        }
    } else {
        d.push(cp);
        dp.push(p);
        return;
    }
    while (dp.length < d.length) {
        dp.push(props(d[dp.length]));
    }
}

// compose returns d, decomposed code points with their properties dp, in
// NFC: marks in canonical order, then canonical composition (UAX 15).
function compose(d, dp) {
    // Canonical order: a stable sort of each run of marks by class.
    var ccc = dp.map(combiningClass);
    for (var a = 1; a < d.length; a++) {
        for (var z = a; z > 0 && ccc[z] !== 0 && ccc[z - 1] > ccc[z]; z--) {
            var tc = ccc[z]; ccc[z] = ccc[z - 1]; ccc[z - 1] = tc;
            var td = d[z]; d[z] = d[z - 1]; d[z - 1] = td;
            var tp = dp[z]; dp[z] = dp[z - 1]; dp[z - 1] = tp;
        }
    }
    if (d.length === 0) {
        return d;
    }
    var out = [d[0]];
    var starter = ccc[0] === 0 ? 0 : -1;
    var last = ccc[0] === 0 ? 0 : 256;
    for (var i = 1; i < d.length; i++) {
        var c = ccc[i];
        // A mark is blocked from the starter by one of its class or
        // higher between them (last, the class of the rune before it).
        var composite = starter >= 0 && (last < c || last === 0) ? primaryComposite(out[starter], d[i], dp[i]) : -1;
        if (composite >= 0) {
            out[starter] = composite;
            continue;
        }
        if (c === 0) {
            starter = out.length;
        }
        last = c;
        out.push(d[i]);
    }
    return out;
}

// primaryComposite returns the primary composite of starter and cp, with
// properties p, or -1: Hangul by arithmetic, the rest by binary search of
// cp's group in idnaCompositions.
function primaryComposite(starter, cp, p) {
    if ((p & 4096) === 0) {
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
    var g = (p >> 21) & 127;
    if (g === 0) {
        return -1;
    }
    var lo = digits(idnaCompositionStarts, (g - 1) * 3, 3), hi = digits(idnaCompositionStarts, g * 3, 3) - 1;
    while (lo <= hi) {
        var mid = (lo + hi) >> 1, key = digits(idnaCompositions, mid * 8, 4);
        if (key === starter) {
            return digits(idnaCompositions, mid * 8 + 4, 4);
        }
        if (key < starter) {
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return -1;
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
