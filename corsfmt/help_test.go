package main

import (
	"runtime/debug"
	"strings"
	"testing"

	cors "github.com/corspolicy/cors"
)

// TestHelpTopics checks corsfmt help on each kind of topic.
func TestHelpTopics(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		code     int
		stdout   []string // each the start of a line of standard output, in order
		stderrIs string
	}{
		{args: []string{"help"}, stdout: []string{"usage: corsfmt [flags] [path ...]", "  -version", "  corsfmt eval ", "  corsfmt completion bash|zsh|fish", "Help topics (corsfmt help TOPIC): eval, export, lint, test, diff, query, probe, lsp, help, version, completion, fmt, codes"}},
		{args: []string{"help", "eval"}, stdout: []string{"usage: corsfmt eval [-policy NAME] [-profile P] [-root DIR] [-explain] [-json] FILE.cors", "  -json", "  -root"}},
		{args: []string{"help", "export"}, stdout: []string{"usage: corsfmt export -format nginx [-policy NAME] [-profile P] [-root DIR] [-upstream URL] [-listen ADDR] [-o FILE] FILE.cors", "  -format", "  -upstream"}},
		{args: []string{"help", "E001"}, stdout: []string{"### E001 — a construct nginx cannot carry"}},
		// The probe's findings are diagnostics too: corsfmt probe prints
		// their codes as the lint prints its own.
		{args: []string{"help", "p101"}, stdout: []string{"#### P101 — any origin is trusted (error with credentials, warning without)"}},
		{args: []string{"help", "P201"}, stdout: []string{"#### P201 — drift from the policy (error)"}},
		{args: []string{"help", "test"}, stdout: []string{"usage: corsfmt test ", "  -cover", "  -mutate"}},
		{args: []string{"help", "fmt"}, stdout: []string{"usage: corsfmt [flags] [path ...]", "  -d\t"}},
		{args: []string{"help", "completion"}, stdout: []string{"usage: corsfmt completion bash|zsh|fish"}},
		{args: []string{"help", "S101"}, stdout: []string{"#### S101 — credentials for a wildcard over a public suffix (error; refuses the policy)", "**Catches** `credentials`"}},
		{args: []string{"help", "l007"}, stdout: []string{"### L007 — unsupported version", "**Fix**: write `cors 1`"}},
		{args: []string{"help", "X002"}, stdout: []string{"#### X001 — a silence without a reason (error; refuses the policy) and X002"}},
		{args: []string{"help", "codes"}, stdout: []string{"L001  syntax error", "C014  unknown policy", "S101  credentials for a wildcard over a public suffix (error; refuses the policy)", "X002  a silence that silences nothing (warning)"}},
		{args: []string{"help", "evl"}, code: 2, stderrIs: "corsfmt help: no help topic \"evl\"; did you mean \"eval\"?\n" +
			"Topics: eval, export, lint, test, diff, query, probe, lsp, help, version, completion, fmt, codes, and each diagnostic code (corsfmt help codes lists them).\n"},
		{args: []string{"help", "S100"}, code: 2, stderrIs: "corsfmt help: no help topic \"S100\"; did you mean \"S101\"?\n" +
			"Topics: eval, export, lint, test, diff, query, probe, lsp, help, version, completion, fmt, codes, and each diagnostic code (corsfmt help codes lists them).\n"},
		{args: []string{"help", "eval", "lint"}, code: 2},
	} {
		code, stdout, stderr := runIn(t.TempDir(), tc.args, "")
		if code != tc.code {
			t.Errorf("corsfmt %s: exit %d, want %d; stderr:\n%s", strings.Join(tc.args, " "), code, tc.code, stderr)
		}
		if tc.code == 0 && stderr != "" || tc.stderrIs != "" && stderr != tc.stderrIs {
			t.Errorf("corsfmt %s: stderr:\n%s\nwant:\n%s", strings.Join(tc.args, " "), stderr, tc.stderrIs)
		}
		lines := strings.Split(stdout, "\n")
		for _, want := range tc.stdout {
			i := 0
			for i < len(lines) && !strings.HasPrefix(lines[i], want) {
				i++
			}
			if i == len(lines) {
				t.Errorf("corsfmt %s: no line starts with %q after the previous one:\n%s", strings.Join(tc.args, " "), want, stdout)
				break
			}
			lines = lines[i+1:]
		}
	}
}

// TestHelpEveryCode checks that help has the SPEC.md section of every
// diagnostic code, printed whole.
func TestHelpEveryCode(t *testing.T) {
	for _, c := range specCodes() {
		code, stdout, _ := runIn(t.TempDir(), []string{"help", c.Code}, "")
		if code != 0 || !strings.Contains(cors.Spec(), stdout) || !strings.Contains(stdout, c.Code+" — "+c.Title) {
			t.Errorf("corsfmt help %s: exit %d:\n%s", c.Code, code, stdout)
		}
	}
}

// TestVersion checks that -version and the version subcommand print the
// same line, from the build information.
func TestVersion(t *testing.T) {
	code1, out1, _ := runIn(t.TempDir(), []string{"-version"}, "")
	code2, out2, _ := runIn(t.TempDir(), []string{"version"}, "")
	info, _ := debug.ReadBuildInfo()
	if code1 != 0 || code2 != 0 || out1 != out2 || !strings.HasPrefix(out1, "corsfmt ") || !strings.HasSuffix(out1, ", built with "+info.GoVersion+"\n") {
		t.Errorf("-version: exit %d, %q; version: exit %d, %q", code1, out1, code2, out2)
	}
}

func TestVersionText(t *testing.T) {
	for _, tc := range []struct {
		info *debug.BuildInfo
		want string
	}{
		{&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/corspolicy/cors", Version: "v1.2.0"}},
			"corsfmt v1.2.0, built with go1.26.8"},
		{&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"}, {Key: "vcs.time", Value: "2026-03-01T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"}}},
			"corsfmt (devel), revision 0123456789abcdef0123456789abcdef01234567 (committed 2026-03-01T10:00:00Z, with uncommitted changes), built with go1.26.8"},
		{&debug.BuildInfo{GoVersion: "go1.26.8"}, "corsfmt (devel), built with go1.26.8"},
	} {
		if got := versionText(tc.info, true); got != tc.want {
			t.Errorf("versionText = %q\nwant %q", got, tc.want)
		}
	}
	if got := versionText(nil, false); !strings.Contains(got, "no build information") {
		t.Errorf("without build information: %q", got)
	}
}
