// Package loginthrottle holds back password guessing in bounded memory: it
// counts failed logins per username and address, per address and per
// username, and holds a username from an address once a limit is reached,
// until the window of its first failure has passed.
//
// The tables never start over when full: a new key evicts an expired entry,
// else the one with the fewest failures, so a flood of made-up usernames
// cannot release an account that is being guessed. The desk phones' HTTP
// logins and the web console's logins use it.
package loginthrottle
