package lab

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// principal is who a key belongs to.
type principal struct {
	AccessKeyID  string
	Secret       string
	SessionToken string // temporary credentials only
	Account      string
	ARN          string
	UserID       string
	Expires      time.Time // zero for long-term keys
}

// authFailure is why a request's credentials were refused.
type authFailure struct{ expired bool }

// credentials holds the keys the lab accepts: the responder's long-term
// key and the temporary keys AssumeRole handed out.
type credentials struct {
	seed int64
	mu   sync.Mutex
	byID map[string]*principal
	n    int
}

func newCredentials(seed int64) *credentials {
	return &credentials{seed: seed, byID: map[string]*principal{}}
}

// keyText derives a deterministic key-like string of n characters from the
// seed and a label, over the alphabet AWS access keys use.
func keyText(seed int64, label string, n int, alphabet string) string {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], uint64(seed))
	out := make([]byte, 0, n)
	for i := 0; len(out) < n; i++ {
		sum := sha256.Sum256([]byte(string(buf[:]) + label + strconv.Itoa(i)))
		for _, b := range sum {
			if len(out) == n {
				break
			}
			out = append(out, alphabet[int(b)%len(alphabet)])
		}
	}
	return string(out)
}

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// responder registers the responder's IAM user key in the management
// account.
func (cs *credentials) responder(account, user string) *principal {
	p := &principal{
		AccessKeyID: "AKIA" + keyText(cs.seed, "responder-key", 16, keyAlphabet),
		Secret:      keyText(cs.seed, "responder-secret", 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
		Account:     account,
		ARN:         "arn:aws:iam::" + account + ":user/" + user,
		UserID:      "AIDA" + keyText(cs.seed, "responder-id", 17, keyAlphabet),
	}
	cs.mu.Lock()
	cs.byID[p.AccessKeyID] = p
	cs.mu.Unlock()
	return p
}

// mint creates temporary credentials for an assumed role session.
func (cs *credentials) mint(account, roleName, roleID, session string, d time.Duration, now time.Time) *principal {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.n++
	label := "session-" + strconv.Itoa(cs.n)
	tok := sha256.Sum256([]byte(keyText(cs.seed, label+"-token", 64, keyAlphabet)))
	p := &principal{
		AccessKeyID:  "ASIA" + keyText(cs.seed, label, 16, keyAlphabet),
		Secret:       keyText(cs.seed, label+"-secret", 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
		SessionToken: "IQoJb3JpZ2luX2VjE" + base64.StdEncoding.EncodeToString(tok[:]),
		Account:      account,
		ARN:          "arn:aws:sts::" + account + ":assumed-role/" + roleName + "/" + session,
		UserID:       roleID + ":" + session,
		Expires:      now.Add(d).Truncate(time.Second),
	}
	cs.byID[p.AccessKeyID] = p
	return p
}

// lookup finds the principal of a request's access key. Temporary keys
// must come with their session token and must not have expired.
func (cs *credentials) lookup(akid string, r *http.Request) (*principal, *authFailure) {
	cs.mu.Lock()
	p := cs.byID[akid]
	cs.mu.Unlock()
	if p == nil {
		return nil, &authFailure{}
	}
	if p.SessionToken != "" {
		tok := r.Header.Get("X-Amz-Security-Token")
		if tok == "" {
			tok = r.URL.Query().Get("X-Amz-Security-Token")
		}
		if tok != p.SessionToken {
			return nil, &authFailure{}
		}
		if time.Now().After(p.Expires) {
			return nil, &authFailure{expired: true}
		}
	}
	return p, nil
}
