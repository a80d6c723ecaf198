package compile

import (
	"strings"
)

// PathPattern is a validated path glob: "*" matches within one segment and
// "**", as a whole segment, matches any number of segments.
type PathPattern struct {
	Text     string
	segments []string // "/"-separated, without the leading "/"
}

// ParsePathPattern validates a path pattern; on failure it returns the byte
// offset of the fault and a message.
func ParsePathPattern(text string) (*PathPattern, *patternError) {
	if !strings.HasPrefix(text, "/") {
		return nil, &patternError{0, "a path pattern starts with /"}
	}
	if i := strings.IndexAny(text, "?#"); i >= 0 {
		return nil, &patternError{i, "a path pattern has no query or fragment"}
	}
	segs := strings.Split(text[1:], "/")
	off := 1
	for _, s := range segs {
		if strings.Contains(s, "**") && s != "**" {
			return nil, &patternError{off + strings.Index(s, "**"), `"**" stands only as a whole segment, as in /api/**`}
		}
		off += len(s) + 1
	}
	return &PathPattern{Text: text, segments: segs}, nil
}

// Match reports whether the request path p, which starts with "/", matches.
// Time is linear in len(p) times the number of segments of the pattern at
// worst, and needs no allocation.
func (pp *PathPattern) Match(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return false
	}
	return matchSegments(pp.segments, p[1:])
}

// matchSegments matches pattern segments against a path without its
// leading "/", in the manner of glob matching: on a mismatch, the last "**"
// seen takes one more segment and matching resumes after it.
func matchSegments(pat []string, path string) bool {
	pi, pos := 0, 0 // next pattern segment; start of the next path segment
	starPi, starPos := -1, 0
	for pos <= len(path) {
		if pi < len(pat) && pat[pi] == "**" {
			starPi, starPos = pi, pos
			pi++
			continue
		}
		if pi < len(pat) {
			if seg, next := nextSegment(path, pos); matchSegment(pat[pi], seg) {
				pi, pos = pi+1, next
				continue
			}
		}
		if starPi < 0 {
			return false
		}
		_, starPos = nextSegment(path, starPos)
		pi, pos = starPi+1, starPos
	}
	for pi < len(pat) && pat[pi] == "**" {
		pi++
	}
	return pi == len(pat)
}

// nextSegment returns the path segment that starts at pos and the start of
// the one after it, which is past len(path) after the last segment.
func nextSegment(path string, pos int) (string, int) {
	if i := strings.IndexByte(path[pos:], '/'); i >= 0 {
		return path[pos : pos+i], pos + i + 1
	}
	return path[pos:], len(path) + 1
}

// matchSegment matches one segment against a pattern in which "*" stands
// for any run of characters.
func matchSegment(pat, s string) bool {
	starP, starS := -1, 0
	p, i := 0, 0
	for i < len(s) {
		switch {
		case p < len(pat) && pat[p] == '*':
			starP, starS = p, i
			p++
		case p < len(pat) && pat[p] == s[i]:
			p++
			i++
		case starP >= 0:
			starS++
			p, i = starP+1, starS
		default:
			return false
		}
	}
	for p < len(pat) && pat[p] == '*' {
		p++
	}
	return p == len(pat)
}
