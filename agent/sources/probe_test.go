package sources_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/pbxagent/pbxagent/agent/sources"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
	srctypes "github.com/pbxagent/pbxagent/phonebook/source/sources"
	"github.com/pbxagent/pbxagent/testlab/contactsvc"
	"github.com/pbxagent/pbxagent/testlab/faultnet"
	"github.com/pbxagent/pbxagent/testlab/graphfake"
)

// probeLimit is the test bound of these tests (the default is 5 s).
const probeLimit = 400 * time.Millisecond

// probeAPI serves the sources API of an engine whose tests are bounded by
// probeLimit and whose resolver knows no name under .invalid (a DNS
// failure without the network).
func probeAPI(t *testing.T) *httptest.Server {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	dial := (&net.Dialer{}).DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, _, _ := net.SplitHostPort(addr); strings.HasSuffix(host, ".invalid") {
			return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
		}
		return dial(ctx, network, addr)
	}
	eng, err := dirsync.NewEngine(syncfake.NewMemStore(), dirsync.WithDataDir(t.TempDir()), dirsync.WithTypes(srctypes.All()...),
		dirsync.WithHTTPClient(&http.Client{Transport: tr}), dirsync.WithTestTimeout(probeLimit))
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(sources.New(eng, sources.Config{}).Handler())
	t.Cleanup(api.Close)
	return api
}

// probeAnswer is a test's answer: the rows or the error envelope.
type probeAnswer struct {
	Contacts []map[string]any `json:"contacts"`
	Error    struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"details"`
	} `json:"error"`
}

// probe posts an unsaved source to /api/v1/sources/test and returns the
// status, the answer and how long it took.
func probe(t *testing.T, api *httptest.Server, typ string, settings map[string]any) (int, probeAnswer, time.Duration) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"type": typ, "name": "probe", "settings": settings})
	start := time.Now()
	resp, err := http.Post(api.URL+"/api/v1/sources/test", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	took := time.Since(start)
	raw, _ := io.ReadAll(resp.Body)
	var out probeAnswer
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("answer %s: %v", raw, err)
	}
	return resp.StatusCode, out, took
}

// probeCase is one source test and what it must answer.
type probeCase struct {
	name     string
	typ      string
	settings map[string]any
	status   int
	code     string // error code ("" for 200)
	field    string // the detail's field
	inMsg    string // in the message
	rows     int    // rows on 200
}

func checkProbe(t *testing.T, api *httptest.Server, tc probeCase) {
	t.Helper()
	status, out, took := probe(t, api, tc.typ, tc.settings)
	if took > probeLimit+2*time.Second {
		t.Errorf("took %s, bound %s", took, probeLimit)
	}
	if status != tc.status || out.Error.Code != tc.code {
		t.Fatalf("answer %d %q %q, want %d %q", status, out.Error.Code, out.Error.Message, tc.status, tc.code)
	}
	if tc.inMsg != "" && !strings.Contains(out.Error.Message, tc.inMsg) {
		t.Errorf("message %q does not say %q", out.Error.Message, tc.inMsg)
	}
	if tc.field != "" && (len(out.Error.Details) != 1 || out.Error.Details[0].Field != tc.field) {
		t.Errorf("details %+v, want the field %s", out.Error.Details, tc.field)
	}
	if status != http.StatusOK {
		return
	}
	if len(out.Contacts) != tc.rows {
		t.Fatalf("%d rows, want %d", len(out.Contacts), tc.rows)
	}
	for i, row := range out.Contacts {
		// Fields the phone book assigns on write have no value in a dry
		// run: they are not shown at all rather than as placeholders.
		for _, k := range []string{"id", "scope", "source", "created_at", "updated_at", "version"} {
			if v, ok := row[k]; ok {
				t.Errorf("row %d has the placeholder %s=%v", i, k, v)
			}
		}
		if row["external_id"] == "" || row["display_name"] == "" {
			t.Errorf("row %d lacks its external id or name: %v", i, row)
		}
	}
}

// TestSourceTestNamesTheFailure: a refused credential is a 422 naming the
// setting, an unreachable server a 502 naming the host and the cause, and
// every answer comes within the bound.
func TestSourceTestNamesTheFailure(t *testing.T) {
	api := probeAPI(t)

	svc := contactsvc.New(contactsvc.Options{})
	for i := 0; i < 3; i++ {
		svc.Put(contactsvc.Synthetic(i, ""))
	}
	custom := httptest.NewServer(svc)
	defer custom.Close()

	g := graphfake.New("contoso", "app-id", "app-secret")
	for i := 0; i < 3; i++ {
		g.PutUser(graphfake.User(i))
	}
	graph := httptest.NewServer(g)
	defer graph.Close()

	const csvBody = "Ana,,Horvat,ana@example.com,Acme,work:+38761100004\nBo,,Kim,,Acme,mobile:+38761100005\n"
	csvFile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "book" || p != "right" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "text/csv")
		io.WriteString(w, csvBody)
	}))
	defer csvFile.Close()
	tlsFile := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, csvBody) }))
	tlsFile.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	tlsFile.StartTLS()
	defer tlsFile.Close()

	hole, closed := faultnet.Blackhole(t), faultnet.ClosedPort(t)
	customAt := func(url, secret string) map[string]any {
		return map[string]any{"url": url, "client_id": "test_id", "client_secret": secret}
	}
	m365 := func(secret string) map[string]any {
		return map[string]any{"tenant_id": "contoso", "client_id": "app-id", "client_secret": secret,
			"graph_url": graph.URL + "/v1.0", "token_url": graph.URL + g.TokenPath()}
	}
	tests := []probeCase{
		{name: "custom rows", typ: "custom", settings: customAt(custom.URL, "test_secret"), status: 200, rows: 3},
		{name: "custom wrong secret", typ: "custom", settings: customAt(custom.URL, "wrong"),
			status: 422, code: "credentials_refused", field: "settings.client_secret", inMsg: "HTTP 401"},
		{name: "custom server that never answers", typ: "custom", settings: customAt("http://"+hole, "test_secret"),
			status: 502, code: "unreachable", field: "settings.url", inMsg: hole + ": no answer in time"},
		{name: "custom closed port", typ: "custom", settings: customAt("http://"+closed, "test_secret"),
			status: 502, code: "unreachable", field: "settings.url", inMsg: closed + ": connection refused"},
		{name: "custom unknown name", typ: "custom", settings: customAt("http://contacts.invalid:5555", "test_secret"),
			status: 502, code: "unreachable", field: "settings.url", inMsg: "contacts.invalid:5555: the name does not resolve"},
		{name: "m365 rows", typ: "m365", settings: m365("app-secret"), status: 200, rows: 3},
		{name: "m365 wrong secret", typ: "m365", settings: m365("wrong"),
			status: 422, code: "credentials_refused", field: "settings.client_secret", inMsg: "AADSTS7000215"},
		{name: "m365 token endpoint that never answers", typ: "m365",
			settings: map[string]any{"tenant_id": "contoso", "client_id": "app-id", "client_secret": "s", "token_url": "http://" + hole + "/token"},
			status:   502, code: "unreachable", field: "settings.token_url", inMsg: hole},
		{name: "csv rows", typ: "csv-url", settings: map[string]any{"url": csvFile.URL, "username": "book", "password": "right"}, status: 200, rows: 2},
		{name: "csv wrong password", typ: "csv-url", settings: map[string]any{"url": csvFile.URL, "username": "book", "password": "wrong"},
			status: 422, code: "credentials_refused", field: "settings.password", inMsg: "HTTP 401"},
		{name: "csv without credentials", typ: "csv-url", settings: map[string]any{"url": csvFile.URL},
			status: 422, code: "credentials_refused", field: "settings.username"},
		{name: "csv untrusted certificate", typ: "csv-url", settings: map[string]any{"url": tlsFile.URL},
			status: 502, code: "unreachable", field: "settings.url", inMsg: "TLS failed"},
		{name: "csv server that never answers", typ: "csv-url", settings: map[string]any{"url": "http://" + hole + "/book.csv"},
			status: 502, code: "unreachable", inMsg: "no answer in time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkProbe(t, api, tc) })
	}
}

// TestSourceTestSQL: the same answers from real PostgreSQL and MariaDB
// (skipped without them, failed when CI=true).
func TestSourceTestSQL(t *testing.T) {
	api := probeAPI(t)
	hole, closed := faultnet.Blackhole(t), faultnet.ClosedPort(t)
	hostPort := func(addr string) (string, int) {
		h, p, _ := net.SplitHostPort(addr)
		n, _ := strconv.Atoi(p)
		return h, n
	}
	holeHost, holePort := hostPort(hole)
	closedHost, closedPort := hostPort(closed)
	query := map[string]any{"query": "SELECT ${MAP} FROM (SELECT 1 AS pid, 'Ana' AS fn) AS p", "map": map[string]any{"id": "pid", "first_name": "fn"}}
	with := func(base map[string]any, extra map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range query {
			out[k] = v
		}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	pg := map[string]any{"driver": "postgres", "host": "127.0.0.1", "port": 5432, "user": pgUser(t), "database": "postgres"}
	my := map[string]any{"driver": "mysql", "host": "127.0.0.1", "port": 3306, "user": "root", "database": "mysql"}
	needMariaDB(t)
	tests := []probeCase{
		{name: "postgres rows", typ: "sql", settings: with(pg, nil), status: 200, rows: 1},
		{name: "postgres unknown role", typ: "sql", settings: with(pg, map[string]any{"user": "no_such_role_pbx", "password": "x"}),
			status: 422, code: "credentials_refused", field: "settings.user", inMsg: "no_such_role_pbx"},
		{name: "postgres server that never answers", typ: "sql", settings: with(pg, map[string]any{"host": holeHost, "port": holePort}),
			status: 502, code: "unreachable", field: "settings.host", inMsg: "no answer in time"},
		{name: "mariadb rows", typ: "sql", settings: with(my, nil), status: 200, rows: 1},
		{name: "mariadb wrong password", typ: "sql", settings: with(my, map[string]any{"password": "wrong-password"}),
			status: 422, code: "credentials_refused", field: "settings.password", inMsg: "Access denied"},
		{name: "mariadb closed port", typ: "sql", settings: with(my, map[string]any{"host": closedHost, "port": closedPort}),
			status: 502, code: "unreachable", field: "settings.host", inMsg: "connection refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkProbe(t, api, tc) })
	}
}

// needPeer skips (or fails when CI=true) without a database.
func needPeer(t *testing.T, what string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s unreachable (CI=true): %v", what, err)
	}
	t.Skipf("%s unreachable, skipping: %v", what, err)
}

// pgUser returns a PostgreSQL role that logs in on 127.0.0.1:5432.
func pgUser(t *testing.T) string {
	t.Helper()
	var last error
	for _, u := range []string{"postgres", "root"} {
		db, err := sql.Open("pgx", "postgres://"+u+"@127.0.0.1:5432/postgres?connect_timeout=3")
		if err == nil {
			err = db.Ping()
			db.Close()
			if err == nil {
				return u
			}
		}
		last = err
	}
	needPeer(t, "PostgreSQL on 127.0.0.1:5432", last)
	return ""
}

func needMariaDB(t *testing.T) {
	t.Helper()
	db, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/?timeout=3s")
	if err == nil {
		err = db.Ping()
		db.Close()
	}
	if err != nil {
		needPeer(t, "MariaDB on 127.0.0.1:3306", err)
	}
}
