package number

import "github.com/pbxagent/pbxagent/phonebook"

// Numbering adapts a Normalizer to the store's phonebook.Numbering
// interface: pass it as phonebook.Options.Numbering.
type Numbering struct{ *Normalizer }

var _ phonebook.Numbering = Numbering{}

// Index normalises a stored number: its Normalized.Value and IndexKeys.
func (n Numbering) Index(raw string) (normalized string, keys []string) {
	v := n.Normalize(raw)
	return v.Value(), v.IndexKeys()
}

// Probe returns the lookup levels for a calling number (cached; the slices
// must not be modified), its E.164 form when known and whether to skip.
func (n Numbering) Probe(raw string) (levels []phonebook.ProbeLevel, e164 string, skip bool) {
	p := n.Normalizer.Probe(raw)
	return p.Levels, p.E164, p.Skip
}

// Numbering returns the Normalizer as a phonebook.Numbering.
func (n *Normalizer) Numbering() phonebook.Numbering { return Numbering{n} }
