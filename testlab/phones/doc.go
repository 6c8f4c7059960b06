// Package phones is the desk-phone test lab: in-memory stand-ins for the
// directory and the phone registry's key-value store, a synthetic
// directory of any size for benchmarks, and per-vendor "phone profile"
// clients that fetch phonebooks the way each vendor's phones do (User-Agent,
// Cisco x-CiscoIPPhone* headers, Accept-Charset) and check what comes back:
// status, content type, charset, well-formedness, root element, and the
// body parsed back into structs; and CTIFake, a phone's HTTP remote-control
// interface per vendor that checks each command's form and records the
// keys pressed.
package phones
