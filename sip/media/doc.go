// Package media is pbxagent's RTP media layer for SIP calls: G.711 µ-law and
// A-law codecs, WAV prompts cut into 20 ms frames, an RTP sender paced by a
// clock.Clock on an absolute 20 ms schedule, a receiver with a jitter buffer
// and RFC 3550 statistics, RTCP sender and receiver reports, RFC 4733 DTMF,
// energy-based voice activity detection, a media port allocator, a receive
// loop that reads the sockets of many calls from one goroutine (epoll on
// Linux) and a bridge that relays RTP between two call legs. RTP and RTCP wire formats come from
// github.com/pion/rtp and github.com/pion/rtcp. See docs/sip-media.md.
package media
