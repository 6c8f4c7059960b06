package users

import "encoding/json"

// mergePatch applies a JSON merge patch (RFC 7396 §2) to target.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
		} else {
			t[k] = mergePatch(t[k], v)
		}
	}
	return t
}

// toDoc turns v into a generic JSON document.
func toDoc(v any) any {
	var d any
	_ = json.Unmarshal(marshal(v), &d)
	return d
}
