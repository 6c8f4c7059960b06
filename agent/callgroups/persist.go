package callgroups

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Keys in the KV: a group's configuration with its dynamic members, a
// member's pause, a member's tally of today's calls in a group, a
// group's round-robin position.
const (
	keyGroup = "g/" // g/<group>
	keyPause = "p/" // p/<group>/<user>
	keyTally = "t/" // t/<group>/<user>
	keyRR    = "r/" // r/<group>
)

// Load reads the groups, dynamic members, pauses and strategy memory
// from the KV, then reconciles the DND pauses with presence: a member in
// DND is paused (reason dnd) in each of their groups, and a dnd pause of
// a member no longer in DND ends, so that nobody stays paused by mistake
// after a restart.
func (a *ACD) Load(ctx context.Context) error {
	pauses := map[string]map[string]*pauseRec{}
	memories := map[string]memory{}
	a.mu.Lock()
	err := a.kv.List(ctx, func(key string, val []byte) error {
		switch {
		case strings.HasPrefix(key, keyGroup):
			var g Group
			if err := json.Unmarshal(val, &g); err != nil {
				a.log.Warn("callgroups: skipping an unreadable group", "key", key, "err", err)
				return nil
			}
			a.groups[g.ID] = newGroupState(g)
		case strings.HasPrefix(key, keyPause):
			gid, uid, ok := strings.Cut(strings.TrimPrefix(key, keyPause), "/")
			var p pauseRec
			if err := json.Unmarshal(val, &p); !ok || err != nil {
				a.log.Warn("callgroups: skipping an unreadable pause", "key", key, "err", err)
				return nil
			}
			if pauses[gid] == nil {
				pauses[gid] = map[string]*pauseRec{}
			}
			pauses[gid][uid] = &p
		case strings.HasPrefix(key, keyTally):
			gid, uid, ok := strings.Cut(strings.TrimPrefix(key, keyTally), "/")
			var t tally
			if err := json.Unmarshal(val, &t); !ok || err != nil {
				a.log.Warn("callgroups: skipping an unreadable tally", "key", key, "err", err)
				return nil
			}
			m := memories[gid]
			if m.Tally == nil {
				m.Tally = map[string]*tally{}
			}
			m.Tally[uid] = &t
			memories[gid] = m
		case strings.HasPrefix(key, keyRR):
			gid := strings.TrimPrefix(key, keyRR)
			m := memories[gid]
			m.RRLast = string(val)
			memories[gid] = m
		}
		return nil
	})
	if err != nil {
		a.mu.Unlock()
		return fmt.Errorf("callgroups: load: %w", err)
	}
	now := a.clk.Now()
	for id, g := range a.groups {
		for uid, p := range pauses[id] {
			if _, ok := g.idx[uid]; ok {
				g.pauses[uid] = p
			}
		}
		if m, ok := memories[id]; ok {
			g.memory = m
		}
		for _, m := range g.cfg.Members {
			g.marks[m.UserID] = mark{state: a.condLocked(g, m.UserID, now).state(), since: now}
		}
	}
	a.mu.Unlock()
	a.locked(ctx, func(f *fx) {
		for _, g := range a.sortedGroupsLocked() {
			for _, m := range g.cfg.Members {
				a.reconcileDNDLocked(f, g, m.UserID, now)
			}
		}
	})
	return nil
}

// newGroupState is the memory of a group configured as g.
func newGroupState(g Group) *group {
	gs := &group{cfg: g, pauses: map[string]*pauseRec{}, marks: map[string]mark{}}
	gs.reindex()
	return gs
}

// saveGroupLocked keeps g's configuration and dynamic members.
func (a *ACD) saveGroupLocked(ctx context.Context, g *Group) error {
	b, err := json.Marshal(g)
	if err == nil {
		err = a.kv.Put(ctx, keyGroup+g.ID, b)
	}
	if err != nil {
		return fmt.Errorf("callgroups: keep group %s: %w", g.ID, err)
	}
	return nil
}

// savePauseLocked keeps (p non-nil) or forgets a member's pause.
func (a *ACD) savePauseLocked(ctx context.Context, groupID, userID string, p *pauseRec) error {
	key := keyPause + groupID + "/" + userID
	var err error
	if p == nil {
		err = a.kv.Delete(ctx, key)
	} else {
		var b []byte
		if b, err = json.Marshal(p); err == nil {
			err = a.kv.Put(ctx, key, b)
		}
	}
	if err != nil {
		return fmt.Errorf("callgroups: keep pause of %s in %s: %w", userID, groupID, err)
	}
	return nil
}

// saveTallyLocked keeps userID's tally in g (a failure is logged: the
// tallies order leastrecent and fewestcalls, they are no record).
func (a *ACD) saveTallyLocked(g *group, userID string) {
	if a.groups[g.cfg.ID] != g {
		return // deleted while the call went on
	}
	b, err := json.Marshal(g.memory.Tally[userID])
	if err == nil {
		err = a.kv.Put(context.Background(), keyTally+g.cfg.ID+"/"+userID, b)
	}
	if err != nil {
		a.log.Warn("callgroups: keep tally", "group", g.cfg.ID, "user", userID, "err", err)
	}
}

// saveRRLocked keeps g's round-robin position (the member last offered a
// call).
func (a *ACD) saveRRLocked(g *group) {
	if err := a.kv.Put(context.Background(), keyRR+g.cfg.ID, []byte(g.memory.RRLast)); err != nil {
		a.log.Warn("callgroups: keep round-robin position", "group", g.cfg.ID, "err", err)
	}
}

// forgetGroupLocked deletes g's keys.
func (a *ACD) forgetGroupLocked(ctx context.Context, g *group) error {
	if err := a.kv.Delete(ctx, keyGroup+g.cfg.ID); err != nil {
		return fmt.Errorf("callgroups: delete group %s: %w", g.cfg.ID, err)
	}
	for uid := range g.pauses {
		if err := a.savePauseLocked(ctx, g.cfg.ID, uid, nil); err != nil {
			a.log.Warn("callgroups: delete pause", "err", err)
		}
	}
	for uid := range g.memory.Tally {
		if err := a.kv.Delete(ctx, keyTally+g.cfg.ID+"/"+uid); err != nil {
			a.log.Warn("callgroups: delete tally", "group", g.cfg.ID, "err", err)
		}
	}
	if g.memory.RRLast != "" {
		if err := a.kv.Delete(ctx, keyRR+g.cfg.ID); err != nil {
			a.log.Warn("callgroups: delete round-robin position", "group", g.cfg.ID, "err", err)
		}
	}
	return nil
}
