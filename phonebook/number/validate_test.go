package number

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers"
	"github.com/pbxagent/pbxagent/testlab/gen"
)

// libValid is the library's answer for country code cc and a national
// number without a leading zero: IsValidNumber, or IsValidNumberForRegion
// when region is set.
func libValid(cc int, nsn, region string) bool {
	nn, err := strconv.ParseUint(nsn, 10, 64)
	if err != nil {
		panic(err)
	}
	c := int32(cc)
	pn := &phonenumbers.PhoneNumber{CountryCode: &c, NationalNumber: &nn}
	if region != "" {
		return phonenumbers.IsValidNumberForRegion(pn, region)
	}
	return phonenumbers.IsValidNumber(pn)
}

// candidates returns national numbers to try for cc: the example numbers
// of its regions, the same with the tail after every prefix length
// replaced by random digits, one digit shorter and longer, and random
// numbers of every length. No candidate starts with 0 (the fast path
// leaves those to the parser).
func candidates(rng *rand.Rand, cc int, perSeed, random int) []string {
	var seeds []string
	for _, r := range phonenumbers.GetRegionCodesForCountryCode(cc) {
		if r == "001" {
			if ex := phonenumbers.GetExampleNumberForNonGeoEntity(cc); ex != nil {
				seeds = append(seeds, strconv.FormatUint(ex.GetNationalNumber(), 10))
			}
			continue
		}
		for _, t := range exampleTypes {
			if ex := phonenumbers.GetExampleNumberForType(r, t); ex != nil {
				seeds = append(seeds, strconv.FormatUint(ex.GetNationalNumber(), 10))
			}
		}
	}
	digit := func() byte { return byte('0' + rng.IntN(10)) }
	maxLen := 17 - len(strconv.Itoa(cc))
	var out []string
	add := func(b []byte) {
		if len(b) > 0 && len(b) <= maxLen && b[0] != '0' {
			out = append(out, string(b))
		}
	}
	for _, s := range seeds {
		add([]byte(s))
		add([]byte(s[:len(s)-1]))
		add(append([]byte(s), digit()))
		for i := 0; i < perSeed; i++ {
			k := rng.IntN(len(s) + 1)
			b := []byte(s[:k])
			n := len(s) + rng.IntN(3) - 1
			for len(b) < n {
				b = append(b, digit())
			}
			add(b)
		}
	}
	for i := 0; i < random; i++ {
		n := 1 + rng.IntN(maxLen)
		b := []byte{byte('1' + rng.IntN(9))}
		for len(b) < n {
			b = append(b, digit())
		}
		add(b)
	}
	return out
}

// TestValidatorMatchesLibrary: for every country calling code and every
// region the metadata has, the compiled automata give the library's
// answer on generated numbers around the example numbers and random ones.
func TestValidatorMatchesLibrary(t *testing.T) {
	perSeed, random := 60, 300
	if testing.Short() {
		perSeed, random = 10, 50
	}
	rng := rand.New(rand.NewPCG(1, 2))
	codes := make([]int, 0, 300)
	for cc := range phonenumbers.GetSupportedCallingCodes() {
		codes = append(codes, cc)
	}
	slices.Sort(codes)
	var checked, valid int
	for _, cc := range codes {
		v := validatorFor(cc)
		if v == nil {
			_, err := compileCC(cc)
			t.Errorf("country code %d does not compile: %v", cc, err)
			continue
		}
		regions := phonenumbers.GetRegionCodesForCountryCode(cc)
		for _, nsn := range candidates(rng, cc, perSeed, random) {
			want := libValid(cc, nsn, "")
			if got := v.valid([]byte(nsn)); got != want {
				t.Errorf("+%d %s: automata say valid=%v, library %v", cc, nsn, got, want)
			}
			checked++
			if want {
				valid++
			}
			for _, r := range regions {
				if r == "001" {
					continue
				}
				want := libValid(cc, nsn, r)
				if got := v.region(r).valid([]byte(nsn)); got != want {
					t.Errorf("+%d %s for %s: automata say valid=%v, library %v", cc, nsn, r, got, want)
				}
			}
		}
	}
	t.Logf("%d country codes, %d numbers, %d valid", len(codes), checked, valid)
	if valid < checked/10 || valid > checked*9/10 {
		t.Errorf("%d of %d numbers valid: the generator does not exercise both outcomes", valid, checked)
	}
}

// TestNormalizeSameAsLibrary: Normalize with the automata and with the
// library only give the same result for the generated import numbers and
// the fuzz seeds, in several default regions.
func TestNormalizeSameAsLibrary(t *testing.T) {
	inputs := append([]string(nil), fuzzSeeds...)
	for k := 0; k < 3000; k++ {
		w, e := gen.Number(k)
		inputs = append(inputs, w, e, "00"+e[1:], "011"+e[1:])
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 1000; i++ {
		b := []byte{'0'}
		for n := 6 + rng.IntN(9); len(b) < n; {
			b = append(b, byte('0'+rng.IntN(10)))
		}
		inputs = append(inputs, string(b), "+"+string(b[1:]))
	}
	for _, region := range []string{"BA", "DE", "US", "GB", "IT", "FR", "RU", "AU", "BR", "CN", "IN", ""} {
		fast, err := New(Config{DefaultRegion: region, TrunkPrefixes: []string{"9"}, CacheSize: -1})
		if err != nil {
			t.Fatal(err)
		}
		lib, err := New(Config{DefaultRegion: region, TrunkPrefixes: []string{"9"}, CacheSize: -1})
		if err != nil {
			t.Fatal(err)
		}
		lib.libraryOnly = true
		if region != "" && fast.regionValid == nil {
			t.Errorf("%s: no compiled region validator", region)
		}
		for _, in := range inputs {
			if got, want := fast.Normalize(in), lib.Normalize(in); !sameNormalized(got, want) {
				t.Errorf("%s: Normalize(%q) = %+v, library only %+v", region, in, got, want)
			}
		}
	}
}

// FuzzValidator: the automata and the library agree on any digits for
// any country code, for IsValidNumber and for each region of the code.
func FuzzValidator(f *testing.F) {
	f.Add(387, "61111111")
	f.Add(1, "2125550100")
	f.Add(44, "2071234560")
	f.Add(49, "302123456")
	f.Add(800, "12345678")
	f.Add(7, "7012345678")
	var codes []int
	for cc := range phonenumbers.GetSupportedCallingCodes() {
		codes = append(codes, cc)
	}
	slices.Sort(codes)
	f.Fuzz(func(t *testing.T, cc int, nsn string) {
		if len(nsn) == 0 || len(nsn) > 14 || nsn[0] == '0' {
			return
		}
		if !slices.Contains(codes, cc) {
			// Most fuzzed integers are no country code: map them onto one.
			cc = codes[(cc%len(codes)+len(codes))%len(codes)]
		}
		for i := 0; i < len(nsn); i++ {
			if nsn[i] < '0' || nsn[i] > '9' {
				return
			}
		}
		v := validatorFor(cc)
		if v == nil {
			return
		}
		if got, want := v.valid([]byte(nsn)), libValid(cc, nsn, ""); got != want {
			t.Fatalf("+%d %s: automata %v, library %v", cc, nsn, got, want)
		}
		for _, r := range phonenumbers.GetRegionCodesForCountryCode(cc) {
			if r == "001" {
				continue
			}
			if got, want := v.region(r).valid([]byte(nsn)), libValid(cc, nsn, r); got != want {
				t.Fatalf("+%d %s for %s: automata %v, library %v", cc, nsn, r, got, want)
			}
		}
	})
}

// TestDFA: the automaton of small patterns, full and prefix matches.
func TestDFA(t *testing.T) {
	tests := []struct {
		pattern, in  string
		full, prefix bool
	}{
		{pattern: `6[0-3]\d{2}`, in: "6123", full: true, prefix: true},
		{pattern: `6[0-3]\d{2}`, in: "61234", full: false, prefix: true},
		{pattern: `6[0-3]\d{2}`, in: "6423", full: false, prefix: false},
		{pattern: `6[0-3]\d{2}`, in: "612", full: false, prefix: false},
		{pattern: `1|23`, in: "1", full: true, prefix: true},
		{pattern: `1|23`, in: "234", full: false, prefix: true},
		{pattern: `(?:2[0-24-9]|3)\d{3,4}`, in: "3123", full: true, prefix: true},
		{pattern: `(?:2[0-24-9]|3)\d{3,4}`, in: "2312345", full: false, prefix: false},
		{pattern: `\d*`, in: "", full: true, prefix: true},
		{pattern: ``, in: "5", full: false, prefix: true},
	}
	for _, tt := range tests {
		a, err := compileDFA(tt.pattern)
		if err != nil {
			t.Fatalf("%q: %v", tt.pattern, err)
		}
		if got := a.full([]byte(tt.in)); got != tt.full {
			t.Errorf("%q full %q = %v, want %v", tt.pattern, tt.in, got, tt.full)
		}
		if got := a.prefix([]byte(tt.in)); got != tt.prefix {
			t.Errorf("%q prefix %q = %v, want %v", tt.pattern, tt.in, got, tt.prefix)
		}
	}
	if _, err := compileDFA(`\b1`); err == nil {
		t.Error(`\b1 compiled; want errUnsupported`)
	}
}

// TestCompileAll: every country code's metadata compiles, and how long
// that takes (logged).
func TestCompileAll(t *testing.T) {
	start := time.Now()
	states := 0
	for cc := range phonenumbers.GetSupportedCallingCodes() {
		v, err := compileCC(cc)
		if err != nil {
			t.Errorf("country code %d: %v", cc, err)
			continue
		}
		for _, r := range v.regions {
			states += len(r.general.re.accept)
			for _, d := range r.types {
				states += len(d.re.accept)
			}
		}
	}
	t.Logf("all codes compiled in %v, %d states (%d KiB of tables)", time.Since(start), states, states*41/1024)
}

// TestValidatorConcurrent: first uses of a country code from several
// goroutines get one validator, and the same answers (run with -race).
func TestValidatorConcurrent(t *testing.T) {
	codes := []int{387, 49, 1, 44, 385, 7, 39, 800}
	type result struct {
		v     *ccValidator
		valid bool
	}
	const workers = 4
	out := make(chan []result, workers)
	for w := 0; w < workers; w++ {
		go func() {
			var rs []result
			for _, cc := range codes {
				v := validatorFor(cc)
				rs = append(rs, result{v: v, valid: v != nil && v.valid([]byte("61111111"))})
			}
			out <- rs
		}()
	}
	first := <-out
	for w := 1; w < workers; w++ {
		if got := <-out; !slices.Equal(got, first) {
			t.Errorf("worker results differ: %v vs %v", got, first)
		}
	}
	for i, r := range first {
		if r.v == nil {
			t.Errorf("country code %d: no validator", codes[i])
		}
		if want := libValid(codes[i], "61111111", ""); r.valid != want {
			t.Errorf("+%d 61111111: %v, library %v", codes[i], r.valid, want)
		}
	}
}
