package callgroups

// state is the ACD's memory (guarded by ACD.mu).
type state struct{}

func (s *state) init() {}
