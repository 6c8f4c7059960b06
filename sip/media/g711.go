package media

// G.711 (ITU-T Recommendation G.711) companding of 16-bit linear PCM. The
// encoders take the 16-bit sample's top 14 (µ-law) or 13 (A-law) bits, as the
// standard's linear ranges are 14 and 13 bits wide.

const (
	ulawBias = 0x84 // 132: the µ-law bias added before segmenting (G.711 table 2)
	ulawClip = 32635
)

// EncodeUlaw converts one 16-bit linear sample to a µ-law byte.
func EncodeUlaw(sample int16) byte {
	x := int(sample)
	var sign byte
	if x < 0 {
		sign = 0x80
		x = -x
	}
	if x > ulawClip {
		x = ulawClip
	}
	x += ulawBias
	exp := 7
	for mask := 0x4000; x&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := (x >> (exp + 3)) & 0x0F
	return ^(sign | byte(exp<<4) | byte(mant))
}

// DecodeUlaw converts one µ-law byte to a 16-bit linear sample.
func DecodeUlaw(b byte) int16 {
	u := ^b
	exp := int(u>>4) & 0x07
	mant := int(u & 0x0F)
	x := ((mant << 3) + ulawBias) << exp
	x -= ulawBias
	if u&0x80 != 0 {
		return int16(-x)
	}
	return int16(x)
}

// EncodeAlaw converts one 16-bit linear sample to an A-law byte (even bits
// inverted, as transmitted).
func EncodeAlaw(sample int16) byte {
	s := int(sample) >> 3 // 13-bit linear
	mask := byte(0xD5)
	if s < 0 {
		mask = 0x55
		s = -s - 1
	}
	if s > 0xFFF {
		s = 0xFFF
	}
	seg := 0
	for end := 0x1F; s > end && seg < 7; end = end<<1 | 1 {
		seg++
	}
	aval := byte(seg << 4)
	if seg < 2 {
		aval |= byte(s>>1) & 0x0F
	} else {
		aval |= byte(s>>seg) & 0x0F
	}
	return aval ^ mask
}

// DecodeAlaw converts one A-law byte to a 16-bit linear sample.
func DecodeAlaw(b byte) int16 {
	a := b ^ 0x55
	t := int(a&0x0F) << 4
	seg := int(a&0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

// g711Tables holds the decode and transcoding tables, computed once.
type g711Tables struct {
	ulawToLinear [256]int16
	alawToLinear [256]int16
	ulawToAlaw   [256]byte
	alawToUlaw   [256]byte
}

// tables is read-only after package initialisation.
var tables = buildG711Tables()

func buildG711Tables() *g711Tables {
	t := &g711Tables{}
	for i := range 256 {
		b := byte(i)
		t.ulawToLinear[i] = DecodeUlaw(b)
		t.alawToLinear[i] = DecodeAlaw(b)
	}
	for i := range 256 {
		t.ulawToAlaw[i] = EncodeAlaw(t.ulawToLinear[i])
		t.alawToUlaw[i] = EncodeUlaw(t.alawToLinear[i])
	}
	return t
}

// UlawToAlaw transcodes a µ-law payload into dst (grown as needed) through
// linear PCM, and returns dst.
func UlawToAlaw(dst, src []byte) []byte {
	dst = dst[:0]
	for _, b := range src {
		dst = append(dst, tables.ulawToAlaw[b])
	}
	return dst
}

// AlawToUlaw transcodes an A-law payload into dst (grown as needed) through
// linear PCM, and returns dst.
func AlawToUlaw(dst, src []byte) []byte {
	dst = dst[:0]
	for _, b := range src {
		dst = append(dst, tables.alawToUlaw[b])
	}
	return dst
}
