package phones

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/pbxagent/pbxagent/testlab/proc"
)

// Nginx is a Debian nginx serving one directory on loopback, as the
// baseline of the phonebook benchmarks.
type Nginx struct {
	// URL is http://127.0.0.1:port.
	URL string
	cmd *exec.Cmd
}

// StartNginx serves root on a free loopback port with a minimal
// configuration (no access log, sendfile, keep-alive) and workers worker
// processes (0: as many as cores; pass runtime.GOMAXPROCS(0) to give nginx
// the parallelism of the Go server it is compared with). nginx inherits
// this process's CPU affinity. It returns an error when nginx is not
// installed or does not come up; Stop ends it.
func StartNginx(ctx context.Context, root, workDir string, workers int) (*Nginx, error) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		bin = "/usr/sbin/nginx"
		if _, err := os.Stat(bin); err != nil {
			return nil, errors.New("nginx not installed (apt-get install nginx)")
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;\n"
	}
	wp := "auto"
	if workers > 0 {
		wp = strconv.Itoa(workers)
	}
	conf := fmt.Sprintf(`%sworker_processes %s;
pid %s/nginx.pid;
error_log %s/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types { text/xml xml; }
  default_type application/octet-stream;
  client_body_temp_path %s/body;
  proxy_temp_path %s/proxy;
  fastcgi_temp_path %s/fastcgi;
  uwsgi_temp_path %s/uwsgi;
  scgi_temp_path %s/scgi;
  server {
    listen 127.0.0.1:%d;
    root %s;
  }
}
`, user, wp, workDir, workDir, workDir, workDir, workDir, workDir, workDir, port, root)
	cf := filepath.Join(workDir, "nginx.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-c", cf, "-p", workDir, "-g", "daemon off;")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start nginx: %w", err)
	}
	n := &Nginx{URL: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(n.URL + "/")
		if err == nil {
			resp.Body.Close()
			return n, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			n.Stop()
			log, _ := os.ReadFile(filepath.Join(workDir, "error.log"))
			return nil, fmt.Errorf("nginx did not come up: %v\n%s", err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop asks nginx to quit and waits for it.
func (n *Nginx) Stop() {
	if n.cmd.Process == nil {
		return
	}
	n.cmd.Process.Signal(syscall.SIGQUIT)
	done := make(chan struct{})
	go func() { n.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		n.cmd.Process.Kill()
		<-done
	}
}

// Pid returns the nginx master's process id.
func (n *Nginx) Pid() int { return n.cmd.Process.Pid }

// CPUTime returns the CPU time (user + system) used so far by nginx's
// master and worker processes, from /proc (Linux; clock ticks of 10 ms).
func (n *Nginx) CPUTime() (time.Duration, error) {
	if n.cmd.Process == nil {
		return 0, errors.New("nginx not running")
	}
	master := n.cmd.Process.Pid
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	var total time.Duration
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cpu, ppid, err := proc.StatCPU(pid)
		if err != nil || (pid != master && ppid != master) {
			continue
		}
		total += cpu
	}
	return total, nil
}

// SelfCPUTime returns the CPU time used so far by this process.
func SelfCPUTime() time.Duration { return proc.SelfCPU() }
