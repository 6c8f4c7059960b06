// Package csvbook reads and writes phone-book CSV files.
//
// The native format is PBXware's Central Phone Book CSV
// (https://wikijs.bicomsystems.com/PBXware/HOWTO-Guides/HOWTO-LDAP-Central-directory):
// no header; columns first name, middle name, last name, e-mail, company,
// then any number of "type:number" cells with type work, mobile, home, fax or other
// (any case). Google Contacts and Outlook CSV exports are
// recognised by their header row and mapped by column name.
//
// [Reader] streams: it holds one record at a time, so a file of a million
// rows is imported in constant memory. Malformed rows do not stop it; they
// are collected and reported together, as a [*ParseError] in place of
// io.EOF, so an import can either validate first ([Validate]) or apply
// while reading and abort at the end. [Writer] writes the Central Phone
// Book format; reading its output gives back the same contacts.
package csvbook
