package rtppcap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"
)

// LinkType is a pcap link-layer header type (https://www.tcpdump.org/linktypes.html).
type LinkType uint32

// Link types written and read.
const (
	// LinkNull is BSD loopback: a 4-byte address family in host order.
	LinkNull LinkType = 0
	// LinkEthernet is Ethernet II (DLT_EN10MB), the framing SIPp's own pcaps use.
	LinkEthernet LinkType = 1
	// LinkRaw is a bare IP packet (LINKTYPE_RAW).
	LinkRaw LinkType = 101
	// LinkLinuxSLL is Linux cooked capture v1 (tshark -i any).
	LinkLinuxSLL LinkType = 113
	// LinkIPv4 is a bare IPv4 packet (LINKTYPE_IPV4).
	LinkIPv4 LinkType = 228
)

const (
	magicMicro   = 0xa1b2c3d4
	magicNano    = 0xa1b23c4d
	globalHeader = 24
	recordHeader = 16
	// MaxSnapLen bounds a record's captured length; larger records are an error (a forged
	// length must not make the reader allocate gigabytes).
	MaxSnapLen = 256 << 10
	ipv4Header = 20
	udpHeader  = 8
	protoUDP   = 17
)

// Datagram is one UDP datagram of a capture.
type Datagram struct {
	// Time is the capture time stamp.
	Time time.Time
	// Src and Dst are the IPv4 addresses and UDP ports.
	Src, Dst netip.AddrPort
	// Payload is the UDP payload (an RTP packet for RTP streams).
	Payload []byte
}

// Writer writes a pcap file of UDP datagrams over IPv4.
type Writer struct {
	w    io.Writer
	link LinkType
	ipID uint16
	buf  []byte
}

// NewWriter writes the pcap global header (microsecond time stamps, little endian, snap
// length MaxSnapLen) for link (LinkEthernet, LinkLinuxSLL, LinkRaw or LinkIPv4).
func NewWriter(w io.Writer, link LinkType) (*Writer, error) {
	switch link {
	case LinkEthernet, LinkLinuxSLL, LinkRaw, LinkIPv4:
	default:
		return nil, fmt.Errorf("rtppcap: link type %d: want Ethernet (1), Linux SLL (113), raw (101) or IPv4 (228)", link)
	}
	h := make([]byte, globalHeader)
	binary.LittleEndian.PutUint32(h[0:], magicMicro)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], MaxSnapLen)
	binary.LittleEndian.PutUint32(h[20:], uint32(link))
	if _, err := w.Write(h); err != nil {
		return nil, fmt.Errorf("rtppcap: global header: %w", err)
	}
	return &Writer{w: w, link: link}, nil
}

// linkHeaderLen is the framing before the IPv4 header.
func (l LinkType) headerLen() int {
	switch l {
	case LinkEthernet:
		return 14
	case LinkLinuxSLL:
		return 16
	case LinkNull:
		return 4
	default:
		return 0
	}
}

// WriteDatagram writes one UDP datagram from src to dst (IPv4) captured at t.
func (w *Writer) WriteDatagram(t time.Time, src, dst netip.AddrPort, payload []byte) error {
	if !src.Addr().Is4() || !dst.Addr().Is4() {
		return fmt.Errorf("rtppcap: datagram %v → %v: IPv4 addresses only", src, dst)
	}
	lh := w.link.headerLen()
	n := lh + ipv4Header + udpHeader + len(payload)
	if n > MaxSnapLen || ipv4Header+udpHeader+len(payload) > 0xffff {
		return fmt.Errorf("rtppcap: datagram of %d payload bytes too large", len(payload))
	}
	b := w.buf[:0]
	b = append(b, make([]byte, recordHeader+n)...)
	w.buf = b
	us := t.UnixMicro()
	binary.LittleEndian.PutUint32(b[0:], uint32(us/1e6))
	binary.LittleEndian.PutUint32(b[4:], uint32(us%1e6))
	binary.LittleEndian.PutUint32(b[8:], uint32(n))
	binary.LittleEndian.PutUint32(b[12:], uint32(n))
	f := b[recordHeader:]
	switch w.link {
	case LinkEthernet:
		// Locally administered MAC addresses; EtherType IPv4.
		copy(f[0:6], []byte{0x02, 0, 0, 0, 0, 0x02})
		copy(f[6:12], []byte{0x02, 0, 0, 0, 0, 0x01})
		binary.BigEndian.PutUint16(f[12:], 0x0800)
	case LinkLinuxSLL:
		binary.BigEndian.PutUint16(f[0:], 4)   // packet type: sent by us
		binary.BigEndian.PutUint16(f[2:], 772) // ARPHRD_LOOPBACK
		binary.BigEndian.PutUint16(f[4:], 0)   // address length
		binary.BigEndian.PutUint16(f[14:], 0x0800)
	}
	ip := f[lh:]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(ipv4Header+udpHeader+len(payload)))
	binary.BigEndian.PutUint16(ip[4:], w.ipID)
	w.ipID++
	binary.BigEndian.PutUint16(ip[6:], 0x4000) // don't fragment
	ip[8] = 64
	ip[9] = protoUDP
	s4, d4 := src.Addr().As4(), dst.Addr().As4()
	copy(ip[12:16], s4[:])
	copy(ip[16:20], d4[:])
	binary.BigEndian.PutUint16(ip[10:], checksum(ip[:ipv4Header], 0))
	udp := ip[ipv4Header:]
	binary.BigEndian.PutUint16(udp[0:], src.Port())
	binary.BigEndian.PutUint16(udp[2:], dst.Port())
	binary.BigEndian.PutUint16(udp[4:], uint16(udpHeader+len(payload)))
	copy(udp[udpHeader:], payload)
	// UDP checksum over the pseudo-header (RFC 768).
	var pseudo uint32
	pseudo += uint32(s4[0])<<8 | uint32(s4[1]) + uint32(s4[2])<<8 | uint32(s4[3])
	pseudo += uint32(d4[0])<<8 | uint32(d4[1]) + uint32(d4[2])<<8 | uint32(d4[3])
	pseudo += protoUDP + uint32(udpHeader+len(payload))
	sum := checksum(udp[:udpHeader+len(payload)], pseudo)
	if sum == 0 {
		sum = 0xffff
	}
	binary.BigEndian.PutUint16(udp[6:], sum)
	if _, err := w.w.Write(b); err != nil {
		return fmt.Errorf("rtppcap: record: %w", err)
	}
	return nil
}

// checksum is the Internet checksum (RFC 1071) of b with initial sum.
func checksum(b []byte, sum uint32) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// FormatError says what is wrong in a capture file, naming the record and field.
type FormatError struct {
	// Record is the 1-based record number, 0 for the global header.
	Record int
	// Field is the header field ("magic", "incl_len", "IPv4 header", …).
	Field string
	// Msg says what is wrong.
	Msg string
}

// Error names the record and field.
func (e *FormatError) Error() string {
	if e.Record == 0 {
		return fmt.Sprintf("rtppcap: global header field %q: %s", e.Field, e.Msg)
	}
	return fmt.Sprintf("rtppcap: record %d field %q: %s", e.Record, e.Field, e.Msg)
}

// ReadDatagrams reads every UDP-over-IPv4 datagram of a classic pcap file; other packets
// (ARP, IPv6, TCP, fragments after the first) are skipped. A malformed file gives a
// *FormatError.
func ReadDatagrams(r io.Reader) ([]Datagram, error) {
	var gh [globalHeader]byte
	if _, err := io.ReadFull(r, gh[:]); err != nil {
		return nil, &FormatError{Field: "magic", Msg: fmt.Sprintf("short file: %v", err)}
	}
	var order binary.ByteOrder
	nano := false
	switch {
	case binary.LittleEndian.Uint32(gh[0:]) == magicMicro:
		order = binary.LittleEndian
	case binary.BigEndian.Uint32(gh[0:]) == magicMicro:
		order = binary.BigEndian
	case binary.LittleEndian.Uint32(gh[0:]) == magicNano:
		order, nano = binary.LittleEndian, true
	case binary.BigEndian.Uint32(gh[0:]) == magicNano:
		order, nano = binary.BigEndian, true
	case binary.BigEndian.Uint32(gh[0:]) == 0x0a0d0d0a:
		return nil, &FormatError{Field: "magic", Msg: "pcapng file: capture with tshark -F pcap"}
	default:
		return nil, &FormatError{Field: "magic", Msg: fmt.Sprintf("%#08x is not a pcap magic number", binary.BigEndian.Uint32(gh[0:]))}
	}
	link := LinkType(order.Uint32(gh[20:]) & 0x0fffffff)
	switch link {
	case LinkNull, LinkEthernet, LinkRaw, LinkLinuxSLL, LinkIPv4:
	default:
		return nil, &FormatError{Field: "network", Msg: fmt.Sprintf("link type %d not read (Ethernet, Linux SLL, raw IP, loopback)", link)}
	}
	var out []Datagram
	var rh [recordHeader]byte
	for rec := 1; ; rec++ {
		if _, err := io.ReadFull(r, rh[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, &FormatError{Record: rec, Field: "record header", Msg: fmt.Sprintf("truncated: %v", err)}
		}
		sec, frac := order.Uint32(rh[0:]), order.Uint32(rh[4:])
		incl := order.Uint32(rh[8:])
		if incl > MaxSnapLen {
			return out, &FormatError{Record: rec, Field: "incl_len", Msg: fmt.Sprintf("%d bytes exceeds %d", incl, MaxSnapLen)}
		}
		data := make([]byte, incl)
		if _, err := io.ReadFull(r, data); err != nil {
			return out, &FormatError{Record: rec, Field: "packet data", Msg: fmt.Sprintf("truncated: %v", err)}
		}
		ns := int64(frac)
		if !nano {
			ns *= 1000
		}
		d, ok, err := parseFrame(link, data)
		if err != nil {
			return out, &FormatError{Record: rec, Field: err.field, Msg: err.msg}
		}
		if !ok {
			continue
		}
		d.Time = time.Unix(int64(sec), ns)
		out = append(out, d)
	}
}

type frameError struct{ field, msg string }

// parseFrame reads the IPv4/UDP datagram of one record; ok is false for a packet that is not
// UDP over IPv4 (or not a first fragment).
func parseFrame(link LinkType, b []byte) (Datagram, bool, *frameError) {
	lh := link.headerLen()
	if len(b) < lh {
		return Datagram{}, false, &frameError{"link header", fmt.Sprintf("%d bytes, want %d", len(b), lh)}
	}
	switch link {
	case LinkEthernet:
		et := binary.BigEndian.Uint16(b[12:])
		if et == 0x8100 { // one VLAN tag
			if len(b) < 18 {
				return Datagram{}, false, &frameError{"VLAN tag", "truncated"}
			}
			et, lh = binary.BigEndian.Uint16(b[16:]), 18
		}
		if et != 0x0800 {
			return Datagram{}, false, nil
		}
	case LinkLinuxSLL:
		if binary.BigEndian.Uint16(b[14:]) != 0x0800 {
			return Datagram{}, false, nil
		}
	case LinkNull:
		// The address family is in the capturing host's byte order: AF_INET is 2 either way.
		if binary.BigEndian.Uint32(b[0:]) != 2 && binary.LittleEndian.Uint32(b[0:]) != 2 {
			return Datagram{}, false, nil
		}
	}
	ip := b[lh:]
	if len(ip) < ipv4Header {
		return Datagram{}, false, &frameError{"IPv4 header", fmt.Sprintf("%d bytes, want at least 20", len(ip))}
	}
	if ip[0]>>4 != 4 {
		return Datagram{}, false, nil // IPv6 or other
	}
	ihl := int(ip[0]&0x0f) * 4
	if ihl < ipv4Header || len(ip) < ihl {
		return Datagram{}, false, &frameError{"IPv4 IHL", fmt.Sprintf("header length %d with %d bytes", ihl, len(ip))}
	}
	total := int(binary.BigEndian.Uint16(ip[2:]))
	if total < ihl || total > len(ip) {
		return Datagram{}, false, &frameError{"IPv4 total length", fmt.Sprintf("%d with %d bytes captured", total, len(ip))}
	}
	if ip[9] != protoUDP || binary.BigEndian.Uint16(ip[6:])&0x1fff != 0 {
		return Datagram{}, false, nil
	}
	udp := ip[ihl:total]
	if len(udp) < udpHeader {
		return Datagram{}, false, &frameError{"UDP header", fmt.Sprintf("%d bytes, want 8", len(udp))}
	}
	ulen := int(binary.BigEndian.Uint16(udp[4:]))
	if ulen < udpHeader || ulen > len(udp) {
		return Datagram{}, false, &frameError{"UDP length", fmt.Sprintf("%d with %d bytes", ulen, len(udp))}
	}
	src := netip.AddrPortFrom(netip.AddrFrom4([4]byte(ip[12:16])), binary.BigEndian.Uint16(udp[0:]))
	dst := netip.AddrPortFrom(netip.AddrFrom4([4]byte(ip[16:20])), binary.BigEndian.Uint16(udp[2:]))
	return Datagram{Src: src, Dst: dst, Payload: udp[udpHeader:ulen]}, true, nil
}
