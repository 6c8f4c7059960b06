package sambaad

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
)

// cacheRoot is where provisioned templates are kept: the user's cache directory (or the
// temporary one), under pbxagent-sambaad.
func cacheRoot() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	root := filepath.Join(base, "pbxagent-sambaad")
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", err
	}
	return root, nil
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// template returns the directory of a provisioned domain for this samba version, provisioning
// it first if needed. An exclusive lock on the cache serialises provisioning between test
// processes; a template is complete once renamed into place.
func template(tool, version string) (string, error) {
	root, err := cacheRoot()
	if err != nil {
		return "", fmt.Errorf("template cache: %w", err)
	}
	dir := filepath.Join(root, unsafeChars.ReplaceAllString(version, "_")+"-"+templateLayout)
	if _, err := os.Stat(filepath.Join(dir, "private", "sam.ldb")); err == nil {
		return dir, nil
	}
	lock, err := os.OpenFile(filepath.Join(root, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("lock %s: %w", lock.Name(), err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(filepath.Join(dir, "private", "sam.ldb")); err == nil {
		return dir, nil // provisioned by another process while this one waited
	}
	tmp, err := os.MkdirTemp(root, "provision-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := provision(tool, tmp); err != nil {
		return "", err
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		return "", err
	}
	return dir, nil
}

// provision runs samba-tool domain provision into dir: a new forest and domain with
// Administrator's password, RFC 2307 attributes, no DNS server.
func provision(tool, dir string) error {
	cmd := exec.Command(tool, "domain", "provision", "--targetdir="+dir,
		"--realm="+Realm, "--domain="+NetBIOSDomain, "--host-name="+HostName,
		"--server-role=dc", "--dns-backend=NONE", "--use-rfc2307",
		"--adminpass="+AdminPassword)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		b := bytes.TrimSpace(out.Bytes())
		if len(b) > 3000 {
			b = b[len(b)-3000:]
		}
		return fmt.Errorf("samba-tool domain provision: %w\n%s", err, b)
	}
	return nil
}

// copyTree copies the regular files and directories under src into dst (which exists).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case info.Mode().IsRegular():
			return copyFile(path, target, info.Mode().Perm())
		default:
			return nil // sockets and the like are not part of a template
		}
	})
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
