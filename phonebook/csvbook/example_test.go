package csvbook_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pbxagent/pbxagent/phonebook/csvbook"
)

func ExampleReader() {
	in := "Ana,,Anić,ana@example.ba,Example d.o.o.,mobile:061 111-111,other:123\n" +
		"Bad,,Row,,,5551234\n" +
		",,,,\"Ankunding,Weissnat\",WORK:+38733123456\n"
	r := csvbook.NewReader(strings.NewReader(in))
	for {
		c, err := r.Next()
		var pe *csvbook.ParseError
		switch {
		case err == io.EOF:
			fmt.Println("clean file")
			return
		case errors.As(err, &pe):
			fmt.Println("do not apply; malformed lines:", pe.Lines())
			fmt.Println("warnings:", r.Warnings())
			return
		case err != nil:
			fmt.Println("read error:", err)
			return
		}
		fmt.Printf("line %d: %q %q %q %v\n", r.Line(), c.FirstName, c.LastName, c.Company, c.Numbers)
	}
	// Output:
	// line 1: "Ana" "Anić" "Example d.o.o." [{mobile 061 111-111 } {other 123 }]
	// line 3: "" "" "Ankunding,Weissnat" [{work +38733123456 }]
	// do not apply; malformed lines: [2]
	// warnings: []
}

func ExampleTemplate() {
	_ = csvbook.Template(os.Stdout)
	// Output:
	// Ana,,Anić,ana.anic@example.com,Example d.o.o.,work:+38733123456,mobile:061 111-111
	// ,,,,"Ankunding,Weissnat",work:1805,fax:+38733123457
}
