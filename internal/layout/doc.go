// Package layout holds no code: its test checks that the module's
// dependencies flow the one way the README states (cmd → agent →
// phonebook, provisioning, ari, sip) and that no product package imports
// the test lab.
package layout
