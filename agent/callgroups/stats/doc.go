// Package stats keeps the call groups' statistics per day — per group,
// and per member in each group and in all — from the ACD's journal
// entries (it is a callgroups.Journal) in the daemon's store, and serves
// them (callgroups.Stats and the HTTP routes of Handler). The counters'
// definitions, with their sources (Asterisk's apps/app_queue.c and
// queues.conf.sample, wazo-call-logd), are in docs/callgroups.md,
// "Statistics". Averages are arithmetic means over the day, not
// app_queue's exponential averages ((3·old+new)/4, recalc_holdtime).
package stats
