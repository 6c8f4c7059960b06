// Package rtppcap writes and reads libpcap capture files of RTP over UDP over IPv4, for SIPp's
// play_pcap_audio (which replays the UDP payloads of such a file, RTP header included, to the
// peer's media address) and for tests that check their own captures. The writer makes G.711
// streams of 20 ms packets (one SSRC, sequence and timestamp incrementing) from linear PCM,
// with RFC 4733 telephone-events in the same stream; the reader takes classic pcap files
// (micro- or nanosecond, either byte order) with Ethernet, Linux cooked (SLL), raw IPv4 or BSD
// loopback framing. pcapng is not read: capture with `tshark -F pcap`. See docs/sip-testing.md.
package rtppcap
