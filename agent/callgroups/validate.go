package callgroups

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Limits of a group's configuration.
const (
	MaxMembers     = 1000
	MaxNumbers     = 20
	MaxName        = 100
	MaxPauseReason = 64
	// MaxQueue is the highest max_callers.
	MaxQueue = 10000
)

// Defaults applied by NewGroup and, for the fields whose range excludes
// 0, by CreateGroup and UpdateGroup when they are 0.
const (
	DefaultRingTimeout  = 15
	DefaultRetryDelay   = 5 // app_queue DEFAULT_RETRY
	DefaultSLAThreshold = 20
	DefaultSLATarget    = 80
	DefaultShortAbandon = 5
)

var (
	idPattern     = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)
	numberPattern = regexp.MustCompile(`^[0-9A-Za-z+*#_.-]{1,32}$`)
	mohPattern    = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,80}$`)
	dialPattern   = regexp.MustCompile(`^[^\s|,()]{1,80}$`)
)

// NewGroup returns a group holding the documented defaults: decode a
// request body onto it so that the fields the body leaves out take them
// (JSON cannot tell an absent retry_delay from 0).
func NewGroup() Group {
	return Group{
		Numbers: []string{}, Strategy: RingAll, RingTimeout: DefaultRingTimeout, RetryDelay: DefaultRetryDelay,
		JoinEmpty: []Factor{}, LeaveWhenEmpty: []Factor{}, Hold: HoldMOH,
		SLAThreshold: DefaultSLAThreshold, SLATarget: DefaultSLATarget, ShortAbandon: DefaultShortAbandon,
		Members: []Member{},
	}
}

// checkID reports a group id's fault, "" when it is fine.
func checkID(id string) string {
	if !idPattern.MatchString(id) {
		return "must be 1 to 32 of a-z, 0-9, '-' and '_'"
	}
	return ""
}

// normalize fills the defaults of g's zero fields whose range excludes 0
// and checks every field; the error names each field at fault. Members
// are checked against dir (static members: Dynamic is cleared).
func normalize(g *Group, dir Directory) *platform.APIError {
	var fes []platform.FieldError
	bad := func(field, format string, args ...any) {
		fes = append(fes, platform.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if m := checkID(g.ID); m != "" {
		bad("id", "%s", m)
	}
	g.Name = strings.TrimSpace(g.Name)
	if g.Name == "" {
		g.Name = g.ID
	}
	if !printable(g.Name) || utf8.RuneCountInString(g.Name) > MaxName {
		bad("name", "must be at most %d printable characters", MaxName)
	}
	if g.Numbers == nil {
		g.Numbers = []string{}
	}
	if len(g.Numbers) > MaxNumbers {
		bad("numbers", "must hold at most %d numbers", MaxNumbers)
	}
	for i, n := range g.Numbers {
		switch {
		case !numberPattern.MatchString(n):
			bad(fmt.Sprintf("numbers[%d]", i), "must be 1 to 32 of 0-9, A-Z, a-z, +, *, #, _, . and -")
		case slices.Index(g.Numbers, n) < i:
			bad(fmt.Sprintf("numbers[%d]", i), "appears twice")
		}
	}
	if g.Strategy == "" {
		g.Strategy = RingAll
	}
	if !slices.Contains(Strategies, g.Strategy) {
		bad("strategy", "must be one of ringall, linear, rrmemory, leastrecent, fewestcalls, random")
	}
	if g.RingTimeout == 0 {
		g.RingTimeout = DefaultRingTimeout
	}
	rng := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			bad(field, "must be %d to %d", lo, hi)
		}
	}
	rng("ring_timeout", g.RingTimeout, 1, 600)
	// app_queue: "if (q->retry <= 0) q->retry = DEFAULT_RETRY" (queue_set_param).
	if g.RetryDelay == 0 {
		g.RetryDelay = DefaultRetryDelay
	}
	rng("retry_delay", g.RetryDelay, 0, 600)
	rng("wrapup_time", g.WrapUp, 0, 3600)
	rng("max_wait", g.MaxWait, 0, 86400)
	rng("max_callers", g.MaxCallers, 0, MaxQueue)
	g.JoinEmpty = checkFactors("join_empty", g.JoinEmpty, bad)
	g.LeaveWhenEmpty = checkFactors("leave_when_empty", g.LeaveWhenEmpty, bad)
	if g.Hold == "" {
		g.Hold = HoldMOH
	}
	if g.Hold != HoldMOH && g.Hold != HoldRingback {
		bad("hold", "must be moh or ringback")
	}
	if g.MOHClass != "" && !mohPattern.MatchString(g.MOHClass) {
		bad("moh_class", "must be 1 to 80 of A-Z, a-z, 0-9, _, . and -")
	}
	if g.AnnounceFrequency != 0 {
		rng("announce_frequency", g.AnnounceFrequency, 15, 3600)
	}
	checkDestination(g.Overflow, bad)
	if g.SLAThreshold == 0 {
		g.SLAThreshold = DefaultSLAThreshold
	}
	rng("sla_threshold", g.SLAThreshold, 1, 3600)
	if g.SLATarget == 0 {
		g.SLATarget = DefaultSLATarget
	}
	if g.SLATarget < 1 || g.SLATarget > 100 {
		bad("sla_target", "must be 1 to 100")
	}
	rng("short_abandon", g.ShortAbandon, 0, 600)
	if g.Members == nil {
		g.Members = []Member{}
	}
	if len(g.Members) > MaxMembers {
		bad("members", "must hold at most %d members", MaxMembers)
	}
	seen := map[string]bool{}
	for i, m := range g.Members {
		g.Members[i].Dynamic = false
		field := fmt.Sprintf("members[%d]", i)
		if fe := checkMember(field+".", m, dir); fe != nil {
			fes = append(fes, *fe)
			continue
		}
		if seen[m.UserID] {
			bad(field+".user_id", "appears twice")
		}
		seen[m.UserID] = true
	}
	if len(fes) > 0 {
		return platform.Invalid("bad call group", fes...)
	}
	return nil
}

// checkMember checks a member's user and penalty; prefix is "" or
// "members[2]." for the field names.
func checkMember(prefix string, m Member, dir Directory) *platform.FieldError {
	if m.UserID == "" {
		return &platform.FieldError{Field: prefix + "user_id", Message: "is required"}
	}
	if u, ok := dir.User(m.UserID); !ok || !u.Enabled {
		return &platform.FieldError{Field: prefix + "user_id", Message: fmt.Sprintf("no enabled user with id %q", clip(m.UserID))}
	}
	if m.Penalty < 0 || m.Penalty > 100 {
		return &platform.FieldError{Field: prefix + "penalty", Message: "must be 0 to 100"}
	}
	return nil
}

// checkFactors checks a factor list and drops duplicates.
func checkFactors(field string, fs []Factor, bad func(string, string, ...any)) []Factor {
	out := make([]Factor, 0, len(fs))
	for i, f := range fs {
		if !slices.Contains(Factors, f) {
			bad(fmt.Sprintf("%s[%d]", field, i), "must be one of paused, inuse, ringing, unavailable, wrapup, dnd")
			continue
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// checkDestination checks the overflow destination.
func checkDestination(d Destination, bad func(string, string, ...any)) {
	for _, p := range []struct{ field, v string }{
		{"overflow.context", d.Context}, {"overflow.extension", d.Extension}, {"overflow.label", d.Label},
	} {
		if p.v != "" && !dialPattern.MatchString(p.v) {
			bad(p.field, "must be 1 to 80 characters without spaces, '|', ',' or parentheses")
		}
	}
	if d.Priority < 0 || d.Priority > 99999 {
		bad("overflow.priority", "must be 0 to 99999")
	}
	if d.Priority != 0 && d.Label != "" {
		bad("overflow.label", "give a priority or a label, not both")
	}
}

// checkReason checks a pause reason.
func checkReason(reason string) *platform.APIError {
	if !printable(reason) || utf8.RuneCountInString(reason) > MaxPauseReason {
		return platform.Invalid("bad pause", platform.FieldError{Field: "reason", Message: fmt.Sprintf("must be at most %d printable characters", MaxPauseReason)})
	}
	return nil
}

// conflict is a 409 naming a field.
func conflict(field, msg string) *platform.APIError {
	return &platform.APIError{Status: http.StatusConflict, Code: platform.CodeConflict, Message: msg,
		Details: []platform.FieldError{{Field: field, Message: msg}}}
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// clip shortens a value quoted in an error.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
