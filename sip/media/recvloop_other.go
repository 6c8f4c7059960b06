//go:build !linux

package media

// recvPoll is unused off Linux: every socket gets a reader goroutine.
type recvPoll struct{}

// polledReader is unused off Linux.
type polledReader struct{}

func (l *RecvLoop) addPolled(*recvReg) error { return errNotPollable }

func (l *RecvLoop) removePolled(*recvReg) {}
