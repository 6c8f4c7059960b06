// Package sqlsrc syncs contacts from a SQL database: MySQL/MariaDB,
// PostgreSQL or Microsoft SQL Server. The administrator writes a SELECT
// containing the placeholder ${MAP}, which is replaced by the mapped columns
// (quoted per dialect), and maps columns to contact fields (the pattern of
// Wildix's SQL contact import,
// https://wildix.atlassian.net/wiki/spaces/DOC/pages/30284243/Import+of+Contacts+and+Users+-+Admin+Guide);
// "id" and a name (display_name, first_name, last_name or company) are
// required.
//
// Every run reads the whole result (a full sync); the engine's row-hash diff
// writes only the rows that changed and its mark-and-sweep deletes the ids
// that disappeared. The query runs in a read-only transaction on MySQL and
// PostgreSQL; go-mssqldb refuses read-only transactions, so on SQL Server the
// query runs plainly and the login must be read-only (db_datareader). A
// query timeout bounds the whole read; duplicate ids abort the run.
package sqlsrc

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib"      // driver "pgx"
	mssql "github.com/microsoft/go-mssqldb" // driver "sqlserver"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// Type is the "sql" source type; register it with dirsync.WithTypes.
// The password goes to the database the driver, host, port, instance and
// parameters (a driver parameter may name another host) point at: changing
// any of them needs it again.
var Type = dirsync.Type{Name: "sql", Secrets: []string{"password"}, Destinations: []string{"driver", "host", "port", "instance", "params"},
	Delta: false, New: New}

// Drivers.
const (
	MySQL     = "mysql"     // MySQL and MariaDB
	Postgres  = "postgres"  // PostgreSQL
	SQLServer = "sqlserver" // Microsoft SQL Server
)

// Settings of a SQL source.
type Settings struct {
	// Driver is mysql, postgres or sqlserver.
	Driver string `json:"driver"`
	// Host may be "host\instance" for a named SQL Server instance, found
	// through the SQL Server Browser (UDP 1434) when no port is given.
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Instance string `json:"instance"`
	User     string `json:"user"`
	Password string `json:"password"`
	Database string `json:"database"`
	// Params are extra driver parameters (e.g. tls, sslmode, encrypt).
	Params map[string]string `json:"params"`
	// Query is a SELECT with a ${MAP} placeholder.
	Query string `json:"query"`
	// Map maps contact fields (and "id") to a column or a list of columns.
	Map map[string]json.RawMessage `json:"map"`
	// TimeoutSeconds bounds the whole read (default 60).
	TimeoutSeconds int `json:"timeout_seconds"`
	// MaxRows aborts a run reading more rows (default 1 000 000).
	MaxRows int `json:"max_rows"`
}

// column is one selected column and the contact field it fills.
type column struct {
	field string // canonical field, or "id"
	name  string // column as configured
}

// Source is a configured SQL source.
type Source struct {
	set     Settings
	driver  string // database/sql driver name
	dsn     string
	query   string // ${MAP} expanded
	cols    []column
	timeout time.Duration
	db      *sql.DB
}

var (
	colRE      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_ .]{0,127}$`)
	selectRE   = regexp.MustCompile(`(?is)^\s*select\s`)
	nameFields = []string{"display_name", "first_name", "last_name", "company"}
)

// New validates settings and returns the source (dirsync.Type.New). It does
// not connect.
func New(raw json.RawMessage, env dirsync.Env) (dirsync.Source, error) {
	var s Settings
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, dirsync.Invalid("", err.Error())
	}
	src := &Source{set: s}
	if err := src.init(); err != nil {
		return nil, err
	}
	return src, nil
}

func (s *Source) init() error {
	set := &s.set
	if set.Host == "" {
		return dirsync.Invalid("host", "required")
	}
	if strings.ContainsAny(set.Host, "@/?#") {
		return dirsync.Invalid("host", "a host name or address (optionally host\\instance), without credentials or a path")
	}
	if err := checkInstance(set); err != nil {
		return err
	}
	if err := dirsync.CheckParams("params", set.Params); err != nil {
		return err
	}
	if set.Port < 0 || set.Port > 65535 {
		return dirsync.Invalid("port", "between 1 and 65535")
	}
	if set.TimeoutSeconds == 0 {
		set.TimeoutSeconds = 60
	}
	if set.TimeoutSeconds < 1 || set.TimeoutSeconds > 3600 {
		return dirsync.Invalid("timeout_seconds", "between 1 and 3600")
	}
	s.timeout = time.Duration(set.TimeoutSeconds) * time.Second
	if set.MaxRows == 0 {
		set.MaxRows = 1_000_000
	}
	if set.MaxRows < 1 {
		return dirsync.Invalid("max_rows", "must be positive")
	}
	var err error
	switch set.Driver {
	case MySQL:
		s.driver, s.dsn, err = "mysql", mysqlDSN(set), nil
	case Postgres:
		s.driver, s.dsn = "pgx", postgresDSN(set)
	case SQLServer:
		s.driver, s.dsn = "sqlserver", SQLServerDSN(set)
	default:
		return dirsync.Invalid("driver", "one of mysql, postgres, sqlserver")
	}
	if err != nil {
		return err
	}
	if s.cols, err = parseMap(set.Map); err != nil {
		return err
	}
	if s.query, err = Expand(set.Query, set.Driver, s.cols); err != nil {
		return err
	}
	return nil
}

// parseMap validates the mapping: known fields, valid column names, id and
// a name present. Columns come out in a stable order, id first.
func parseMap(m map[string]json.RawMessage) ([]column, error) {
	if len(m) == 0 {
		return nil, dirsync.Invalid("map", "required")
	}
	fields := make([]string, 0, len(m))
	for f := range m {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	cols := []column{}
	hasName := false
	for _, f := range fields {
		cf := f
		if f != "id" {
			if cf = dirsync.CanonicalField(f); cf == "" {
				return nil, dirsync.Invalid("map."+f, "unknown contact field")
			}
		}
		var names []string
		var one string
		if err := json.Unmarshal(m[f], &one); err == nil {
			names = []string{one}
		} else if err := json.Unmarshal(m[f], &names); err != nil {
			return nil, dirsync.Invalid("map."+f, "a column name or a list of column names")
		}
		if len(names) == 0 || (f == "id" && len(names) != 1) {
			return nil, dirsync.Invalid("map."+f, "one column required")
		}
		for _, n := range names {
			if !colRE.MatchString(n) {
				return nil, dirsync.Invalid("map."+f, fmt.Sprintf("%q is not a column name (letters, digits, '_', ' ', '.')", n))
			}
			c := column{field: cf, name: n}
			if f == "id" {
				cols = append([]column{c}, cols...)
			} else {
				cols = append(cols, c)
			}
		}
		if slices.Contains(nameFields, cf) {
			hasName = true
		}
	}
	if cols[0].field != "id" {
		return nil, dirsync.Invalid("map.id", "required")
	}
	if !hasName {
		return nil, dirsync.Invalid("map", "a name is required: map display_name, first_name, last_name or company")
	}
	return cols, nil
}

// quoteIdent quotes a (possibly dotted) column name for a dialect.
func quoteIdent(driver, name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		switch driver {
		case MySQL:
			parts[i] = "`" + strings.ReplaceAll(p, "`", "``") + "`"
		case SQLServer:
			parts[i] = "[" + strings.ReplaceAll(p, "]", "]]") + "]"
		default:
			parts[i] = `"` + strings.ReplaceAll(p, `"`, `""`) + `"`
		}
	}
	return strings.Join(parts, ".")
}

// Expand replaces ${MAP} in a SELECT by the quoted, aliased columns. The
// query must be one SELECT statement (a trailing ';' is dropped).
func Expand(query, driver string, cols []column) (string, error) {
	q := strings.TrimSpace(query)
	q = strings.TrimSpace(strings.TrimSuffix(q, ";"))
	if !selectRE.MatchString(q) {
		return "", dirsync.Invalid("query", "must be a SELECT statement")
	}
	if strings.Contains(q, ";") {
		return "", dirsync.Invalid("query", "must be a single statement (no ';')")
	}
	if strings.Count(q, "${MAP}") != 1 {
		return "", dirsync.Invalid("query", "must contain ${MAP} exactly once")
	}
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = quoteIdent(driver, c.name) + " AS pbx_f" + strconv.Itoa(i)
	}
	return strings.Replace(q, "${MAP}", strings.Join(parts, ", "), 1), nil
}

func hostPort(host string, port, def int) string {
	if port == 0 {
		port = def
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

func mysqlDSN(s *Settings) string {
	c := mysql.NewConfig()
	c.User, c.Passwd, c.Net, c.Addr, c.DBName = s.User, s.Password, "tcp", hostPort(s.Host, s.Port, 3306), s.Database
	c.Timeout = 10 * time.Second
	c.Params = map[string]string{}
	for k, v := range s.Params {
		c.Params[k] = v
	}
	return c.FormatDSN()
}

func postgresDSN(s *Settings) string {
	u := url.URL{Scheme: "postgres", Host: hostPort(s.Host, s.Port, 5432), Path: "/" + s.Database}
	if s.User != "" {
		u.User = url.UserPassword(s.User, s.Password)
	}
	q := url.Values{"connect_timeout": {"10"}}
	for k, v := range s.Params {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// SQLServerDSN builds the go-mssqldb URL. "host\instance" (or Instance)
// without a port leaves the port to the SQL Server Browser.
func SQLServerDSN(s *Settings) string {
	host, inst := s.Host, s.Instance
	if h, i, ok := strings.Cut(host, `\`); ok {
		host, inst = h, i
	}
	u := url.URL{Scheme: "sqlserver", Host: host}
	if s.Port != 0 {
		u.Host = net.JoinHostPort(host, strconv.Itoa(s.Port))
	}
	if inst != "" {
		u.Path = "/" + inst
	}
	if s.User != "" {
		u.User = url.UserPassword(s.User, s.Password)
	}
	q := url.Values{}
	if s.Database != "" {
		q.Set("database", s.Database)
	}
	q.Set("dial timeout", "10")
	for k, v := range s.Params {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func (s *Source) open() (*sql.DB, error) {
	if s.db != nil {
		return s.db, nil
	}
	db, err := sql.Open(s.driver, s.dsn)
	if err != nil {
		return nil, fmt.Errorf("sql: open: %w", err)
	}
	db.SetMaxOpenConns(2)
	s.db = db
	return db, nil
}

// Close releases the connection pool.
func (s *Source) Close() error {
	if s.db != nil {
		return s.db.Close()
	}
	return nil
}

// Sync implements dirsync.Source (always a full read).
func (s *Source) Sync(ctx context.Context, req dirsync.Request, sink dirsync.Sink) (dirsync.Result, error) {
	seen := map[string]struct{}{}
	err := s.read(ctx, func(row int, c *phonebook.Contact) (bool, error) {
		if _, dup := seen[c.ExternalID]; dup {
			return false, fmt.Errorf("row %d: duplicate id %q (the id column must be unique)", row, c.ExternalID)
		}
		seen[c.ExternalID] = struct{}{}
		if row > s.set.MaxRows {
			return false, fmt.Errorf("more than max_rows (%d) rows", s.set.MaxRows)
		}
		return true, sink.Upsert(ctx, c)
	})
	return dirsync.Result{}, refused(err)
}

// Test returns the first n mapped rows without importing anything.
func (s *Source) Test(ctx context.Context, n int) ([]*phonebook.Contact, error) {
	out := []*phonebook.Contact{}
	err := s.read(ctx, func(row int, c *phonebook.Contact) (bool, error) {
		out = append(out, c)
		return len(out) < n, nil
	})
	if err != nil {
		return nil, refused(err)
	}
	return out, nil
}

// refused turns the database's refusal of the login into a
// *dirsync.CredentialsError naming the setting: PostgreSQL SQLSTATE 28P01
// (wrong password) and 28000 (unknown role, or no pg_hba.conf entry)
// (https://www.postgresql.org/docs/current/errcodes-appendix.html), MySQL
// and MariaDB 1045 (access denied) and 1044 (no access to the database)
// (https://mariadb.com/kb/en/mariadb-error-code-reference/), SQL Server
// 18456 (login failed)
// (https://learn.microsoft.com/sql/relational-databases/errors-events/mssqlserver-18456-database-engine-error).
// Other errors are returned as they are.
func refused(err error) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	var me *mysql.MySQLError
	var se mssql.Error
	switch {
	case errors.As(err, &pe) && pe.Code == "28P01":
		return dirsync.Refused("password", "PostgreSQL: "+pe.Message)
	case errors.As(err, &pe) && pe.Code == "28000":
		return dirsync.Refused("user", "PostgreSQL: "+pe.Message)
	case errors.As(err, &me) && me.Number == 1045:
		return dirsync.Refused("password", "MySQL: "+me.Message)
	case errors.As(err, &me) && me.Number == 1044:
		return dirsync.Refused("user", "MySQL: "+me.Message)
	case errors.As(err, &se) && se.Number == 18456:
		return dirsync.Refused("password", "SQL Server: "+se.Message)
	}
	return err
}

// Target names the database server (dirsync.Targeter).
func (s *Source) Target() (field, host string) {
	switch s.set.Driver {
	case MySQL:
		return "host", hostPort(s.set.Host, s.set.Port, 3306)
	case Postgres:
		return "host", hostPort(s.set.Host, s.set.Port, 5432)
	}
	if s.set.Port != 0 {
		return "host", hostPort(s.set.Host, s.set.Port, 1433)
	}
	return "host", s.set.Host
}

// read runs the query (read-only where the driver allows it) and calls fn
// per mapped row until it returns false.
func (s *Source) read(ctx context.Context, fn func(row int, c *phonebook.Contact) (bool, error)) (err error) {
	db, err := s.open()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var q interface {
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	} = db
	if s.set.Driver != SQLServer {
		tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return fmt.Errorf("sql: begin read-only transaction: %w", err)
		}
		defer tx.Rollback()
		if s.set.Driver == MySQL {
			// Server-side limit, so that a timed-out query does not keep
			// running: MariaDB knows max_statement_time (s), MySQL
			// max_execution_time (ms); the other one fails harmlessly.
			tx.ExecContext(ctx, fmt.Sprintf("SET SESSION max_statement_time = %d", s.set.TimeoutSeconds))
			tx.ExecContext(ctx, fmt.Sprintf("SET SESSION max_execution_time = %d", s.timeout.Milliseconds()))
		}
		if s.set.Driver == Postgres {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("SET LOCAL statement_timeout = %d", s.timeout.Milliseconds())); err != nil {
				return fmt.Errorf("sql: set statement_timeout: %w", err)
			}
		}
		q = tx
	}
	rows, err := q.QueryContext(ctx, s.query)
	if err != nil {
		return s.wrap(ctx, "query", err)
	}
	defer func() {
		cancel() // stop the server streaming rows we no longer read
		rows.Close()
	}()
	vals := make([]any, len(s.cols))
	ptrs := make([]any, len(s.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	row := 0
	for rows.Next() {
		row++
		if err := rows.Scan(ptrs...); err != nil {
			return s.wrap(ctx, fmt.Sprintf("row %d", row), err)
		}
		c := &phonebook.Contact{}
		for i, col := range s.cols {
			v := text(vals[i])
			if col.field == "id" {
				if v == "" {
					return fmt.Errorf("sql: row %d: column %q (id) is empty", row, col.name)
				}
				if len(v) > 512 || strings.ContainsRune(v, 0) {
					return fmt.Errorf("sql: row %d: column %q (id) is longer than 512 bytes or holds a NUL", row, col.name)
				}
				c.ExternalID = v
				continue
			}
			dirsync.SetField(c, col.field, v)
		}
		dirsync.Finish(c)
		more, err := fn(row, c)
		if err != nil {
			return fmt.Errorf("sql: %w", err)
		}
		if !more {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return s.wrap(ctx, fmt.Sprintf("row %d", row+1), err)
	}
	return nil
}

func (s *Source) wrap(ctx context.Context, what string, err error) error {
	msg := err.Error()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || strings.Contains(msg, "max_statement_time") ||
		strings.Contains(msg, "max_execution_time") || strings.Contains(msg, "statement timeout") {
		return fmt.Errorf("sql: %s: query timeout (%d s) exceeded: %w", what, s.set.TimeoutSeconds, err)
	}
	if host, inst := splitInstance(&s.set); s.set.Driver == SQLServer && inst != "" && s.set.Port == 0 &&
		strings.Contains(msg, "no instance matching") {
		return fmt.Errorf("sql: %s: the SQL Server Browser on %s (UDP 1434) named no instance %q with a TCP port: "+
			"check that the SQL Server Browser service runs, that UDP 1434 is open, and that TCP/IP is enabled for the instance, "+
			"or set settings.port to the instance's static port: %w", what, host, inst, err)
	}
	return fmt.Errorf("sql: %s: %w", what, err)
}

// text renders a scanned value.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []byte:
		return strings.TrimSpace(string(x))
	case string:
		return strings.TrimSpace(x)
	case time.Time:
		return x.Format(time.RFC3339)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	default:
		return strings.TrimSpace(fmt.Sprint(x))
	}
}

var (
	_ dirsync.Tester   = (*Source)(nil)
	_ dirsync.Closer   = (*Source)(nil)
	_ dirsync.Targeter = (*Source)(nil)
)
