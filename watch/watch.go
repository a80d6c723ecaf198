// Package watch keeps a middleware's policy in step with its file: it
// recompiles the file when it changes and swaps the new table in
// atomically, so that every request is answered wholly by the old policy
// or wholly by the new one. An edit that does not compile leaves the last
// good policy serving and is reported, with positions, to a callback and
// to a log/slog logger.
//
// It is a package of its own so that services that never reload do not
// depend on github.com/fsnotify/fsnotify.
package watch

import (
	"context"
	"errors"
	"log/slog"
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
	Options compile.Options // profile and importer

	// OnReload is called with each new table once it is serving.
	OnReload func(*compile.Table)
	// OnError is called with the errors of an edit that does not compile
	// (a lang.ErrorList, with positions) while the last good policy serves.
	OnError func(error)
	// Logger, when set, logs each reload at Info and each failure at Error.
	Logger *slog.Logger
	// Settle is how long to wait after a change before reading the file,
	// so that an editor's several writes make one reload; 50 ms when zero.
	Settle time.Duration
}

// Watcher reloads a middleware's policy from a file.
type Watcher struct {
	cfg Config
	m   *eval.Middleware
	mu  sync.Mutex // one reload at a time
}

// New returns a watcher for the middleware. It does not load anything yet.
func New(m *eval.Middleware, cfg Config) *Watcher {
	if cfg.Settle == 0 {
		cfg.Settle = 50 * time.Millisecond
	}
	return &Watcher{cfg: cfg, m: m}
}

// Load compiles the file and returns the table of the policy it serves.
func Load(path, policy string, opts compile.Options) (*compile.Table, error) {
	prog, err := compile.LoadFile(path, opts)
	if err != nil {
		return nil, err
	}
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

// Reload compiles the file now and, when it compiles, swaps the new table
// in. On failure the last good policy keeps serving, and the error is
// returned and reported.
func (w *Watcher) Reload() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	t, err := Load(w.cfg.Path, w.cfg.Policy, w.cfg.Options)
	if err != nil {
		if w.cfg.Logger != nil {
			var list lang.ErrorList
			var msgs []string
			if errors.As(err, &list) {
				for _, e := range list {
					msgs = append(msgs, e.Error())
				}
			} else {
				msgs = []string{err.Error()}
			}
			w.cfg.Logger.Error("cors policy not reloaded; the last good one keeps serving",
				slog.String("file", w.cfg.Path), slog.Any("errors", msgs))
		}
		if w.cfg.OnError != nil {
			w.cfg.OnError(err)
		}
		return err
	}
	w.m.Swap(t)
	if w.cfg.Logger != nil {
		w.cfg.Logger.Info("cors policy reloaded", slog.String("file", w.cfg.Path), slog.String("policy", t.Name))
	}
	if w.cfg.OnReload != nil {
		w.cfg.OnReload(t)
	}
	return nil
}

// Run watches the file's directory (editors replace files by renaming, which
// a watch on the file itself would miss) and reloads after every change to a
// .cors file there, until ctx is done.
func (w *Watcher) Run(ctx context.Context) error {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer fw.Close()
	dir := filepath.Dir(w.cfg.Path)
	if err := fw.Add(dir); err != nil {
		return err
	}
	var timer *time.Timer
	var fire <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return nil
		case ev, ok := <-fw.Events:
			if !ok {
				return nil
			}
			if !strings.HasSuffix(ev.Name, ".cors") || ev.Op == fsnotify.Chmod {
				continue
			}
			if timer == nil {
				timer = time.NewTimer(w.cfg.Settle)
			} else {
				timer.Reset(w.cfg.Settle)
			}
			fire = timer.C
		case <-fire:
			fire = nil
			w.Reload()
		case err, ok := <-fw.Errors:
			if !ok {
				return nil
			}
			if w.cfg.Logger != nil {
				w.cfg.Logger.Error("cors policy watch", slog.String("error", err.Error()))
			}
		}
	}
}
