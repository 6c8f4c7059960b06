// Package console serves the web console and the JavaScript client: the
// console's page at / and the files of web/public under /public/, with
// their content type, a strong ETag (a 304 for a matching If-None-Match),
// Cache-Control no-cache (browsers revalidate, so an upgrade is seen at
// once) and a gzip copy, compressed once at start, for clients that accept
// it. The files hold no data: the routes are public, and every API call
// the pages make is authenticated.
package console
