package layout

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/pbxagent/pbxagent/"

// TestDependenciesFlowOneWay lists every package's imports with the go
// tool and checks the layout rules.
func TestDependenciesFlowOneWay(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}|{{join .Imports \" \"}}|{{join .TestImports \" \"}} {{join .XTestImports \" \"}}", mod+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	n := 0
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "|", 3)
		if len(parts) != 3 {
			continue
		}
		n++
		pkg := strings.TrimPrefix(parts[0], mod)
		imports, testImports := strings.Fields(parts[1]), strings.Fields(parts[2])
		lower := under(pkg, "phonebook", "provisioning", "ari", "sip", "internal")
		for _, imp := range imports {
			dep, ours := strings.CutPrefix(imp, mod)
			if !ours {
				continue
			}
			switch {
			case !under(pkg, "testlab") && under(dep, "testlab"):
				t.Errorf("product package %s imports the test lab (%s)", pkg, dep)
			case lower && under(dep, "agent", "cmd"):
				t.Errorf("%s imports %s: dependencies flow cmd → agent → the rest", pkg, dep)
			case under(pkg, "agent") && under(dep, "cmd"):
				t.Errorf("%s imports %s", pkg, dep)
			}
		}
		for _, imp := range testImports {
			if dep, ours := strings.CutPrefix(imp, mod); ours && lower && under(dep, "agent", "cmd") {
				t.Errorf("tests of %s import %s: a lower package's tests must not need the daemon", pkg, dep)
			}
		}
	}
	if n < 10 {
		t.Fatalf("go list gave %d packages; the check saw nothing", n)
	}
}

// under reports whether pkg is one of roots or below one.
func under(pkg string, roots ...string) bool {
	for _, r := range roots {
		if pkg == r || strings.HasPrefix(pkg, r+"/") {
			return true
		}
	}
	return false
}
