package sqlsrc_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
	"github.com/pbxagent/pbxagent/phonebook/source/sqlsrc"
)

func TestSettingsValidation(t *testing.T) {
	base := func(mod func(m map[string]any)) json.RawMessage {
		m := map[string]any{"driver": "mysql", "host": "db", "query": "SELECT ${MAP} FROM people",
			"map": map[string]any{"id": "pid", "first_name": "fn", "work": []string{"phone1", "phone2"}}}
		mod(m)
		b, _ := json.Marshal(m)
		return b
	}
	tests := []struct {
		name  string
		mod   func(m map[string]any)
		field string
	}{
		{"ok", func(m map[string]any) {}, ""},
		{"driver", func(m map[string]any) { m["driver"] = "oracle" }, "settings.driver"},
		{"host", func(m map[string]any) { delete(m, "host") }, "settings.host"},
		{"not a select", func(m map[string]any) { m["query"] = "DELETE FROM people ${MAP}" }, "settings.query"},
		{"two statements", func(m map[string]any) { m["query"] = "SELECT ${MAP} FROM p; DROP TABLE p" }, "settings.query"},
		{"no placeholder", func(m map[string]any) { m["query"] = "SELECT * FROM p" }, "settings.query"},
		{"no id", func(m map[string]any) { m["map"] = map[string]any{"first_name": "fn"} }, "settings.map.id"},
		{"no name", func(m map[string]any) { m["map"] = map[string]any{"id": "x", "work": "p"} }, "settings.map"},
		{"unknown field", func(m map[string]any) { m["map"] = map[string]any{"id": "x", "first_name": "a", "shoe": "s"} }, "settings.map.shoe"},
		{"bad column", func(m map[string]any) { m["map"] = map[string]any{"id": "x", "first_name": "a`; DROP"} }, "settings.map.first_name"},
		{"timeout", func(m map[string]any) { m["timeout_seconds"] = 99999 }, "settings.timeout_seconds"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sqlsrc.New(base(tc.mod), dirsync.Env{})
			var fe *dirsync.FieldError
			switch {
			case tc.field == "" && err != nil:
				t.Fatal(err)
			case tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field):
				t.Fatalf("err %v, want field %s", err, tc.field)
			}
		})
	}
}

func TestSQLServerDSN(t *testing.T) {
	tests := []struct {
		s    sqlsrc.Settings
		want string
	}{
		{sqlsrc.Settings{Host: `db1\SQLEXPRESS`, User: "ro", Password: "p@ss;word", Database: "crm"},
			`sqlserver://ro:p%40ss;word@db1/SQLEXPRESS?database=crm&dial+timeout=10`},
		{sqlsrc.Settings{Host: "db1", Port: 1433, User: "ro", Database: "crm"},
			`sqlserver://ro:@db1:1433?database=crm&dial+timeout=10`},
		{sqlsrc.Settings{Host: "db1", Instance: "PBX", Port: 50123},
			`sqlserver://db1:50123/PBX?dial+timeout=10`},
	}
	for _, tc := range tests {
		if got := sqlsrc.SQLServerDSN(&tc.s); got != tc.want {
			t.Errorf("%+v:\n got %s\nwant %s", tc.s, got, tc.want)
		}
	}
}

func TestExpandQuotesPerDialect(t *testing.T) {
	for _, tc := range []struct{ driver, want string }{
		{"mysql", "SELECT `pid` AS pbx_f0, `t`.`first name` AS pbx_f1 FROM t"},
		{"postgres", `SELECT "pid" AS pbx_f0, "t"."first name" AS pbx_f1 FROM t`},
		{"sqlserver", `SELECT [pid] AS pbx_f0, [t].[first name] AS pbx_f1 FROM t`},
	} {
		raw, _ := json.Marshal(map[string]any{"driver": tc.driver, "host": "h", "query": " SELECT ${MAP} FROM t;",
			"map": map[string]any{"id": "pid", "first_name": "t.first name"}})
		src, err := sqlsrc.New(raw, dirsync.Env{})
		if err != nil {
			t.Fatal(err)
		}
		if got := sqlsrc.QueryOf(src); got != tc.want {
			t.Errorf("%s: %s", tc.driver, got)
		}
	}
}

// ---- real databases ----

func need(t *testing.T, what string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s unreachable (CI=true): %v", what, err)
	}
	t.Skipf("%s unreachable, skipping: %v", what, err)
}

func randName() string {
	b := make([]byte, 5)
	rand.Read(b)
	return "pbx_sync_" + hex.EncodeToString(b)
}

type dbEnv struct {
	driver   string
	db       *sql.DB
	settings map[string]any
}

func mariaDB(t *testing.T) *dbEnv {
	admin, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/?timeout=3s")
	if err == nil {
		err = admin.Ping()
	}
	if err != nil {
		need(t, "MariaDB on 127.0.0.1:3306", err)
	}
	name := randName()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec("DROP DATABASE " + name); admin.Close() })
	db, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/"+name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &dbEnv{driver: "mysql", db: db, settings: map[string]any{"driver": "mysql", "host": "127.0.0.1", "port": 3306, "user": "root", "database": name}}
}

func postgres(t *testing.T) *dbEnv {
	var admin *sql.DB
	var err error
	user := ""
	for _, u := range []string{"postgres", "root"} {
		admin, err = sql.Open("pgx", "postgres://"+u+"@127.0.0.1:5432/postgres?connect_timeout=3")
		if err == nil {
			if err = admin.Ping(); err == nil {
				user = u
				break
			}
			admin.Close()
		}
	}
	if user == "" {
		need(t, "PostgreSQL on 127.0.0.1:5432", err)
	}
	name := randName()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", "postgres://"+user+"@127.0.0.1:5432/"+name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(); admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); admin.Close() })
	return &dbEnv{driver: "postgres", db: db, settings: map[string]any{"driver": "postgres", "host": "127.0.0.1", "port": 5432, "user": user, "database": name}}
}

func (e *dbEnv) exec(t testing.TB, q string, args ...any) {
	t.Helper()
	if e.driver == "postgres" {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	if _, err := e.db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (e *dbEnv) fill(t testing.TB, n int) {
	t.Helper()
	e.exec(t, "CREATE TABLE people (pid INTEGER PRIMARY KEY, fn VARCHAR(80), ln VARCHAR(80), org VARCHAR(80), phone VARCHAR(40), cell VARCHAR(40), mail VARCHAR(120), active INTEGER)")
	const batch = 500
	for lo := 0; lo < n; lo += batch {
		var sb strings.Builder
		sb.WriteString("INSERT INTO people VALUES ")
		for i := lo; i < min(lo+batch, n); i++ {
			if i > lo {
				sb.WriteString(",")
			}
			cell := fmt.Sprintf("'+38762%07d'", i)
			if i%10 == 0 {
				cell = "NULL"
			}
			fmt.Fprintf(&sb, "(%d,'First%d','Last%d','Org %d','+38733%07d',%s,'p%d@example.com',%d)", i+1, i, i%97, i%13, i, cell, i, 1-i%50/49)
		}
		e.exec(t, sb.String())
	}
}

func (e *dbEnv) source(t testing.TB, mod func(m map[string]any)) dirsync.Source {
	t.Helper()
	m := map[string]any{}
	for k, v := range e.settings {
		m[k] = v
	}
	m["query"] = "SELECT ${MAP} FROM people WHERE active = 1"
	m["map"] = map[string]any{"id": "pid", "first_name": "fn", "last_name": "ln", "company": "org", "work": "phone", "mobile": "cell", "email": "mail"}
	if mod != nil {
		mod(m)
	}
	raw, _ := json.Marshal(m)
	src, err := sqlsrc.New(raw, dirsync.Env{})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func forEachDB(t *testing.T, fn func(t *testing.T, e *dbEnv)) {
	t.Run("mariadb", func(t *testing.T) { fn(t, mariaDB(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, postgres(t)) })
}

func TestSyncRealDatabases(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *dbEnv) {
		e.fill(t, 300)
		src := e.source(t, nil)
		defer src.(dirsync.Closer).Close()
		sink := syncfake.NewSink()
		if _, err := src.Sync(context.Background(), dirsync.Request{Full: true}, sink); err != nil {
			t.Fatal(err)
		}
		if len(sink.Set) != 294 { // every 50th row is inactive
			t.Fatalf("%d rows", len(sink.Set))
		}
		c := sink.Set["12"]
		if c.FirstName != "First11" || c.LastName != "Last11" || c.Company != "Org 11" || c.DisplayName != "First11 Last11" ||
			len(c.Numbers) != 2 || c.Numbers[1].Value != "+387330000011" || c.Numbers[0].Type != "mobile" || c.Emails[0].Address != "p11@example.com" {
			t.Fatalf("mapped: %+v", c)
		}
		if n := len(sink.Set["11"].Numbers); n != 1 { // NULL mobile skipped
			t.Fatalf("row with NULL mobile has %d numbers", n)
		}
		// Test: the first 10 rows, nothing imported.
		got, err := src.(dirsync.Tester).Test(context.Background(), 10)
		if err != nil || len(got) != 10 {
			t.Fatalf("test: %d %v", len(got), err)
		}
	})
}

func TestSyncErrors(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *dbEnv) {
		e.fill(t, 20)
		sleep := "SELECT ${MAP} FROM people WHERE pid <= 3 AND SLEEP(2) = 0"
		if e.driver == "postgres" {
			sleep = "SELECT ${MAP} FROM people, pg_sleep(3)"
		}
		tests := []struct {
			name string
			mod  func(m map[string]any)
			want string
		}{
			{"duplicate ids", func(m map[string]any) { m["map"].(map[string]any)["id"] = "org" }, "duplicate id"},
			{"timeout", func(m map[string]any) { m["query"] = sleep; m["timeout_seconds"] = 1 }, "timeout"},
			{"unknown column", func(m map[string]any) { m["map"].(map[string]any)["first_name"] = "nope" }, "nope"},
			{"bad password", func(m map[string]any) { m["user"] = "pbx_nobody"; m["password"] = "x" }, "pbx_nobody"},
		}
		if e.driver == "postgres" {
			e.exec(t, "CREATE SEQUENCE s")
			tests = append(tests, struct {
				name string
				mod  func(m map[string]any)
				want string
			}{"read-only transaction", func(m map[string]any) { m["query"] = "SELECT ${MAP} FROM people WHERE nextval('s') > 0" }, "read-only"})
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				src := e.source(t, tc.mod)
				defer src.(dirsync.Closer).Close()
				_, err := src.Sync(context.Background(), dirsync.Request{Full: true}, syncfake.NewSink())
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err %v, want %q", err, tc.want)
				}
				if strings.Contains(fmt.Sprint(err), "password=") {
					t.Fatal("error shows the DSN")
				}
			})
		}
	})
}

// Through the engine: the row-hash diff writes only changed rows and the
// sweep removes deleted ones.
func TestEngineRowHashDiff(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *dbEnv) {
		e.fill(t, 200)
		store := syncfake.NewMemStore()
		eng, err := dirsync.NewEngine(store, dirsync.WithDataDir(t.TempDir()), dirsync.WithTypes(sqlsrc.Type),
			dirsync.WithClock(syncfake.NewClock(time.Unix(1e9, 0))))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- eng.Run(ctx) }()
		defer func() { cancel(); <-done }()
		for errors.Is(eng.Trigger("x", dirsync.SyncOptions{}), dirsync.ErrNotRunning) {
			time.Sleep(time.Millisecond)
		}
		settings := map[string]json.RawMessage{}
		for k, v := range e.settings {
			settings[k], _ = json.Marshal(v)
		}
		settings["query"], _ = json.Marshal("SELECT ${MAP} FROM people")
		settings["map"], _ = json.Marshal(map[string]any{"id": "pid", "first_name": "fn", "last_name": "ln", "work": "phone"})
		settings["password"], _ = json.Marshal("")
		typ, name, off := "sql", "db", false
		v, err := eng.Create(ctx, dirsync.Input{Type: &typ, Name: &name, Enabled: &off, Settings: settings})
		if err != nil {
			t.Fatal(err)
		}
		if run, _ := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{}); run.Result != "ok" || run.Changed != 200 {
			t.Fatalf("first: %+v", run)
		}
		e.exec(t, "UPDATE people SET fn = 'Renamed' WHERE pid = 7")
		e.exec(t, "DELETE FROM people WHERE pid IN (8, 9)")
		rounds := store.Rounds
		run, _ := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{})
		if run.Result != "ok" || run.Synced != 198 || run.Changed != 1 || run.Deleted != 2 || store.Rounds != rounds+1 {
			t.Fatalf("diff run: %+v", run)
		}
		cs := store.Contacts("db")
		if cs["7"].FirstName != "Renamed" || cs["8"] != nil || len(cs) != 198 {
			t.Fatal("store does not hold the table")
		}
	})
}

func FuzzSettings(f *testing.F) {
	f.Add("mysql", "SELECT ${MAP} FROM people WHERE a = 'x;y'", "pid", "fn")
	f.Add("sqlserver", "select ${MAP} from t;", "id", "t.first name")
	f.Add("postgres", "SELECT ${MAP}, ${MAP}", "id", "`x`")
	f.Fuzz(func(t *testing.T, driver, query, idCol, nameCol string) {
		raw, _ := json.Marshal(map[string]any{"driver": driver, "host": "h", "query": query,
			"map": map[string]any{"id": idCol, "first_name": nameCol}})
		src, err := sqlsrc.New(raw, dirsync.Env{})
		if err != nil {
			var fe *dirsync.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error without a field: %v", err)
			}
			return
		}
		q := sqlsrc.QueryOf(src)
		if strings.Contains(q, "${MAP}") || strings.Count(q, ";") != strings.Count(strings.TrimSuffix(strings.TrimSpace(query), ";"), ";") {
			t.Fatalf("expanded %q", q)
		}
	})
}
