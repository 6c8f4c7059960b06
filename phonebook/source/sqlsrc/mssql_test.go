package sqlsrc_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
	"github.com/pbxagent/pbxagent/phonebook/source/sqlsrc"
)

// mssqlLike is a database/sql driver that behaves as go-mssqldb does for
// what the source uses: it refuses read-only transactions and records the
// query text.
type mssqlLike struct {
	mu      sync.Mutex
	queries []string
	rows    [][]driver.Value
}

func (d *mssqlLike) Open(string) (driver.Conn, error) { return &mssqlConn{d: d}, nil }

type mssqlConn struct{ d *mssqlLike }

func (c *mssqlConn) Prepare(q string) (driver.Stmt, error) { return &mssqlStmt{c: c, q: q}, nil }
func (c *mssqlConn) Close() error                          { return nil }
func (c *mssqlConn) Begin() (driver.Tx, error)             { return nil, errors.New("use BeginTx") }
func (c *mssqlConn) BeginTx(ctx context.Context, o driver.TxOptions) (driver.Tx, error) {
	if o.ReadOnly {
		return nil, errors.New("read-only transactions are not supported")
	}
	return nil, errors.New("no transactions in this fake")
}

type mssqlStmt struct {
	c *mssqlConn
	q string
}

func (s *mssqlStmt) Close() error                               { return nil }
func (s *mssqlStmt) NumInput() int                              { return 0 }
func (s *mssqlStmt) Exec([]driver.Value) (driver.Result, error) { return nil, errors.New("no exec") }
func (s *mssqlStmt) Query([]driver.Value) (driver.Rows, error) {
	s.c.d.mu.Lock()
	defer s.c.d.mu.Unlock()
	s.c.d.queries = append(s.c.d.queries, s.q)
	return &mssqlRows{rows: s.c.d.rows, n: strings.Count(s.q, " AS pbx_f")}, nil
}

type mssqlRows struct {
	rows [][]driver.Value
	i, n int
}

func (r *mssqlRows) Columns() []string {
	cols := make([]string, r.n)
	for i := range cols {
		cols[i] = "pbx_f" + string(rune('0'+i))
	}
	return cols
}
func (r *mssqlRows) Close() error { return nil }
func (r *mssqlRows) Next(dest []driver.Value) error {
	if r.i >= len(r.rows) {
		return io.EOF
	}
	copy(dest, r.rows[r.i])
	r.i++
	return nil
}

var fakeMSSQL = &mssqlLike{rows: [][]driver.Value{
	{int64(7), []byte("Ana"), "Kovač", "+38733123456"},
	{int64(8), []byte("Bo"), nil, nil},
}}

func init() { sql.Register("pbx-fake-mssql", fakeMSSQL) }

// On SQL Server the query runs without a (read-only) transaction, which
// go-mssqldb would refuse; identifiers are bracket-quoted.
func TestSQLServerRunsWithoutReadOnlyTx(t *testing.T) {
	raw, _ := json.Marshal(map[string]any{"driver": "sqlserver", "host": `db\SQLEXPRESS`, "user": "ro", "password": "x",
		"query": "SELECT ${MAP} FROM dbo.people", "map": map[string]any{"id": "id", "first_name": "given name", "last_name": "sn", "work": "tel"}})
	src, err := sqlsrc.New(raw, dirsync.Env{})
	if err != nil {
		t.Fatal(err)
	}
	sqlsrc.UseDriver(src, "pbx-fake-mssql", "")
	defer src.(dirsync.Closer).Close()
	sink := syncfake.NewSink()
	if _, err := src.Sync(context.Background(), dirsync.Request{Full: true}, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.Set) != 2 || sink.Set["7"].LastName != "Kovač" || sink.Set["7"].Numbers[0].Value != "+38733123456" || sink.Set["8"].DisplayName != "Bo" {
		t.Fatalf("rows: %+v", sink.Set)
	}
	fakeMSSQL.mu.Lock()
	q := fakeMSSQL.queries[0]
	fakeMSSQL.mu.Unlock()
	if !strings.Contains(q, "[given name] AS pbx_f") || !strings.HasPrefix(q, "SELECT [id] AS pbx_f0") {
		t.Fatalf("query %s", q)
	}
}
