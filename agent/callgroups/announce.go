package callgroups

import (
	"context"
	"strconv"
	"time"
)

// Asterisk's queue sounds, as app_queue.c names them (its defaults for
// queue-youarenext, queue-thereare, queue-callswaiting, queue-holdtime,
// queue-minute(s), queue-thankyou; the files ship in Asterisk's core
// sounds).
const (
	soundNext     = "queue-youarenext"
	soundThereAre = "queue-thereare"
	soundCalls    = "queue-callswaiting"
	soundHoldTime = "queue-holdtime"
	soundMinute   = "queue-minute"
	soundMinutes  = "queue-minutes"
	soundThanks   = "queue-thankyou"
)

// announcement is what a caller at position pos hears, with est the
// estimated wait still ahead: "you are next" or "there are N calls
// waiting", then "the estimated hold time is M minutes" when M is at
// least 1, then "thank you for your patience" (app_queue's say_position
// order). Nothing when there is nothing to say.
func announcement(pos int, est time.Duration, sayPos, sayHold bool) []string {
	var media []string
	if sayPos && pos > 0 {
		if pos == 1 {
			media = append(media, soundNext)
		} else {
			media = append(media, soundThereAre)
			media = append(media, digits(pos)...)
			media = append(media, soundCalls)
		}
	}
	// app_queue: avgholdmins = ((holdtime + 30) - waited) / 60.
	if mins := int((est + 30*time.Second) / time.Minute); sayHold && mins >= 1 {
		media = append(media, soundHoldTime)
		media = append(media, digits(mins)...)
		if mins == 1 {
			media = append(media, soundMinute)
		} else {
			media = append(media, soundMinutes)
		}
	}
	if len(media) > 0 {
		media = append(media, soundThanks)
	}
	return media
}

// digits says n (0 to 9999) with Asterisk's digits/ files as
// ast_say_number_full_en does: digits/1..19, digits/20..90 by tens,
// digits/hundred, digits/thousand. Larger numbers are said as 9999.
func digits(n int) []string {
	n = min(max(n, 0), 9999)
	if n == 0 {
		return []string{"digits/0"}
	}
	var out []string
	if n >= 1000 {
		out = append(out, "digits/"+strconv.Itoa(n/1000), "digits/thousand")
		n %= 1000
	}
	if n >= 100 {
		out = append(out, "digits/"+strconv.Itoa(n/100), "digits/hundred")
		n %= 100
	}
	switch {
	case n >= 20:
		out = append(out, "digits/"+strconv.Itoa(n/10*10))
		if n%10 > 0 {
			out = append(out, "digits/"+strconv.Itoa(n%10))
		}
	case n > 0:
		out = append(out, "digits/"+strconv.Itoa(n))
	}
	return out
}

// announceEntry plays the entry announcement to a caller who was not
// offered to a member at once, and schedules the next ones every
// announce_frequency seconds.
func (a *ACD) announceEntry(ctx context.Context, c *caller) {
	a.announce(ctx, c, true)
}

// announce plays the caller's announcement (unless, on entry, they are
// already ringing a member) and schedules the next.
func (a *ACD) announce(ctx context.Context, c *caller, entry bool) {
	var media []string
	a.mu.Lock()
	g := c.g
	if a.closed || a.callers[c.c.ID] != c || a.tel == nil || (!g.cfg.AnnouncePosition && !g.cfg.AnnounceHoldTime) {
		a.mu.Unlock()
		return
	}
	now := a.clk.Now()
	if !entry || len(c.offers) == 0 {
		media = announcement(c.position(), g.holdtime-now.Sub(c.entered), g.cfg.AnnouncePosition, g.cfg.AnnounceHoldTime)
	}
	if g.cfg.AnnounceFrequency > 0 {
		c.annT = a.clk.AfterFunc(time.Duration(g.cfg.AnnounceFrequency)*time.Second, func() {
			a.announce(context.Background(), c, false)
		})
	}
	tel := a.tel
	a.mu.Unlock()
	if len(media) > 0 {
		if err := tel.Announce(ctx, c.c.ID, media); err != nil {
			a.log.Warn("callgroups: announce", "caller", c.c.ID, "err", err)
		}
	}
}
