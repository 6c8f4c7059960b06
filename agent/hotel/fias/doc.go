// Package fias is the hotel's link to a property-management system over
// FIAS, Oracle Hospitality's Fidelio Interface Application Specification
// (docs/hotel.md#the-pms-link-fias). pbxagent is the PBX side of the link.
//
// The package holds the record codec (Record, Encode, Decode), the framing
// reader that splits a TCP byte stream into STX…ETX records (Reader), the
// record definitions this side declares at link start (Definitions), and
// the Link: it connects to the PMS (or accepts it), does the link start,
// keeps the link alive, turns the PMS's records into hotel.Service calls,
// and implements hotel.PMS with a persistent queue so that no posting is
// lost across a link drop or a restart.
package fias
