package agiclient

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// AGISTATUS values (res_agi.c agi_exec_full).
const (
	StatusSuccess = "SUCCESS"
	StatusFailure = "FAILURE"
	StatusHangup  = "HANGUP"
)

// MaxLine is Asterisk's AGI_BUF_LEN: the longest command line it reads.
const MaxLine = 8192

// ConnectTimeout is Asterisk's MAX_AGI_CONNECT.
const ConnectTimeout = 2 * time.Second

// Config describes one simulated AGI() call.
type Config struct {
	// Addr is the FastAGI server, host:port.
	Addr string
	// Script is the part after agi://host/ (may carry ?query); default "cid".
	Script string
	// CallerID and CallerIDName are the channel's caller number and name; empty prints "unknown"
	// as Asterisk does.
	CallerID, CallerIDName string
	// CallingPres is agi_callingpres (0 allowed, 32–35 restricted, 64–67 unavailable).
	CallingPres int
	// Args become agi_arg_1… .
	Args []string
	// Vars are channel variables visible to GET VARIABLE.
	Vars map[string]string
	// HangupBeforeCommand, when n > 0, makes the caller hang up just before the n-th command is
	// read (n = 1: right after the agi_* block): a HANGUP line is sent and the channel goes dead.
	HangupBeforeCommand int
	// ExtraEnv lines are sent inside the agi_* block just before the blank line (garbage tests).
	ExtraEnv []string
	// RawEnv, when non-nil, is sent instead of the whole agi_* block.
	RawEnv []byte
	// Reply, when set, may override the reply to the n-th command (1-based).
	Reply func(n int, command string) (reply string, override bool)
	// NoTrailingHangup models AGISIGHUP=no: no HANGUP line is written when the session ends.
	NoTrailingHangup bool
	// Timeout bounds the whole session on the client side (default 5 s); Asterisk itself has
	// none once connected (res/res_agi.c run_agi waits with ms = -1), a test must.
	Timeout time.Duration
}

// Result is what the dialplan would see after AGI() returns.
type Result struct {
	// Status is AGISTATUS.
	Status string
	// Commands are the command lines received, in order.
	Commands []string
	// Set holds the variables written with SET VARIABLE (e.g. "CALLERID(name)").
	Set map[string]string
	// Elapsed runs from connect to the server's close.
	Elapsed time.Duration
	// Err says why Status is FAILURE.
	Err error
}

// Run performs one FastAGI session against cfg.Addr as Asterisk would.
func Run(ctx context.Context, cfg Config) Result {
	res := Result{Set: map[string]string{}}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	start := time.Now()
	d := net.Dialer{Timeout: ConnectTimeout}
	c, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		res.Status, res.Err = StatusFailure, fmt.Errorf("connect %s: %w", cfg.Addr, err)
		return res
	}
	defer c.Close()
	_ = c.SetDeadline(start.Add(cfg.Timeout))
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	env := cfg.RawEnv
	if env == nil {
		env = Env(cfg)
	}
	if _, err := c.Write(env); err != nil {
		res.Status, res.Err = StatusFailure, fmt.Errorf("write environment: %w", err)
		return res
	}
	br := bufio.NewReaderSize(c, MaxLine+16)
	dead := false
	hangup := func() error {
		dead = true
		_, err := io.WriteString(c, "HANGUP\n")
		return err
	}
	for n := 1; ; n++ {
		if n == cfg.HangupBeforeCommand && !dead {
			if err := hangup(); err != nil {
				break
			}
		}
		line, err := br.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, io.EOF) && len(line) == 0 {
				break // server closed: normal end
			}
			if errors.Is(err, bufio.ErrBufferFull) || len(line) > MaxLine+2 {
				res.Status, res.Err = StatusFailure, fmt.Errorf("command %d: line longer than %d bytes", n, MaxLine)
				res.Elapsed = time.Since(start)
				return res
			}
			if errors.Is(err, io.EOF) {
				break // partial last line then close: Asterisk ignores it
			}
			if isReset(err) {
				break
			}
			res.Status, res.Err = StatusFailure, fmt.Errorf("read command %d: %w", n, err)
			res.Elapsed = time.Since(start)
			return res
		}
		if len(line) > MaxLine+2 {
			res.Status, res.Err = StatusFailure, fmt.Errorf("command %d: line longer than %d bytes", n, MaxLine)
			res.Elapsed = time.Since(start)
			return res
		}
		cmd := strings.TrimRight(string(line), "\r\n")
		res.Commands = append(res.Commands, cmd)
		reply, override := "", false
		if cfg.Reply != nil {
			reply, override = cfg.Reply(n, cmd)
		}
		if !override {
			reply = answer(cmd, &cfg, res.Set, dead)
		}
		if _, err := io.WriteString(c, reply+"\n"); err != nil {
			break
		}
	}
	res.Elapsed = time.Since(start)
	if !cfg.NoTrailingHangup {
		_, _ = io.WriteString(c, "HANGUP\n") // usually hits a closed socket (res/res_agi.c run_agi; observed on Asterisk 22.10.1)
	}
	res.Status = StatusSuccess
	if dead {
		res.Status = StatusHangup
	}
	return res
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && strings.Contains(op.Err.Error(), "reset")
}

// answer replies to one command like a channel does.
func answer(cmd string, cfg *Config, set map[string]string, dead bool) string {
	args := ParseArgs(cmd)
	if len(args) == 0 {
		return "510 Invalid or unknown command"
	}
	verb := strings.ToUpper(args[0])
	if len(args) > 1 {
		verb += " " + strings.ToUpper(args[1])
	}
	switch verb {
	case "SET VARIABLE":
		if len(args) != 4 {
			return "520-Invalid command syntax.  Proper usage follows:\n" +
				" Usage: SET VARIABLE <variablename> <value>\n" +
				"520 End of proper usage."
		}
		set[args[2]] = args[3]
		return "200 result=1"
	case "GET VARIABLE":
		if len(args) != 3 {
			return "520 Invalid command syntax.  Proper usage not available."
		}
		if v, ok := set[args[2]]; ok {
			return "200 result=1 (" + v + ")"
		}
		if v, ok := cfg.Vars[args[2]]; ok {
			return "200 result=1 (" + v + ")"
		}
		return "200 result=0"
	case "STREAM FILE", "ANSWER", "SAY NUMBER", "SAY DIGITS":
		if dead {
			return "511 Command Not Permitted on a dead channel or intercept routine"
		}
		return "200 result=0"
	}
	if strings.ToUpper(args[0]) == "VERBOSE" || strings.ToUpper(args[0]) == "NOOP" {
		return "200 result=1"
	}
	return "510 Invalid or unknown command"
}

// Env renders the agi_* block for cfg exactly in Asterisk 22's order (res/res_agi.c setup_env;
// observed on Asterisk 22.10.1), blank line included.
func Env(cfg Config) []byte {
	script := cfg.Script
	if script == "" {
		script = "cid"
	}
	or := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	var b strings.Builder
	w := func(k, v string) { b.WriteString(k + ": " + v + "\n") }
	w("agi_network", "yes")
	w("agi_network_script", script)
	w("agi_request", "agi://"+cfg.Addr+"/"+script)
	w("agi_channel", "PJSIP/trunk-00000012")
	w("agi_language", "en")
	w("agi_type", "PJSIP")
	w("agi_uniqueid", "1795478536.13")
	w("agi_version", "22.10.1")
	w("agi_callerid", or(cfg.CallerID, "unknown"))
	w("agi_calleridname", or(cfg.CallerIDName, "unknown"))
	w("agi_callingpres", strconv.Itoa(cfg.CallingPres))
	w("agi_callingani2", "0")
	w("agi_callington", "0")
	w("agi_callingtns", "0")
	w("agi_dnid", "unknown")
	w("agi_rdnis", "unknown")
	w("agi_context", "from-trunk")
	w("agi_extension", "033222111")
	w("agi_priority", "2")
	w("agi_enhanced", "0.0")
	w("agi_accountcode", "")
	w("agi_threadid", "140403950130880")
	for i, a := range cfg.Args {
		w("agi_arg_"+strconv.Itoa(i+1), a)
	}
	for _, l := range cfg.ExtraEnv {
		b.WriteString(l + "\n")
	}
	b.WriteString("\n")
	return []byte(b.String())
}
