package schemas

import "time"

// Identity is what STS GetCallerIdentity returned for a target.
type Identity struct {
	Account string `json:"account"`
	ARN     string `json:"arn"`
	UserID  string `json:"user_id"`
}

// TargetInfo is a target as recorded in the manifest.
type TargetInfo struct {
	Account  string   `json:"account"`
	Regions  []string `json:"regions"`
	RoleARN  string   `json:"role_arn,omitempty"`
	Identity Identity `json:"identity"`
}

// SourceInfo is one evidence source with the options it ran with.
type SourceInfo struct {
	Name    string            `json:"name"`
	Options map[string]string `json:"options,omitempty"`
}

// Run describes one collection run; the writer records it in the manifest.
type Run struct {
	Case    string       `json:"case"`
	Title   string       `json:"title,omitempty"`
	Kind    string       `json:"kind"` // "evidence" or "baseline"
	Since   time.Time    `json:"since"`
	Until   time.Time    `json:"until"`
	Started time.Time    `json:"started"`
	Targets []TargetInfo `json:"targets"`
	Sources []SourceInfo `json:"sources"`
	Command []string     `json:"command,omitempty"` // argv with secrets removed
	Resumed []string     `json:"resumed_from,omitempty"`
}
