// Package gen generates deterministic phone-book test data: contacts with
// realistic (Bosnian, German, …) names and unique, valid phone numbers, and
// Central Phone Book CSV files of any size for import benchmarks.
package gen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/csvbook"
)

// space is a block of spaceSize numbers: render maps an index to the
// number as written in the file and its E.164 form.
type space func(i int) (written, e164 string)

// block returns a space of prefix + 6 free digits, written by national.
func block(e164Prefix string, national func(d string) string) space {
	return func(i int) (string, string) {
		d := fmt.Sprintf("%06d", (i*permMul+permAdd)%1_000_000)
		return national(d), e164Prefix + d
	}
}

// spaces are the number blocks numbers are drawn from; every number in
// them is valid for github.com/nyaruka/phonenumbers (checked by test).
var spaces = []space{
	block("+38761", func(d string) string { return "061 " + d[:3] + "-" + d[3:] }),
	block("+38762", func(d string) string { return "062 " + d[:3] + "-" + d[3:] }),
	block("+38765", func(d string) string { return "065/" + d[:3] + "-" + d[3:] }),
	block("+38766", func(d string) string { return "+387 66 " + d[:3] + " " + d[3:] }),
	block("+38763", func(d string) string { return "063" + d }),
	// Sarajevo fixed lines: 033 then 2, 4–8 (033 0/1/3… are not valid).
	func(i int) (string, string) {
		j := (i*permMul + permAdd) % spaceSize
		d := string("245678"[j/100_000]) + fmt.Sprintf("%05d", j%100_000)
		return "033 " + d[:3] + " " + d[3:], "+38733" + d
	},
	block("+49302", func(d string) string { return "+49 30 2" + d }),
	block("+12122", func(d string) string { return "+1 212-2" + d[:2] + "-" + d[2:] }),
	func(i int) (string, string) {
		d := fmt.Sprintf("%06d", (i*permMul+permAdd)%1_000_000)
		return "+44 20 7" + d[:3] + " " + d[3:] + "0", "+44207" + d + "0"
	},
	block("+385912", func(d string) string { return "+385 91 2" + d }),
}

// spaceSize is the count of numbers used per space; the index is permuted
// (7919 is coprime with 10^6 and 6·10^5) so numbers do not look sequential.
const (
	spaceSize = 600_000
	permMul   = 7919
	permAdd   = 234_567
)

// Capacity is the number of distinct numbers the generator can hand out.
const Capacity = spaceSize * 10

// Number returns the k-th unique number (0 <= k < Capacity) in its
// written form and its E.164 form.
func Number(k int) (written, e164 string) {
	return spaces[k%len(spaces)](k / len(spaces))
}

// Unused returns a valid number no generated file of up to (Capacity-k)/3
// contacts holds — for lookups that must miss. Numbers are handed out from
// k = 0 upwards, so Unused(k) = Number(Capacity-1-k).
func Unused(k int) (written, e164 string) { return Number(Capacity - 1 - k) }

var firstNames = []string{
	"Ana", "Emir", "Đorđe", "Jasmina", "Čedomir", "Šejla", "Željko", "Lejla", "Haris", "Amra",
	"Jürgen", "Małgorzata", "Zoë", "Renée", "Mirza", "Selma", "Dženan", "Nikola", "Ivana", "Tarik",
	"John", "Mary", "Hans", "Sophie", "Lars",
}

var middleNames = []string{"", "", "", "", "Marie", "J.", "Ali", "von"}

var lastNames = []string{
	"Anić", "Đurić", "Müller", "Hodžić", "Kovačević", "Šehović", "Čolić", "Begić", "Petrović", "Jukić",
	"Schröder", "Weiß", "O'Brien", "Smith", "Ćosić", "Žunić", "Delić", "Mehmedović", "Bašić", "Novak",
}

var companies = []string{
	"", "", "Example d.o.o.", "Ankunding,Weissnat", "BH Telecom", "Müller & Söhne GmbH",
	"Walsh Group", "Jacobi and Sons", "\"Quoted\" Ltd", "Energoinvest d.d.", "Schmidt, Weber & Co. KG",
}

var types = []phonebook.NumberType{phonebook.NumberWork, phonebook.NumberMobile, phonebook.NumberHome, phonebook.NumberFax}

// Contacts calls fn for n generated contacts; the same seed gives the same
// contacts. Every contact has 1–3 numbers, all unique across the run; fn
// owns the contact it is given.
func Contacts(n int, seed uint64, fn func(*phonebook.Contact) error) error {
	if n < 0 || n*3 > Capacity {
		return fmt.Errorf("gen: %d contacts out of range (at most %d)", n, Capacity/3)
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	k := 0
	var sb strings.Builder
	for row := 0; row < n; row++ {
		first := firstNames[rng.IntN(len(firstNames))]
		last := lastNames[rng.IntN(len(lastNames))]
		c := &phonebook.Contact{
			Scope: phonebook.ScopeGlobal, Source: phonebook.SourceCSV,
			FirstName: first, MiddleName: middleNames[rng.IntN(len(middleNames))], LastName: last,
			Company: companies[rng.IntN(len(companies))],
		}
		if rng.IntN(10) < 8 {
			sb.Reset()
			sb.WriteString(asciiFold(first))
			sb.WriteByte('.')
			sb.WriteString(asciiFold(last))
			fmt.Fprintf(&sb, "%d@example.com", row)
			c.Emails = []phonebook.Email{{Label: "work", Address: sb.String()}}
		}
		m := 1 + rng.IntN(3)
		nums := make([]phonebook.Number, 0, m)
		for j := 0; j < m; j++ {
			w, _ := Number(k)
			k++
			nums = append(nums, phonebook.Number{Type: types[rng.IntN(len(types))], Value: w})
		}
		c.Numbers = nums
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// WriteCSV writes n generated contacts as a Central Phone Book CSV.
func WriteCSV(w io.Writer, n int, seed uint64) error {
	cw := csvbook.NewWriter(w)
	if err := Contacts(n, seed, cw.Write); err != nil {
		return err
	}
	return cw.Flush()
}

var fold = strings.NewReplacer(
	"Đ", "Dj", "đ", "dj", "Č", "C", "č", "c", "Ć", "C", "ć", "c", "Š", "S", "š", "s", "Ž", "Z", "ž", "z",
	"ü", "ue", "ö", "oe", "ä", "ae", "ß", "ss", "ł", "l", "Ł", "L", "ë", "e", "é", "e", "'", "",
)

func asciiFold(s string) string { return strings.ToLower(fold.Replace(s)) }

// WriteCopyText writes the same contacts as WriteCSV in PostgreSQL COPY
// text format, one row per contact with fixed columns: first, middle and
// last name, e-mail, company, and the numbers as a text[] literal. It feeds
// the indexed PostgreSQL baseline of testlab/bench/import.sh, which needs
// fixed columns where the CSV has a varying number of number cells.
func WriteCopyText(w io.Writer, n int, seed uint64) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var arr strings.Builder
	err := Contacts(n, seed, func(c *phonebook.Contact) error {
		email := ""
		if len(c.Emails) > 0 {
			email = c.Emails[0].Address
		}
		arr.Reset()
		arr.WriteByte('{')
		for i, num := range c.Numbers {
			if i > 0 {
				arr.WriteByte(',')
			}
			arr.WriteByte('"')
			arr.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(num.Value))
			arr.WriteByte('"')
		}
		arr.WriteByte('}')
		for i, f := range []string{c.FirstName, c.MiddleName, c.LastName, email, c.Company, arr.String()} {
			if i > 0 {
				bw.WriteByte('\t')
			}
			bw.WriteString(copyEscape.Replace(f))
		}
		return bw.WriteByte('\n')
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// copyEscape escapes a field for COPY's text format.
var copyEscape = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)
