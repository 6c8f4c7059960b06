package contactsvc

import "fmt"

// Synthetic returns contact i of a deterministic synthetic data set (tests,
// benchmarks, the -seed flag).
func Synthetic(i int, rev string) Contact {
	typ := "customer"
	if i%3 == 0 {
		typ = "lead"
	}
	return Contact{
		ID: fmt.Sprint(100000 + i), FirstName: "First" + fmt.Sprint(i) + rev, LastName: "Last" + fmt.Sprint(i%977),
		Company: "Company " + fmt.Sprint(i%211), Type: typ,
		Phones: []Phone{{Number: fmt.Sprintf("+38761%07d", i), Label: "work"}, {Number: fmt.Sprintf("+38762%07d", i), Label: "mobile"}},
		Emails: []Email{{Email: fmt.Sprintf("user%d@example.com", i), Label: "business"}},
	}
}
