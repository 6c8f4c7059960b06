// Package replica lets several pbxagent nodes serve one directory: each
// node keeps its own phonebook.Store; one node at a time, the holder of a
// lease in a NATS JetStream key-value bucket, writes; every change unit of
// its store goes to a JetStream stream before it becomes visible, and
// every node (the writer too) applies the stream in order. See
// docs/cluster.md.
package replica
