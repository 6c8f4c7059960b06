package carddav

// CanonHref exposes canonHref to the tests.
var CanonHref = canonHref
