//go:build unix

package watch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/internal/importcases"
	"github.com/corspolicy/cors/lang"
)

// A policy that allows its partners, from a module, and partner modules
// naming some of them.
const (
	importsPartners = "cors 1\n\nimport \"./partners.cors\" as partners\n\npolicy api {\n    allow partners.all\n}\n"
	importsShared   = "cors 1\n\nimport \"./shared/partners.cors\" as partners\n\npolicy api {\n    allow partners.all\n}\n"
	partnerA        = "https://a.partner.example"
	partnerB        = "https://b.partner.example"
)

func partners(origins ...string) string {
	return "cors 1\n\norigins all = \"" + strings.Join(origins, "\", \"") + "\"\n"
}

// allows reports whether the table lets origin read GET /.
func allows(tab *compile.Table, origin string) bool {
	d := eval.Evaluate(tab, &eval.Request{Method: "GET", Path: "/", Origin: []string{origin}})
	return d.Allowed
}

// watched runs a watcher on the policy at path and returns the middleware
// it swaps tables into and a channel of what each reload brought: a table,
// or an error.
func watched(t *testing.T, path string, cfg Config) (*eval.Middleware, chan any) {
	t.Helper()
	first, err := Load(path, "", cfg.Options)
	if err != nil {
		t.Fatal(err)
	}
	m := eval.NewMiddleware(first)
	events := make(chan any, 100)
	cfg.Path = path
	cfg.OnReload = func(tab *compile.Table) { events <- tab }
	cfg.OnError = func(err error) { events <- err }
	if cfg.Settle == 0 {
		cfg.Settle = 20 * time.Millisecond
	}
	w := New(m, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	// Run reloads once as it starts: after that, it watches.
	await(t, events, "the first reload", func(tab *compile.Table) bool { return true })
	return m, events
}

// await waits, for at most 10 s, for a reload whose table satisfies ok,
// and fails the test if none comes; errors of reloads on the way fail it
// too. The bound is a deadline for a watcher that never reloads, not a
// measure of time.
func await(t *testing.T, events chan any, what string, ok func(*compile.Table) bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-events:
			switch ev := ev.(type) {
			case *compile.Table:
				if ok(ev) {
					return
				}
			case error:
				t.Fatalf("waiting for %s: a reload failed: %v", what, ev)
			}
		case <-deadline:
			t.Fatalf("no reload brought %s in 10 s", what)
		}
	}
}

// publish does what the kubelet does to update a ConfigMap volume: it
// writes the files to a new timestamped directory, points a temporary
// link at it, renames that link over ..data, makes each key a link into
// ..data, and removes the directory ..data pointed to before.
func publish(t *testing.T, mount, stamp string, files map[string]string) {
	t.Helper()
	dir := "..2026_11_30_" + stamp
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(mount, dir, name), []byte(content), 0o644); err != nil {
			if err := os.MkdirAll(filepath.Join(mount, dir), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(mount, dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	old, _ := os.Readlink(filepath.Join(mount, "..data"))
	if err := os.Symlink(dir, filepath.Join(mount, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(mount, "..data_tmp"), filepath.Join(mount, "..data")); err != nil {
		t.Fatal(err)
	}
	for name := range files {
		link := filepath.Join(mount, name)
		if _, err := os.Lstat(link); err != nil {
			if err := os.Symlink(filepath.Join("..data", name), link); err != nil {
				t.Fatal(err)
			}
		}
	}
	if old != "" {
		if err := os.RemoveAll(filepath.Join(mount, old)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestConfigMapSwap checks that a policy mounted from a Kubernetes
// ConfigMap reloads when the kubelet swaps the volume's ..data link, for a
// change to a module the policy imports and then to the policy itself,
// twice over, so that the watch follows each new directory.
func TestConfigMapSwap(t *testing.T) {
	mount := t.TempDir()
	publish(t, mount, "10_00_00.000000001", map[string]string{"api.cors": importsPartners, "partners.cors": partners(partnerA, partnerB)})
	m, events := watched(t, filepath.Join(mount, "api.cors"), Config{})
	if !allows(m.Table(), partnerB) {
		t.Fatal("the first version does not allow partner b")
	}

	// Partner b is revoked, in the module.
	publish(t, mount, "10_05_00.000000002", map[string]string{"api.cors": importsPartners, "partners.cors": partners(partnerA)})
	await(t, events, "partner b revoked", func(tab *compile.Table) bool { return !allows(tab, partnerB) && allows(tab, partnerA) })

	// The policy itself changes: partners are denied, all of them.
	publish(t, mount, "10_10_00.000000003", map[string]string{"api.cors": "cors 1\n\npolicy api {\n}\n", "partners.cors": partners(partnerA)})
	await(t, events, "every partner denied", func(tab *compile.Table) bool { return !allows(tab, partnerA) })
	if allows(m.Table(), partnerA) {
		t.Error("the middleware still serves the old table")
	}
}

// TestImportedModuleEdit checks that editing a module the policy imports
// from a subdirectory reloads the policy, whether the module is written
// in place or saved by renaming a temporary file over it: a revoked origin
// must not stay allowed.
func TestImportedModuleEdit(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "shared", "partners.cors"), partners(partnerA, partnerB))
	writeFile(t, filepath.Join(dir, "api.cors"), importsShared)
	_, events := watched(t, filepath.Join(dir, "api.cors"), Config{})

	writeFile(t, filepath.Join(dir, "shared", "partners.cors"), partners(partnerA))
	await(t, events, "partner b revoked in place", func(tab *compile.Table) bool { return !allows(tab, partnerB) })

	renameOver(t, filepath.Join(dir, "shared", "partners.cors"), partners(partnerB))
	await(t, events, "partner a revoked by a rename", func(tab *compile.Table) bool { return !allows(tab, partnerA) && allows(tab, partnerB) })
}

// TestModuleDirectoryReplaced checks that replacing the directory a module
// is in, by renaming another in its place as deployment tools do, reloads:
// the module's own file never changes, only the directory the path passes
// through, which the watch must follow below the import root.
func TestModuleDirectoryReplaced(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "shared", "partners.cors"), partners(partnerA, partnerB))
	writeFile(t, filepath.Join(dir, "api.cors"), importsShared)
	_, events := watched(t, filepath.Join(dir, "api.cors"), Config{})

	writeFile(t, filepath.Join(dir, "shared.new", "partners.cors"), partners(partnerA))
	if err := os.Rename(filepath.Join(dir, "shared"), filepath.Join(dir, "shared.old")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "shared.new"), filepath.Join(dir, "shared")); err != nil {
		t.Fatal(err)
	}
	await(t, events, "partner b revoked by a new directory", func(tab *compile.Table) bool { return !allows(tab, partnerB) })
}

// TestRenameOverPolicy checks that a save made by writing a temporary
// file and renaming it over the policy, as many editors and deployment
// tools save, reloads.
func TestRenameOverPolicy(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "api.cors")
	writeFile(t, path, versionA)
	m, events := watched(t, path, Config{})
	renameOver(t, path, versionB)
	await(t, events, "version B", func(tab *compile.Table) bool { return allows(tab, "https://b.example.com") })
	if allows(m.Table(), "https://a.example.com") {
		t.Error("version A still serves")
	}
}

// TestDependenciesChange checks that the watch follows the policy's
// imports as they change: a module imported by a new version is watched,
// and an import of a file that does not exist yet reloads once the file
// is made, directory and all.
func TestDependenciesChange(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "api.cors")
	writeFile(t, path, versionA)
	writeFile(t, filepath.Join(dir, "shared", "partners.cors"), partners(partnerA))
	_, events := watched(t, path, Config{})

	renameOver(t, path, importsShared)
	await(t, events, "the policy importing shared/partners.cors", func(tab *compile.Table) bool { return allows(tab, partnerA) })
	writeFile(t, filepath.Join(dir, "shared", "partners.cors"), partners(partnerB))
	await(t, events, "the new module's edit", func(tab *compile.Table) bool { return allows(tab, partnerB) && !allows(tab, partnerA) })

	renameOver(t, path, strings.Replace(importsShared, "./shared/", "./later/", 1))
	select { // the import of a missing module is reported
	case ev := <-events:
		if err, ok := ev.(error); !ok || !strings.Contains(err.Error(), "cannot import \"./later/partners.cors\"") {
			t.Fatalf("got %v, want the missing module reported", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the import of a missing module was not reported")
	}
	writeFile(t, filepath.Join(dir, "later", "partners.cors"), partners(partnerA))
	await(t, events, "the module made after the policy", func(tab *compile.Table) bool { return allows(tab, partnerA) })
}

// The policy a half-written file widens: the deny list is the last line,
// so a file cut after its first origin still compiles, and denies only
// that one. denyList is the whole file; halfDenyList its first part.
const (
	denyList     = "cors 1\n\npolicy api {\n    allow any\n\n    deny blocked\n}\n\norigins blocked = \"https://evil.example\", \"https://worse.example\"\n"
	halfDenyList = "cors 1\n\npolicy api {\n    allow any\n\n    deny blocked\n}\n\norigins blocked = \"https://evil.example\""
)

// widened reports whether a table lets in an origin the whole deny list
// keeps out.
func widened(tab *compile.Table) bool {
	return allows(tab, "https://worse.example") || allows(tab, "https://evil.example")
}

// TestHalfWrittenShortPause checks that a policy written in two chunks,
// with a pause shorter than the settle interval between them, is read
// whole: the first chunk, which compiles into a wider policy, never
// serves.
func TestHalfWrittenShortPause(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "api.cors")
	writeFile(t, path, "cors 1\n\npolicy api {\n}\n")
	// A settle interval far longer than the pause, so that a slow machine
	// cannot stretch the pause past it.
	m, events := watched(t, path, Config{Settle: 300 * time.Millisecond})

	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(halfDenyList)
	time.Sleep(10 * time.Millisecond) // the writer pauses: part of the scenario, not a measure
	f.WriteString(denyList[len(halfDenyList):])
	f.Close()

	await(t, events, "the whole deny list", func(tab *compile.Table) bool {
		if widened(tab) {
			t.Fatal("the first chunk of the file was served: it lets https://worse.example in")
		}
		return allows(tab, "https://other.example")
	})
	if widened(m.Table()) {
		t.Error("the middleware serves a wider policy than the file's")
	}
}

// TestHalfWrittenLongPause checks the second read of a reload: a writer
// that pauses longer than the settle interval has its first chunk read
// (the watcher cannot know more is coming), and writes the rest while the
// reload waits to read the file again. The two reads differ, so the first
// chunk, which compiles into a wider policy, is never installed; the whole
// file is, once it reads the same twice. The pause is the reload's own
// wait, taken over by the test, so nothing depends on a clock.
func TestHalfWrittenLongPause(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "api.cors")
	writeFile(t, path, halfDenyList) // the writer's first chunk, then its long pause
	first, err := Load(path, "", compile.Options{})
	if err != nil || !widened(first) {
		t.Fatalf("the first chunk should compile into a wider policy: %v", err)
	}
	m := eval.NewMiddleware(mustLoad(t, "cors 1\n\npolicy api {\n}\n"))
	var installed []*compile.Table
	w := New(m, Config{Path: path, OnReload: func(tab *compile.Table) { installed = append(installed, tab) }})
	var waits atomic.Int32
	w.wait = func(time.Duration) {
		if waits.Add(1) == 1 {
			// The writer comes back in the settle interval, between the
			// reload's two reads, and appends the rest.
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Error(err)
				return
			}
			f.WriteString(denyList[len(halfDenyList):])
			f.Close()
		}
	}
	if err := w.Reload(); err != nil {
		t.Fatal(err)
	}
	if waits.Load() < 2 {
		t.Errorf("the reload waited %d times; it must read again after the file changed between its reads", waits.Load())
	}
	for _, tab := range installed {
		if widened(tab) {
			t.Fatal("the first chunk of the file was installed: it lets https://worse.example in")
		}
	}
	if len(installed) != 1 || widened(m.Table()) || !allows(m.Table(), "https://other.example") {
		t.Errorf("%d tables installed; the middleware should serve the whole deny list", len(installed))
	}
}

// TestNeverSettles checks that a reload of files that change between
// every two reads gives up with a clear error, the last good policy still
// serving, instead of waiting for ever.
func TestNeverSettles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "api.cors")
	writeFile(t, path, versionA)
	m := eval.NewMiddleware(mustLoad(t, versionA))
	w := New(m, Config{Path: path})
	n := 0
	w.wait = func(time.Duration) {
		n++
		writeFile(t, path, versionA+strings.Repeat("#\n", n))
	}
	err := w.Reload()
	if err == nil || !strings.Contains(err.Error(), "still changing") {
		t.Errorf("Reload = %v, want an error saying the files are still changing", err)
	}
	if !allows(m.Table(), "https://a.example.com") {
		t.Error("the last good policy no longer serves")
	}
}

// TestWatchRefusesEndlessFiles checks that a policy file, or a module,
// that is a link to /dev/zero or a character device is refused at once by
// Load and by a reload, the last good policy serving.
func TestWatchRefusesEndlessFiles(t *testing.T) {
	dir := t.TempDir()
	zero := filepath.Join(dir, "zero.cors")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(zero, "", compile.Options{}); !errors.Is(err, lang.ErrNotRegular) {
		t.Errorf("Load(link to /dev/zero) = %v, want %v", err, lang.ErrNotRegular)
	}
	m := eval.NewMiddleware(mustLoad(t, versionA))
	if err := New(m, Config{Path: zero}).Reload(); !errors.Is(err, lang.ErrNotRegular) {
		t.Errorf("Reload(link to /dev/zero) = %v, want %v", err, lang.ErrNotRegular)
	}
	repo := importcases.Tree(t)
	for _, c := range importcases.Cases {
		if c.Name != "a character device like /dev/zero" && c.Name != "symbolic link to /dev/zero" {
			continue
		}
		path := importcases.Policy(t, repo, c)
		if err := New(m, Config{Path: path}).Reload(); err == nil || !strings.Contains(err.Error(), c.Err) {
			t.Errorf("%s: Reload = %v, want %q", c.Name, err, c.Err)
		}
	}
	if !allows(m.Table(), "https://a.example.com") {
		t.Error("the last good policy no longer serves")
	}
}

// TestLoadImportRule runs the import table through Load and Reload: the
// watcher resolves imports as compile.LoadFile does.
func TestLoadImportRule(t *testing.T) {
	repo := importcases.Tree(t)
	m := eval.NewMiddleware(mustLoad(t, versionA))
	for _, c := range importcases.Cases {
		path := importcases.Policy(t, repo, c)
		opts := compile.Options{Root: importcases.Root(repo, c)}
		_, err := Load(path, "", opts)
		rerr := New(m, Config{Path: path, Options: opts}).Reload()
		for how, err := range map[string]error{"Load": err, "Reload": rerr} {
			switch {
			case c.Err == "" && err != nil:
				t.Errorf("%s: %s: %v", c.Name, how, err)
			case c.Err != "" && (err == nil || !strings.Contains(err.Error(), c.Err)):
				t.Errorf("%s: %s: %v, want an error saying %q", c.Name, how, err, c.Err)
			case err != nil && strings.Contains(err.Error(), importcases.Secret):
				t.Errorf("%s: %s: the error quotes a file that is not a policy: %v", c.Name, how, err)
			}
		}
	}
}

func mustLoad(t *testing.T, src string) *compile.Table {
	t.Helper()
	prog, err := compile.CompileSource("api.cors", []byte(src), compile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := choose(prog, "api.cors", "")
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// renameOver saves content at path as careful editors do: to a temporary
// file beside it, renamed over it.
func renameOver(t *testing.T, path, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	writeFile(t, tmp, content)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// writeSettleRounds makes w's reloads give up: it rewrites path between
// each two reads of the next reload, every time with other content, the
// last time with final, and then stops writing. It returns how many
// writes were made so far.
func writeSettleRounds(t *testing.T, w *Watcher, path, final string) *atomic.Int32 {
	var n atomic.Int32
	wait := w.wait
	w.wait = func(d time.Duration) {
		switch k := n.Add(1); {
		case k < maxSettleRounds:
			if err := os.WriteFile(path, []byte(final+strings.Repeat("#\n", int(k))), 0o644); err != nil {
				t.Error(err)
			}
		case k == maxSettleRounds:
			// The writer's last write, in the reload's last interval.
			if err := os.WriteFile(path, []byte(final), 0o644); err != nil {
				t.Error(err)
			}
		}
		wait(d)
	}
	return &n
}

// TestGaveUpIsNotTheLastRead checks the reload after one that gave up: the
// files that reload read last were still changing, so they are not what a
// change must differ from. When they have since stopped changing (the
// writer's last write came during the last read interval), the next
// reload installs them; it used to find them equal to the given-up read
// and skip them, leaving the old policy serving with no error.
func TestGaveUpIsNotTheLastRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "api.cors")
	writeFile(t, path, versionA)
	m := eval.NewMiddleware(mustLoad(t, versionA))
	var errs []error
	w := New(m, Config{Path: path, Settle: time.Millisecond, OnError: func(err error) { errs = append(errs, err) }})
	writeSettleRounds(t, w, path, versionB)
	w.reloadIfChanged()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "still changing") {
		t.Fatalf("a reload of files changing between every two reads reported %v, want one error saying they are still changing", errs)
	}
	w.reloadIfChanged() // Run's timer, fired by the events of those writes
	if !allows(m.Table(), "https://b.example.com") || allows(m.Table(), "https://a.example.com") {
		t.Error("versionB is on disk, settled and compiles, but the middleware still serves versionA")
	}
}

// TestRetriesAfterGivingUp checks that Run tries again by itself after a
// reload gave up, without waiting for an event: here the writes go
// through a hard link in another directory, so the watched directory
// sees none of them, as when events are lost or the last one came before
// the reload that gave up.
func TestRetriesAfterGivingUp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "api.cors")
	writeFile(t, path, versionA)
	link := filepath.Join(t.TempDir(), "link.cors")
	if err := os.Link(path, link); err != nil {
		t.Skip("no hard links here:", err)
	}
	m := eval.NewMiddleware(mustLoad(t, versionA))
	events := make(chan any, 100)
	w := New(m, Config{Path: path, Settle: 5 * time.Millisecond,
		OnReload: func(tab *compile.Table) { events <- tab }, OnError: func(err error) { events <- err }})
	// Run's first reload reads the files while the writer is busy, and
	// gives up; the writer's last write is then the last change, with
	// no event after it.
	writes := writeSettleRounds(t, w, link, versionB)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	gaveUp := false
	deadline := time.After(10 * time.Second)
	for !gaveUp || !allows(m.Table(), "https://b.example.com") {
		select {
		case ev := <-events:
			switch ev := ev.(type) {
			case error:
				if gaveUp || !strings.Contains(ev.Error(), "still changing") {
					t.Fatalf("unexpected reload error: %v", ev)
				}
				gaveUp = true
			case *compile.Table:
				if !gaveUp {
					t.Fatalf("a table was installed before the reload gave up (after %d writes)", writes.Load())
				}
			}
		case <-deadline:
			t.Fatalf("versionB has stayed unchanged on disk for 10 s and is not served (gave up: %v)", gaveUp)
		}
	}
}
