package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// tellGoTest writes a line where the person who ran go test sees it.
// Running several packages (go test ./...), the go command shows a passing
// package's output only with -v, so a skipped browser suite would go
// unnoticed: the line goes to the standard error of the go command that
// started this test binary, where the system lets it be opened (Linux's
// /proc), and to the binary's own standard error otherwise.
func tellGoTest(line string) {
	w := os.Stderr
	ppid := strconv.Itoa(os.Getppid())
	if exe, err := os.Readlink("/proc/" + ppid + "/exe"); err == nil && filepath.Base(exe) == "go" {
		if f, err := os.OpenFile("/proc/"+ppid+"/fd/2", os.O_WRONLY|os.O_APPEND, 0); err == nil {
			defer f.Close()
			w = f
		}
	}
	w.WriteString(line + "\n")
}

// TestMissingChromiumIsVisible runs this package's tests as the README's
// test command runs them, with no Chromium to be found, and checks that the
// output says the browser suite is skipped, and that the run passes.
func TestMissingChromiumIsVisible(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test again; -short skips it")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on the PATH")
	}
	// The package is named on the command line, so that go test buffers
	// its output as it does for ./...; -run '^$' runs no test, and so not
	// this one again.
	cmd := exec.Command(goTool, "test", "-count=1", "-run", "^$", ".")
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name != "PATH" && name != "CHROMIUM" && name != "CORS_E2E" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "PATH="+filepath.Dir(goTool)) // go, and no chromium
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test without Chromium failed: %v\n%s", err, out)
	}
	want := "e2e: Chromium not found; the browser suite is skipped (apt-get install -y chromium)\n"
	if !strings.Contains(string(out), want) {
		t.Errorf("go test without Chromium does not say so; its output:\n%s", out)
	}
}
