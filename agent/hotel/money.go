package hotel

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Money is an amount in ten-thousandths of the currency unit (12.5 is
// 125000): exact sums, and room for per-minute rates finer than a cent.
// In JSON it is a number with up to four decimals.
type Money int64

// MoneyScale is how many Money make one currency unit.
const MoneyScale = 10000

// String renders m with four decimals ("12.5000").
func (m Money) String() string {
	neg := m < 0
	if neg {
		m = -m
	}
	s := fmt.Sprintf("%d.%04d", int64(m)/MoneyScale, int64(m)%MoneyScale)
	if neg {
		s = "-" + s
	}
	return s
}

// Minor rounds m to minor units of a currency with two decimals (cents),
// half away from zero: the unit of FIAS TA.
func (m Money) Minor() int64 {
	if m < 0 {
		return -(-m).Minor()
	}
	return (int64(m) + 50) / 100
}

// MarshalJSON renders m as a JSON number with the decimals it needs.
func (m Money) MarshalJSON() ([]byte, error) {
	s := strings.TrimRight(m.String(), "0")
	s = strings.TrimSuffix(s, ".")
	return []byte(s), nil
}

// UnmarshalJSON reads a JSON number (or a string holding one) with up to
// four decimals, exactly.
func (m *Money) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := ParseMoney(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// ParseMoney reads a decimal with up to four decimals ("0.035", "-2",
// "12.5").
func ParseMoney(s string) (Money, error) {
	if s == "" {
		return 0, errors.New("empty amount")
	}
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 4 || strings.ContainsAny(whole+frac, "+-eE") {
		return 0, fmt.Errorf("amount %q: want a decimal with at most 4 decimals", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > (1<<62)/MoneyScale {
		return 0, fmt.Errorf("amount %q: want a decimal with at most 4 decimals", s)
	}
	f := int64(0)
	if frac != "" {
		f, err = strconv.ParseInt(frac+strings.Repeat("0", 4-len(frac)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("amount %q: want a decimal with at most 4 decimals", s)
		}
	}
	v := Money(w*MoneyScale + f)
	if neg {
		v = -v
	}
	return v, nil
}

// OpenAPISchema describes Money in the API's OpenAPI document: a JSON
// number with up to four decimals (httpx.SchemaProvider).
func (Money) OpenAPISchema() map[string]any {
	return map[string]any{"type": "number"}
}
