package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMain runs the test binary as corsfmt itself when the completion
// tests call it under that name, so that the scripts they source call the
// code under test.
func TestMain(m *testing.M) {
	if os.Getenv("CORSFMT_TEST_AS_COMMAND") == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// corsfmtOnPath returns the environment of a shell whose PATH finds this
// test binary as corsfmt.
func corsfmtOnPath(t *testing.T) []string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(self, filepath.Join(dir, "corsfmt")); err != nil {
		t.Fatal(err)
	}
	return append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "CORSFMT_TEST_AS_COMMAND=1")
}

// shell returns the path of a shell, or skips the test, saying so where
// go test shows it even without -v, when it is not installed.
func shell(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		os.Stderr.WriteString("corsfmt: " + name + " is not installed; its completion script is not tested (apt-get install -y " + name + ")\n")
		t.Skip(name + " is not installed (apt-get install -y " + name + ")")
	}
	return path
}

// runShell runs a script in a shell that finds this test binary as
// corsfmt, from the repository's root, and returns its output lines.
func runShell(t *testing.T, sh string, script string) []string {
	t.Helper()
	cmd := exec.Command(sh, "-c", script)
	cmd.Env = corsfmtOnPath(t)
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", sh, err, out)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}

// TestCompletions checks the candidates corsfmt offers the scripts.
func TestCompletions(t *testing.T) {
	const policy = "../examples/dev-and-prod-profiles.cors"
	for _, tc := range []struct {
		words []string
		index int
		want  []string // exactly, descriptions left out
	}{
		{[]string{"eval", "-policy", "", policy}, 2, []string{"storefront-api"}},
		{[]string{"eval", "-profile", "", policy}, 2, []string{"dev", "staging"}},
		{[]string{"eval", "-profile", "s", policy}, 2, []string{"staging"}},
		{[]string{"lint", "-profile", "", policy, "../corstest/testdata/api.cors"}, 2, []string{"dev", "staging"}},
		{[]string{"eval", "-policy", "", "missing.cors"}, 2, nil},
		{[]string{"eval", "-policy", ""}, 2, nil},
		{[]string{"te"}, 0, []string{"test", ":files .cors .fixtures"}},
		{[]string{"eval", "-e"}, 1, []string{"-explain"}},
		{[]string{"export", "-format", ""}, 2, []string{"nginx"}},
		{[]string{"export", "-u"}, 1, []string{"-upstream"}},
		{[]string{"ex"}, 0, []string{"export", ":files .cors .fixtures"}},
		{[]string{"test", "-v", ""}, 2, []string{":files .fixtures"}},
		{[]string{"eval", "-policy", "x", ""}, 3, []string{":files .cors"}},
		{[]string{"-"}, 0, []string{"-d", "-l", "-version", "-w"}},
		{[]string{"-w", ""}, 1, []string{":files .cors .fixtures"}},
		{[]string{"help", "S10"}, 1, []string{"S101", "S102", "S103", "S104", "S105", "S106", "S107", "S108"}},
		{[]string{"help", "l"}, 1, []string{"lint", "lsp"}},
		{[]string{"help", "lint", ""}, 2, nil},
		{[]string{"completion", ""}, 1, []string{"bash", "fish", "zsh"}},
		{[]string{"version", ""}, 1, nil},
		{[]string{"__complete", ""}, 1, []string{":files .cors .fixtures"}}, // hidden: a path to format
	} {
		var got []string
		for _, c := range completions(tc.words, tc.index) {
			word, _, _ := strings.Cut(c, "\t")
			got = append(got, word)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("completing %q at %d: %q, want %q", tc.words, tc.index, got, tc.want)
		}
	}
}

// TestCompleteIsSilent checks that the hidden subcommand prints nothing,
// and succeeds, on calls it cannot make sense of.
func TestCompleteIsSilent(t *testing.T) {
	for _, args := range [][]string{{}, {"x"}, {"-1", "a"}, {"5", "a"}, {"1", "eval", "-policy"}} {
		code, stdout, stderr := runIn(t.TempDir(), append([]string{"__complete"}, args...), "")
		if code != 0 || stderr != "" || (stdout != "" && len(args) < 3) {
			t.Errorf("__complete %q: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
}

// TestBashCompletion sources the bash script and completes as bash would.
func TestBashCompletion(t *testing.T) {
	sh := shell(t, "bash")
	got := runShell(t, sh, `source <(corsfmt completion bash) || exit 1
complete_at() { COMP_CWORD=$1; shift; COMP_WORDS=("$@"); COMPREPLY=(); _corsfmt_complete; echo "${COMPREPLY[*]}"; }
complete_at 3 corsfmt eval -policy "" examples/dev-and-prod-profiles.cors
complete_at 3 corsfmt eval -profile "" examples/dev-and-prod-profiles.cors
complete_at 1 corsfmt li
complete_at 2 corsfmt eval examples/dev-and-prod
complete_at 2 corsfmt test examples/dev-and-prod-profiles.d
complete -p corsfmt
`)
	want := []string{
		"storefront-api",
		"dev staging",
		"lint lint", // the subcommand, and the directory (bash adds its slash as it shows it)
		"examples/dev-and-prod-profiles.cors",
		"examples/dev-and-prod-profiles.dev.fixtures",
		"complete -F _corsfmt_complete corsfmt",
	}
	if !slices.Equal(got, want) {
		t.Errorf("bash completions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestZshCompletion sources the zsh script and runs its function with the
// completion system's _describe and _files standing in, printing what
// they are given: zsh completes only in an interactive line editor.
func TestZshCompletion(t *testing.T) {
	sh := shell(t, "zsh")
	got := runShell(t, sh, `source <(corsfmt completion zsh) || exit 1
_describe() { print -rl -- "${(@P)2}" }
_files() { print -r -- "_files $*" }
complete_at() { CURRENT=$1; shift; words=("$@"); _corsfmt }
complete_at 4 corsfmt eval -policy "" examples/dev-and-prod-profiles.cors
complete_at 4 corsfmt eval -profile "" examples/dev-and-prod-profiles.cors
complete_at 3 corsfmt eval exa
complete_at 3 corsfmt eval -e
`)
	want := []string{
		"storefront-api",
		"dev",
		"staging",
		"_files -g *.(cors)",
		"-explain:print the reasoning before each response",
	}
	if !slices.Equal(got, want) {
		t.Errorf("zsh completions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestFishCompletion loads the fish script and completes command lines
// with fish's own complete -C, which completes at the end of the line.
func TestFishCompletion(t *testing.T) {
	sh := shell(t, "fish")
	got := runShell(t, sh, `corsfmt completion fish | source; or exit 1
complete -C "corsfmt eval examples/dev-and-prod-profiles.cors -policy "
complete -C "corsfmt lint examples/dev-and-prod-profiles.cors -profile "
complete -C "corsfmt test examples/dev-and-prod-profiles.d"
complete -C "corsfmt help S10"
`)
	want := []string{
		"storefront-api",
		"dev",
		"staging",
		"examples/dev-and-prod-profiles.dev.fixtures",
		"S101\tcredentials for a wildcard over a public suffix (error; refuses the policy)",
		"S102\ta wildcard over a public suffix (warning)",
		"S103\tthe null origin (warning; with credentials, an error that refuses the policy)",
		"S104\tcredentials over plain http (error that refuses the policy; warning in a development build)",
		"S105\ta local origin outside a development build (warning; with credentials, an error that refuses the policy)",
		"S106\ta forbidden request header (error; refuses the policy)",
		"S107\ta forbidden method (error; refuses the policy)",
		"S108\ta host that passes for another name (warning)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("fish completions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
