package sqlsrc

import (
	"fmt"
	"strings"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// maxInstance is the longest instance name the SQL Server Browser protocol
// carries (CLNT_UCAST_INST's INSTANCENAME: at most 32 bytes, [MC-SQLR]
// 2.2.3, https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-sqlr/c97b04b5-d80f-4d3e-9195-83bbfe246639).
const maxInstance = 32

// splitInstance returns the host and the SQL Server instance of the
// settings: "host\instance" in the host field, or the instance field.
func splitInstance(s *Settings) (host, instance string) {
	if h, i, ok := strings.Cut(s.Host, `\`); ok {
		return h, i
	}
	return s.Host, s.Instance
}

// checkInstance validates a named instance: host\instance only for
// sqlserver (other drivers ignore the instance field), given once
// (host\instance or instance), a non-empty host and name, and a name the
// SQL Server Browser can carry (the browser's answer separates fields
// with ';').
func checkInstance(s *Settings) error {
	hasSlash := strings.Contains(s.Host, `\`)
	if s.Driver != SQLServer { // the instance field is ignored there
		if hasSlash {
			return dirsync.Invalid("host", `host\instance is for sqlserver only`)
		}
		return nil
	}
	host, inst := splitInstance(s)
	field := "instance"
	if hasSlash {
		field = "host"
		if s.Instance != "" {
			return dirsync.Invalid("instance", `also given in host (host\instance): give it once`)
		}
	}
	switch {
	case host == "":
		return dirsync.Invalid("host", `the host is empty (host\instance)`)
	case hasSlash && inst == "":
		return dirsync.Invalid("host", `the instance after '\' is empty`)
	case len(inst) > maxInstance:
		return dirsync.Invalid(field, fmt.Sprintf("instance name of %d bytes, at most %d", len(inst), maxInstance))
	case strings.ContainsAny(inst, `\;:/ `) || strings.IndexFunc(inst, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return dirsync.Invalid(field, fmt.Sprintf("instance %q: no '\\', ';', ':', '/', spaces or control characters", inst))
	}
	return nil
}
