// Package linediff writes the unified diff of two texts, line by line, as
// corsfmt -d shows it.
package linediff

import (
	"bytes"
	"fmt"
	"strings"
)

// context is how many unchanged lines a hunk shows around a change.
const context = 3

// maxTable bounds the work of the line matching, in cells of its table. Past
// it the changed middle is shown as one replaced block: still a correct
// diff, only not the smallest one.
const maxTable = 4 << 20

// Unified returns the unified diff from old to new, with the file names in
// its header, or nil when the texts are equal.
func Unified(oldName, newName string, old, new []byte) []byte {
	if bytes.Equal(old, new) {
		return nil
	}
	a, b := lines(old), lines(new)
	ops := edits(a, b)
	var out bytes.Buffer
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", oldName, newName)
	// Group the edit script into hunks with context around each change.
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(i-context, 0)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*context {
				end = min(end+context, run)
				break
			}
			end = run
		}
		aStart, bStart, aLen, bLen := ops[start].a, ops[start].b, 0, 0
		var body strings.Builder
		for _, op := range ops[start:end] {
			body.WriteByte(op.kind)
			body.WriteString(op.text)
			if !strings.HasSuffix(op.text, "\n") {
				body.WriteString("\n\\ No newline at end of file\n")
			}
			if op.kind != '+' {
				aLen++
			}
			if op.kind != '-' {
				bLen++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n%s", hunkRange(aStart, aLen), hunkRange(bStart, bLen), body.String())
		i = end
	}
	return out.Bytes()
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprint(start + 1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

type op struct {
	kind byte // ' ', '-' or '+'
	text string
	a, b int // line indexes in old and new before this op
}

func lines(s []byte) []string {
	if len(s) == 0 {
		return nil
	}
	return strings.SplitAfter(string(s), "\n")[:bytes.Count(s, []byte("\n"))+boolInt(s[len(s)-1] != '\n')]
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// edits returns an edit script from a to b: common prefix and suffix kept,
// the middle matched by longest common subsequence.
func edits(a, b []string) []op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []op
	for i := range pre {
		ops = append(ops, op{' ', a[i], i, i})
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	i, j := pre, pre
	emit := func(kind byte, text string) {
		ops = append(ops, op{kind, text, i, j})
		if kind != '+' {
			i++
		}
		if kind != '-' {
			j++
		}
	}
	if (len(ma)+1)*(len(mb)+1) > maxTable {
		for _, s := range ma {
			emit('-', s)
		}
		for _, s := range mb {
			emit('+', s)
		}
	} else {
		// lcs[x][y] is the length of the longest common subsequence of
		// ma[x:] and mb[y:].
		w := len(mb) + 1
		lcs := make([]int32, (len(ma)+1)*w)
		for x := len(ma) - 1; x >= 0; x-- {
			for y := len(mb) - 1; y >= 0; y-- {
				if ma[x] == mb[y] {
					lcs[x*w+y] = lcs[(x+1)*w+y+1] + 1
				} else {
					lcs[x*w+y] = max(lcs[(x+1)*w+y], lcs[x*w+y+1])
				}
			}
		}
		x, y := 0, 0
		for x < len(ma) || y < len(mb) {
			switch {
			case x < len(ma) && y < len(mb) && ma[x] == mb[y]:
				emit(' ', ma[x])
				x++
				y++
			case x < len(ma) && (y == len(mb) || lcs[(x+1)*w+y] >= lcs[x*w+y+1]):
				emit('-', ma[x])
				x++
			default:
				emit('+', mb[y])
				y++
			}
		}
	}
	for k := len(a) - suf; k < len(a); k++ {
		emit(' ', a[k])
	}
	return ops
}
