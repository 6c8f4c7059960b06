// Package provisioning renders what IP desk phones download: the per-vendor
// remote phonebook XML (Yealink, Cisco, Polycom, Grandstream, Snom, Fanvil)
// and the per-phone configuration files that point a phone at pbxagent.
//
// Everything here is pure: renderers take contacts and options and return
// an *etree.Document or bytes; there is no HTTP, no store and no clock. The
// comment on each renderer names the public source of the facts it follows
// (element names, limits, provisioning keys): vendor manuals, and the
// templates of two open-source provisioning servers,
// github.com/wazo-platform/wazo-phoned and wazo-provd-plugins, and
// github.com/fusionpbx/fusionpbx. docs/phones.md lists them under Sources.
//
// All text goes through Clean before it is written: invalid UTF-8 becomes
// U+FFFD, characters XML 1.0 forbids are dropped and line breaks and tabs
// become spaces, so any contact produces a well-formed document. Vendor
// length limits are applied on rune boundaries (Cisco: 32 characters;
// Polycom: 40 bytes). Every document is written without a BOM and with an
// XML declaration that names its encoding.
package provisioning
