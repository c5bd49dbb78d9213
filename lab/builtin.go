package lab

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// BuiltinOptions shape the built-in scenario.
type BuiltinOptions struct {
	Accounts       int       // background member accounts beyond the built-in three (for scale tests)
	BeforeIncident bool      // the estate as it was before the attack (known-good state)
	Anchor         time.Time // zero means 2026-11-16T00:00:00Z; every time derives from it
	Seed           int64
	// KBObjects documents of KBBytes in all, generated as they are
	// served, make up a further knowledge base's bucket in genai-prod
	// (see kbCorpus); 0 adds none.
	KBObjects int
	KBBytes   int64
}

// Account ids of the built-in scenario.
const (
	ManagementAccount = "111122223333" // the organization's management account; the responder lives here
	ProdAccount       = "444455556666" // genai-prod: the Bedrock workload the incident hits
	DevAccount        = "777788889999" // genai-dev: Bedrock development, background only
)

// Regions holding data in the built-in scenario.
var builtinRegions = []string{"us-east-1", "us-west-2", "eu-west-1"}

// DefaultAnchor is the anchor of the built-in scenario when none is given.
var DefaultAnchor = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)

// Incident timeline of the built-in scenario, as offsets from the anchor.
const (
	noiseBefore      = 5 * 24 * time.Hour // background activity starts this long before the anchor
	noiseAfter       = 24 * time.Hour     // and ends this long after
	IncidentOffset   = 2*time.Hour + 13*time.Minute
	incidentDuration = 7 * time.Hour
)

// gen builds the built-in scenario.
type gen struct {
	o      BuiltinOptions
	rng    *rand.Rand
	anchor time.Time
	sc     *Scenario
	ids    map[string]bool // event ids drawn so far, to keep them unique
}

// Builtin returns the built-in scenario: an organization of a management
// account and two member accounts (plus o.Accounts background accounts)
// with CloudTrail history in us-east-1, us-west-2 and eu-west-1, and the
// generative-AI incident of the AWS CIRT example seeded into the
// genai-prod account: leaked long-term credentials used from an unfamiliar
// address, Bedrock enumeration, model access requested, a guardrail
// weakened and another deleted, invocation logging deleted, a knowledge
// base poisoned and re-ingested, LLMjacking across regions, and an agent
// sending mail through its action group. The result is a function of the
// options alone.
func Builtin(o BuiltinOptions) *Scenario {
	if o.Anchor.IsZero() {
		o.Anchor = DefaultAnchor
	}
	g := &gen{
		o:      o,
		rng:    rand.New(rand.NewPCG(uint64(o.Seed), 0x6c6162)),
		anchor: o.Anchor.UTC(),
		ids:    map[string]bool{},
	}
	g.sc = &Scenario{
		Name:        "cirt-genai-incident",
		Description: "Leaked CI credentials abused against Amazon Bedrock: enumeration, guardrail tampering, logging disabled, knowledge-base poisoning, LLMjacking, agent misuse.",
		Organization: Organization{
			ID:                "o-c5t0dy7lab",
			ManagementAccount: ManagementAccount,
			Responder:         "ir-responder",
		},
	}
	if o.BeforeIncident {
		g.sc.Name = "cirt-genai-before-incident"
		g.sc.Description = "The estate of cirt-genai-incident before the attack: the known-good baseline."
	}
	g.sc.FoundationModels = foundationModels()

	mgmt := g.account(ManagementAccount, "custody-lab-management", 0)
	prod := g.account(ProdAccount, "genai-prod", 1)
	dev := g.account(DevAccount, "genai-dev", 2)
	g.populateManagement(mgmt)
	g.populateWorkload(prod, true)
	g.populateWorkload(dev, false)
	for i := range o.Accounts {
		a := g.account(fmt.Sprintf("50%010d", i+1), fmt.Sprintf("workload-%03d", i+1), 3+i)
		g.populateBackground(a)
	}

	for _, a := range g.sc.AccountList {
		g.noise(a)
	}
	if !o.BeforeIncident {
		g.incident(prod)
	}
	if o.KBObjects > 0 {
		g.corpusKnowledgeBase(prod)
	}
	if err := g.sc.index(); err != nil {
		panic("lab: built-in scenario is invalid: " + err.Error())
	}
	return g.sc
}

// at returns the anchor plus an offset.
func (g *gen) at(d time.Duration) time.Time { return g.anchor.Add(d) }

// incidentStart is when the attacker first used the leaked key.
func (g *gen) incidentStart() time.Time { return g.at(IncidentOffset) }

// account adds an account with empty regions.
func (g *gen) account(id, name string, n int) *Account {
	a := &Account{
		ID:      id,
		Name:    name,
		Email:   fmt.Sprintf("aws+%s@custody-lab.example", name),
		Status:  "ACTIVE",
		Joined:  g.at(-time.Duration(400-n) * 24 * time.Hour),
		Regions: map[string]*Region{},
	}
	if id == ManagementAccount {
		a.JoinedMethod = "INVITED"
	} else {
		a.JoinedMethod = "CREATED"
	}
	for _, r := range builtinRegions {
		a.Regions[r] = &Region{}
	}
	g.sc.AccountList = append(g.sc.AccountList, a)
	return a
}

// uuid returns a random version 4 UUID from the scenario's generator.
func (g *gen) uuid() string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := g.rng.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return formatUUID(b)
}

// eventID returns a fresh event id.
func (g *gen) eventID() string {
	for {
		id := g.uuid()
		if !g.ids[id] {
			g.ids[id] = true
			return id
		}
	}
}

// alnum returns n random characters of an alphabet.
func (g *gen) alnum(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.rng.IntN(len(alphabet))]
	}
	return string(b)
}

const (
	upperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	lowerDigits = "abcdefghijklmnopqrstuvwxyz0123456789"
)

// between returns a random time in [from, to).
func (g *gen) between(from, to time.Time) time.Time {
	span := to.Sub(from)
	if span <= 0 {
		return from
	}
	return from.Add(time.Duration(g.rng.Int64N(int64(span)))).Truncate(time.Second)
}
