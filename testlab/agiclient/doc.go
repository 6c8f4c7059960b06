// Package agiclient is an Asterisk-like FastAGI client for tests and load: it connects the way
// Asterisk's res/res_agi.c does (launch_netscript), sends the agi_* block exactly as Asterisk 22
// prints it (res_agi.c setup_env; observed on Asterisk 22.10.1, checked by TestRunLikeAsterisk),
// answers commands like a channel would (200/510/511/520, dead-channel mode; res_agi.c
// agi_handle_command), injects HANGUP lines and garbage on request, sends the trailing HANGUP
// after the server closes (res_agi.c run_agi), and reports the AGISTATUS the dialplan would see.
package agiclient
