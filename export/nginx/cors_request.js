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
// line, and "" (which no origin is) otherwise; and "" too for a value whose
// host is in brackets but is not an IPv6 address as browsers serialise it,
// which the maps' regular expressions cannot tell.
function origin(r) {
    var v = values(r, 'origin');
    if (v.length !== 1) {
        return '';
    }
    var m = /^https?:\/\/\[([^\]]*)\]/.exec(v[0]);
    return m === null || serialisedIPv6(m[1]) ? v[0] : '';
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
