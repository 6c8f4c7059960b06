// Package fastlane serves the hottest HTTP/1.1 requests straight from the
// connection and hands everything else to a net/http server.
//
// A fleet of desk phones revalidates its phonebooks all day: the same
// conditional GET, answered 304 from memory. Through net/http each such
// request costs more than the answer (a request object, a header map, a
// background read to watch for a hang-up, a response writer); this lane
// reads the request head in place, asks a Handler for the whole response,
// and writes it with one system call. It serves only GET and HEAD over
// HTTP/1.1 with a plain head; any other request, and any request the
// Handler declines, goes with the rest of its connection (the bytes already
// read included) to the http.Server, which sees the stream exactly as the
// client sent it and keeps the connection from then on.
package fastlane
