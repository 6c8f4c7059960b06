package calls

import (
	"strings"

	"github.com/pbxagent/pbxagent/provisioning"
)

// The auto-answer headers of a click-to-call's user leg, as channel
// variables of the originate (Asterisk's PJSIP_HEADER(add,…)).
const (
	varCallInfo  = "PJSIP_HEADER(add,Call-Info)"
	varAlertInfo = "PJSIP_HEADER(add,Alert-Info)"
	// callInfoAnswer asks to answer after 0 s (Grandstream's "Allow Auto
	// Answer by Call-Info"; the form of BroadWorks-style PBXs).
	callInfoAnswer = "<sip:pbxagent>;answer-after=0"
	// alertInfoAnswer is the intercom form of Yealink, Snom and Polycom,
	// with delay=0 as Snom's own intercom sends it (Aastra's guide: no
	// delay parameter means ring until answered by hand).
	alertInfoAnswer = "<http://pbxagent>;info=alert-autoanswer;delay=0"
)

// autoAnswerForm is which header(s) a vendor's phones honour.
type autoAnswerForm uint8

const (
	formCallInfo autoAnswerForm = 1 << iota
	formAlertInfo
	formBoth = formCallInfo | formAlertInfo
)

// autoAnswerForms is the header each vendor documents (docs/calls.md
// "Auto-answer" cites the vendors' guides):
//   - Yealink: Alert-Info with info=alert-autoanswer, "Auto Answer" or
//     answer-after=0 (administrator guides for T2/T4/T5, "Auto Answer";
//     Yealink FAQ 546 "Intercom Auto Answer");
//   - Snom: Alert-Info info=alert-autoanswer;delay=0 under the Intercom
//     Policy answer_after_policy (Snom service wiki, "Intercom - Paging
//     feature");
//   - Polycom: an Alert-Info matched by voIpProt.SIP.alertInfo.x.value to
//     an auto-answer ring class (Polycom SoundPoint IP administrator
//     guides, "Alert Information" and "Ring type");
//   - Grandstream: Call-Info, under "Allow Auto Answer by Call-Info"
//     (GXP administration guides).
//
// Cisco (SPA and MPP) and Fanvil: no vendor page found that says which,
// so both, as for a phone pbxagent does not know.
var autoAnswerForms = map[provisioning.Vendor]autoAnswerForm{
	provisioning.Yealink:     formAlertInfo,
	provisioning.Snom:        formAlertInfo,
	provisioning.Polycom:     formAlertInfo,
	provisioning.Grandstream: formCallInfo,
	provisioning.Cisco:       formBoth,
	provisioning.Fanvil:      formBoth,
}

// autoAnswerHeaders are the channel variables adding the auto-answer
// header(s) vendor's phones honour; an unknown vendor ("" included) gets
// both forms.
func autoAnswerHeaders(vendor provisioning.Vendor) map[string]string {
	form, ok := autoAnswerForms[vendor]
	if !ok {
		form = formBoth
	}
	out := make(map[string]string, 2)
	if form&formCallInfo != 0 {
		out[varCallInfo] = callInfoAnswer
	}
	if form&formAlertInfo != 0 {
		out[varAlertInfo] = alertInfoAnswer
	}
	return out
}

// autoAnswerVars are the SIP headers asking the desk phone behind
// endpoint to answer by itself: the form its vendor honours when the
// phone is known (WithPhoneMap), else both Call-Info answer-after=0 and
// Alert-Info info=alert-autoanswer. Only PJSIP channels carry them.
func (e *Engine) autoAnswerVars(endpoint string) map[string]string {
	if !e.autoInfo || !strings.HasPrefix(endpoint, "PJSIP/") {
		return nil
	}
	p, _ := e.phoneOf(endpoint)
	return autoAnswerHeaders(p.Vendor)
}
