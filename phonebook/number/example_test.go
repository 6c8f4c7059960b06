package number_test

import (
	"fmt"

	"github.com/pbxagent/pbxagent/phonebook/number"
)

func Example() {
	n, err := number.New(number.Config{DefaultRegion: "BA"})
	if err != nil {
		panic(err)
	}
	// Write time: the keys a stored number is indexed under.
	fmt.Println(n.Normalize("061 111-111").IndexKeys())
	fmt.Println(n.Normalize("1805").IndexKeys())
	// Lookup time: the levels to try, in order.
	for _, in := range []string{"sip:+38761111111@gw;user=phone", "1805", "anonymous"} {
		p := n.Probe(in)
		fmt.Println(in, "skip:", p.Skip, "levels:", p.Levels)
	}
	// Output:
	// [x:061111111 e164:+38761111111 nsn:387:61111111]
	// [ext:1805]
	// sip:+38761111111@gw;user=phone skip: false levels: [{exact [x:+38761111111]} {e164 [e164:+38761111111]} {national [nsn:387:61111111]}]
	// 1805 skip: false levels: [{extension [ext:1805]}]
	// anonymous skip: true levels: []
}
