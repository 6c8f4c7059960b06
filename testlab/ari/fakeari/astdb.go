package fakeari

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/pbxagent/pbxagent/ari"
)

// The DB() dialplan function (funcs/func_db.c) reads and writes astdb,
// but it is registered as escalating for both
// (ast_custom_function_register_escalating(&db_function, AST_CFE_BOTH)),
// and every thread serving an HTTP connection, ARI's included, inhibits
// escalations (main/tcptls.c handle_tcptls_connection:
// ast_thread_inhibit_escalations). So on a stock Asterisk
// (asterisk.conf live_dangerously = no) POST /asterisk/variable with
// variable=DB(family/key) answers 204 and writes nothing ("Dangerous
// function DB write blocked", main/pbx_functions.c ast_func_write), and
// GET /channels/{id}/variable?variable=DB(family/key) answers 500 "Error
// With Function" (res/ari/resource_channels.c, ast_func_read2 failing).
// With live_dangerously = yes (WithLiveDangerously) both work and the
// value is kept in astdb, across a restart.
//
// Mailboxes (res_ari_mailboxes over res_mwi_external) are kept by
// res_mwi_external in astdb too (sorcery wizard astdb, prefix
// mwi_external): they survive a restart. PUT creates or updates a mailbox
// (res/res_stasis_mailbox.c stasis_app_mailbox_update); GET and DELETE of
// a missing one answer 404.

// mailbox is a mailbox as ARI shows it.
type mailbox = ari.Mailbox

// WithLiveDangerously models asterisk.conf live_dangerously = yes:
// escalating dialplan functions such as DB() work through ARI.
func WithLiveDangerously() Option { return func(s *Server) { s.liveDangerously = true } }

// dbArg returns "family/key" of a DB(family/key) function name.
func dbArg(name string) (string, bool) {
	if len(name) < 4 || !strings.EqualFold(name[:3], "DB(") || !strings.HasSuffix(name, ")") {
		return "", false
	}
	return name[3 : len(name)-1], true
}

// dbWriteLocked is function_db_write behind the escalation check.
func (s *Server) dbWriteLocked(arg, value string) bool {
	if !s.liveDangerously {
		return false
	}
	family, key, found := strings.Cut(arg, "/")
	if !found || family == "" {
		return false // "DB requires an argument, DB(<family>/<key>)=<value>"
	}
	s.astdb[family+"/"+key] = value
	return true
}

// dbReadLocked is GET /channels/{id}/variable of DB(family/key): 500
// when the read is blocked or malformed, "" for a missing key
// (function_db_read leaves the buffer empty).
func (s *Server) dbReadLocked(arg string) response {
	family, key, found := strings.Cut(arg, "/")
	if !s.liveDangerously || !found || family == "" {
		return fail(http.StatusInternalServerError, "Unable to read provided function") // reason phrase "Error With Function"
	}
	return ok(ari.Variable{Value: s.astdb[family+"/"+key]})
}

// AstDB returns the astdb value at family/key; false when none.
func (s *Server) AstDB(familyKey string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, found := s.astdb[familyKey]
	return v, found
}

// Mailbox returns a mailbox as ARI shows it; false when none.
func (s *Server) Mailbox(name string) (ari.Mailbox, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, found := s.mailboxes[name]
	return m, found
}

func (s *Server) hMailboxList(_ *request) response {
	names := make([]string, 0, len(s.mailboxes))
	for n := range s.mailboxes {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]ari.Mailbox, 0, len(names))
	for _, n := range names {
		out = append(out, s.mailboxes[n])
	}
	return ok(out)
}

func (s *Server) hMailboxGet(r *request) response {
	m, found := s.mailboxes[r.p("mailboxName")]
	if !found {
		return fail(http.StatusNotFound, "Mailbox is does not exist")
	}
	return ok(m)
}

func (s *Server) hMailboxUpdate(r *request) response {
	name := r.p("mailboxName")
	// The parameters are required ints (mailboxes.json); res_ari's
	// generated code answers 400 when one is missing or not a number.
	for _, p := range []string{"oldMessages", "newMessages"} {
		if _, err := strconv.Atoi(r.q.Get(p)); err != nil {
			return fail(http.StatusBadRequest, p+" must be an integer")
		}
	}
	s.mailboxes[name] = ari.Mailbox{Name: name, OldMessages: atoiOr(r.q.Get("oldMessages"), 0), NewMessages: atoiOr(r.q.Get("newMessages"), 0)}
	return noContent()
}

func (s *Server) hMailboxDelete(r *request) response {
	name := r.p("mailboxName")
	if _, found := s.mailboxes[name]; !found {
		return fail(http.StatusNotFound, "Mailbox does not exist")
	}
	delete(s.mailboxes, name)
	return noContent()
}

// Global returns a global variable's value (POST /asterisk/variable);
// false when never set.
func (s *Server) Global(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, found := s.globals[name]
	return v, found
}
