// Package watch keeps a middleware's policy in step with its files: it
// recompiles the policy when the policy file or a module it imports
// changes, and swaps the new table in atomically, so that every request is
// answered wholly by the old policy or wholly by the new one. An edit that
// does not compile leaves the last good policy serving and is reported,
// with positions, to a callback and to a log/slog logger.
//
// It watches what the policy really depends on: the policy file and every
// file it imports, each through the symbolic links that lead to it, so
// that a Kubernetes ConfigMap, whose files are links into a directory that
// is swapped by renaming a link, reloads like a file edited in place. A
// reload reads only files that have stopped changing.
//
// It is a package of its own so that services that never reload do not
// depend on github.com/fsnotify/fsnotify.
package watch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/lang"
)

// Config says what to watch and whom to tell.
type Config struct {
	Path    string          // the policy file
	Policy  string          // the policy to serve; "" when the file has one
	Options compile.Options // profile, import root and importer

	// OnReload is called with each new table once it is serving.
	OnReload func(*compile.Table)
	// OnError is called with the errors of an edit that does not compile
	// (a lang.ErrorList, with positions) while the last good policy serves.
	OnError func(error)
	// Logger, when set, logs each reload at Info and each failure at Error.
	Logger *slog.Logger
	// Settle is how long files must stay unchanged before a reload uses
	// them: the wait after the last change before reading, and the time
	// between the two reads that must agree; 50 ms when zero or negative.
	Settle time.Duration
}

// maxSettleRounds bounds how many times a reload reads the files again
// while they keep changing, so that a file written without end cannot
// hold a reload for ever; Run tries again later (see maxRetryDoublings).
const maxSettleRounds = 20

// maxRetryDoublings bounds Run's backoff after reloads that gave up: it
// tries again a settle interval later, then twice that, and so on up to
// 64 settle intervals (3.2 s by default), for as long as reloads give up.
// Without a retry, files that settle after the last event, or whose
// events were lost, would never be read, and the old policy would keep
// serving with nothing reported; with the bound, a file written without
// end costs 21 reads in every 84 settle intervals or so.
const maxRetryDoublings = 6

// Watcher reloads a middleware's policy from its files.
type Watcher struct {
	cfg Config
	m   *eval.Middleware
	mu  sync.Mutex // one reload at a time

	// last is what the last reload read, whether it compiled or not: what
	// Run watches, and, unless that reload gave up, what a change must
	// differ from to be reloaded.
	last *snapshot
	// wait sleeps for the settle interval between two reads; a test
	// replaces it to act in that interval without racing a clock.
	wait func(time.Duration)
}

// New returns a watcher for the middleware. It does not load anything yet.
func New(m *eval.Middleware, cfg Config) *Watcher {
	if cfg.Settle <= 0 {
		// Never no wait: two reads back to back can agree on a file
		// caught half-written.
		cfg.Settle = 50 * time.Millisecond
	}
	return &Watcher{cfg: cfg, m: m, wait: time.Sleep}
}

// Load compiles the file and returns the table of the policy it serves.
func Load(path, policy string, opts compile.Options) (*compile.Table, error) {
	prog, err := compile.LoadFile(path, opts)
	if err != nil {
		return nil, err
	}
	return choose(prog, path, policy)
}

// choose returns the table of the named policy, or of the only one.
func choose(prog *compile.Program, path, policy string) (*compile.Table, error) {
	if policy == "" {
		names := prog.Names()
		if len(names) != 1 {
			return nil, &lang.Error{Pos: lang.Position{Filename: path}, Code: compile.CodePolicy,
				Msg: "the file has " + strconv.Itoa(len(names)) + " policies (" + strings.Join(names, ", ") + "); name the one to serve"}
		}
		policy = names[0]
	}
	return prog.Policy(policy)
}

// A snapshot is one compilation of the policy: the files it read, as they
// were, and what came of them.
type snapshot struct {
	files []compile.File
	table *compile.Table
	err   error
	// unsettled marks a reload that gave up while the files kept
	// changing: its files are not a finished result, so the same files
	// read again, settled this time, must still be installed.
	unsettled bool
}

// load compiles the policy once, through a compile.Loader, which reports
// every file it read or tried to read.
func (w *Watcher) load() *snapshot {
	l, err := compile.NewLoader(w.cfg.Path, w.cfg.Options)
	if err != nil {
		return &snapshot{files: []compile.File{{Name: w.cfg.Path, Err: err}}, err: err}
	}
	defer l.Close()
	s := &snapshot{}
	var prog *compile.Program
	if prog, s.err = l.Load(); s.err == nil {
		s.table, s.err = choose(prog, w.cfg.Path, w.cfg.Policy)
	}
	s.files = l.Files()
	return s
}

// sameFiles reports whether two snapshots read the same files with the
// same content, size and modification time, and failed to read the same
// ones for the same reasons.
func sameFiles(a, b *snapshot) bool {
	if len(a.files) != len(b.files) {
		return false
	}
	for i, fa := range a.files {
		fb := b.files[i]
		switch {
		case fa.Name != fb.Name || (fa.Err == nil) != (fb.Err == nil) || (fa.Info == nil) != (fb.Info == nil):
			return false
		case fa.Err != nil && fa.Err.Error() != fb.Err.Error():
			return false
		case fa.Info != nil && (!os.SameFile(fa.Info, fb.Info) || fa.Info.Size() != fb.Info.Size() ||
			!fa.Info.ModTime().Equal(fb.Info.ModTime()) || !bytes.Equal(fa.Src, fb.Src)):
			return false
		}
	}
	return true
}

// settled compiles the policy once its files have stopped changing: it
// reads them, waits the settle interval, and reads them again, until two
// reads in a row find every file the same (see sameFiles). A file caught
// half-written, whose first part may well compile into a wider policy
// than the whole, differs between the two reads and is never used.
func (w *Watcher) settled() *snapshot {
	prev := w.load()
	for range maxSettleRounds {
		w.wait(w.cfg.Settle)
		cur := w.load()
		if sameFiles(prev, cur) {
			return cur
		}
		prev = cur
	}
	return &snapshot{files: prev.files, unsettled: true, err: fmt.Errorf("%s: the policy's files were still changing after %d reads %v apart; not reloaded",
		w.cfg.Path, maxSettleRounds+1, w.cfg.Settle)}
}

// Reload compiles the policy now, once its files have settled, and, when
// it compiles, swaps the new table in. On failure the last good policy
// keeps serving, and the error is returned and reported.
func (w *Watcher) Reload() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.install(w.settled())
}

// reloadIfChanged is Reload for a change Run saw: files that read as the
// last reload read them (a second event of one write) are neither
// installed nor reported again, unless that reload gave up. It reports
// whether this reload gave up.
func (w *Watcher) reloadIfChanged() (gaveUp bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.settled()
	if w.last != nil && !w.last.unsettled && !s.unsettled && sameFiles(w.last, s) {
		return false
	}
	w.install(s)
	return s.unsettled
}

// install swaps in the table of a snapshot, or reports its error.
func (w *Watcher) install(s *snapshot) error {
	w.last = s
	if s.err != nil {
		if w.cfg.Logger != nil {
			var list lang.ErrorList
			var msgs []string
			if errors.As(s.err, &list) {
				for _, e := range list {
					msgs = append(msgs, e.Error())
				}
			} else {
				msgs = []string{s.err.Error()}
			}
			w.cfg.Logger.Error("cors policy not reloaded; the last good one keeps serving",
				slog.String("file", w.cfg.Path), slog.Any("errors", msgs))
		}
		if w.cfg.OnError != nil {
			w.cfg.OnError(s.err)
		}
		return s.err
	}
	w.m.Swap(s.table)
	if w.cfg.Logger != nil {
		w.cfg.Logger.Info("cors policy reloaded", slog.String("file", w.cfg.Path), slog.String("policy", s.table.Name))
	}
	if w.cfg.OnReload != nil {
		w.cfg.OnReload(s.table)
	}
	return nil
}

// Run watches the policy's files and reloads after every change to one of
// them, until ctx is done. It watches the directory of every file the
// last reload read or tried to read (the policy file and its imports) and
// of every symbolic link met on the way to them, since editors and
// Kubernetes replace files by renaming, which a watch on the file itself
// would miss; after each reload it watches the files that reload read. It
// reloads once when it starts, so that a change made since the caller's
// first load is not missed. When a reload gives up because the files kept
// changing, it tries again by itself, with a backoff (see
// maxRetryDoublings), until a reload finds them settled.
func (w *Watcher) Run(ctx context.Context) error {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer fw.Close()
	// What to watch at first: what the last reload read, or else what the
	// policy reads now. The latter is not remembered as reloaded, so that
	// the first reload installs it whatever it is.
	w.mu.Lock()
	first := w.last
	if first == nil {
		first = w.load()
	}
	deps := w.watch(fw, first, nil)
	w.mu.Unlock()

	timer := time.NewTimer(w.cfg.Settle)
	defer timer.Stop()
	fire := timer.C
	gaveUp := 0 // reloads in a row that gave up
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-fw.Events:
			if !ok {
				return nil
			}
			if ev.Op == fsnotify.Chmod || !deps.paths[ev.Name] {
				continue
			}
			timer.Reset(w.cfg.Settle)
			fire = timer.C
		case <-fire:
			fire = nil
			var next time.Duration
			if w.reloadIfChanged() {
				// The writer may have stopped during the last read
				// interval, with no event to come: look again.
				next = w.cfg.Settle << min(gaveUp, maxRetryDoublings)
				gaveUp++
			} else {
				gaveUp = 0
			}
			w.mu.Lock()
			old := deps
			deps = w.watch(fw, w.last, deps)
			w.mu.Unlock()
			for dir := range deps.dirs {
				if !old.dirs[dir] {
					// A directory watched only from now on may have
					// changed since the reload read it: look once more.
					next = w.cfg.Settle
					break
				}
			}
			if next > 0 {
				timer.Reset(next)
				fire = timer.C
			}
		case err, ok := <-fw.Errors:
			if !ok {
				return nil
			}
			if w.cfg.Logger != nil {
				w.cfg.Logger.Error("cors policy watch", slog.String("error", err.Error()))
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost: one of them may have been a change.
				timer.Reset(w.cfg.Settle)
				fire = timer.C
			}
		}
	}
}

// dependencies is what Run watches: the paths whose change can change
// what the policy compiles to, and the directories that hold them.
type dependencies struct {
	paths map[string]bool
	dirs  map[string]bool
}

// watch points fw at the dependencies of a snapshot and returns them; it
// stops watching the directories of old that are no longer needed.
func (w *Watcher) watch(fw *fsnotify.Watcher, s *snapshot, old *dependencies) *dependencies {
	root := w.cfg.Options.Root
	if root == "" {
		root = filepath.Dir(w.cfg.Path)
	}
	root = resolved(root)
	deps := &dependencies{paths: map[string]bool{}, dirs: map[string]bool{}}
	names := []string{w.cfg.Path}
	for _, f := range s.files {
		names = append(names, f.Name)
	}
	for _, name := range names {
		abs, err := filepath.Abs(name)
		if err != nil {
			continue
		}
		for _, p := range trail(abs, root) {
			deps.paths[p] = true
			deps.dirs[filepath.Dir(p)] = true
		}
	}
	for dir := range deps.dirs {
		// Added again even when watched already: a directory removed and
		// made again under the same name needs a new watch.
		if err := fw.Add(dir); err != nil && w.cfg.Logger != nil {
			w.cfg.Logger.Error("cors policy watch", slog.String("dir", dir), slog.String("error", err.Error()))
		}
	}
	if old != nil {
		for dir := range old.dirs {
			if !deps.dirs[dir] {
				fw.Remove(dir) // gone already, perhaps: nothing to undo then
			}
		}
	}
	return deps
}

// resolved returns the absolute path of dir with its symbolic links
// resolved, or as absolute as it can be made when it cannot be resolved.
func resolved(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		return real
	}
	return dir
}

// maxLinks bounds the symbolic links trail follows, as the kernel does,
// so that a loop of links ends.
const maxLinks = 40

// trail returns the paths on the way from the absolute path to the file it
// names whose change can change what path leads to: every symbolic link
// met, resolved component by component as the kernel resolves them;
// every directory passed through below root, the directory of the policy's
// imports; and the file reached, or the first component that does not
// exist. A ConfigMap's api.cors -> ..data/api.cors, ..data -> ..2026_x
// yields api.cors, ..data, ..2026_x and ..2026_x/api.cors.
func trail(path, root string) []string {
	var out []string
	dir := string(filepath.Separator)
	rest := strings.Split(strings.TrimPrefix(path, dir), string(filepath.Separator))
	links := 0
	for len(rest) > 0 {
		elem := rest[0]
		rest = rest[1:]
		if elem == "" || elem == "." {
			continue
		}
		// dir has no link left in it, so its parent is its lexical parent.
		next := filepath.Join(dir, elem)
		info, err := os.Lstat(next)
		if err != nil {
			return append(out, next) // its creation is a change
		}
		if info.Mode()&os.ModeSymlink == 0 {
			if len(rest) > 0 && strings.HasPrefix(next, root+string(filepath.Separator)) {
				out = append(out, next) // a directory below the root, which a rename can replace
			}
			dir = next
			continue
		}
		out = append(out, next)
		target, err := os.Readlink(next)
		if links++; err != nil || links > maxLinks {
			return out
		}
		if filepath.IsAbs(target) {
			dir = string(filepath.Separator)
		}
		rest = append(strings.Split(target, string(filepath.Separator)), rest...)
	}
	return append(out, dir)
}
