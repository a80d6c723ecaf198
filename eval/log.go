package eval

import (
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
)

// LogDecisions makes the middleware log the decisions of CORS requests
// (requests without an Origin are not CORS and are not logged) to logger,
// one in every `every` of them (1: all), at level Info for allowed requests
// and Warn for denied ones, with the origin, method, path, kind, decision,
// failed check and the positions of the deciding rules. A middleware made
// without this option spends nothing on logging.
func LogDecisions(logger *slog.Logger, every int) Option {
	return func(m *Middleware) {
		if logger != nil {
			m.log = &decisionLog{logger: logger, every: uint64(max(every, 1))}
		}
	}
}

type decisionLog struct {
	logger *slog.Logger
	every  uint64
	seen   atomic.Uint64
}

func (l *decisionLog) record(r *http.Request, req *Request, d *Decision) {
	if d.Kind == NotCORS || l.seen.Add(1)%l.every != 0 {
		return
	}
	level, msg := slog.LevelInfo, "cors allowed"
	if !d.Allowed {
		level, msg = slog.LevelWarn, "cors denied"
	}
	if !l.logger.Enabled(r.Context(), level) {
		return
	}
	rules := make([]string, len(d.Rules))
	for i, rule := range d.Rules {
		rules[i] = rule.Effect.String() + " " + rule.Pos.String()
	}
	attrs := []slog.Attr{
		slog.String("origin", clip(strings.Join(req.Origin, ", "))),
		slog.String("method", req.Method),
		slog.String("path", req.Path),
		slog.String("kind", d.Kind.String()),
		slog.Any("rules", rules),
	}
	if req.RequestMethod != nil {
		attrs = append(attrs, slog.String("request_method", strings.Join(req.RequestMethod, ", ")))
	}
	if !d.Allowed {
		attrs = append(attrs, slog.String("failed", d.Failed.String()), slog.String("detail", d.Detail))
	}
	l.logger.LogAttrs(r.Context(), level, msg, attrs...)
}

// clip shortens what a client sent to a length fit for a log line.
func clip(s string) string {
	const max = 256
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
