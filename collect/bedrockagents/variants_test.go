package bedrockagents_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/internal/labtest"
	"github.com/custodyhq/custody/collect/kbobjects"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/schemas"
)

// An action group whose OpenAPI schema lives in S3: the action group's
// snapshot names the object, and every version of the schema object is
// found and preserved, the one an attacker overwrote included.
func TestActionGroupSchemaInS3IsPreserved(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{BeforeIncident: true})
	prod := sc.Account(lab.ProdAccount)
	bucket := prod.Buckets[0]
	const key = "schemas/orders-api.json"
	v1 := `{"openapi":"3.0.0","paths":{"/orders/{id}":{"get":{"operationId":"getOrder"}}}}`
	v2 := `{"openapi":"3.0.0","paths":{"/orders/{id}":{"get":{"operationId":"getOrder"}},"/refunds":{"post":{"operationId":"issueRefund"}}}}`
	at := lab.DefaultAnchor.Add(-48 * time.Hour)
	bucket.Objects = append(bucket.Objects,
		&lab.ObjectVersion{Key: key, VersionID: "schemaVersionOne0000000000000001", LastModified: at, ContentType: "application/json", Body: v1},
		&lab.ObjectVersion{Key: key, VersionID: "schemaVersionTwo0000000000000002", LastModified: at.Add(time.Hour), ContentType: "application/json", Body: v2},
	)
	agent := prod.Regions["us-east-1"].Agents[0]
	agent.ActionGroups = append(agent.ActionGroups, &lab.AgentActionGroup{
		AgentID: agent.AgentID, AgentVersion: "DRAFT", ActionGroupID: "AGRPORDERS", ActionGroupName: "orders", ActionGroupState: "ENABLED",
		ActionGroupExecutor: &lab.ActionGroupExecutor{CustomControl: "RETURN_CONTROL"},
		APISchema:           &lab.APISchema{S3: &lab.S3Identifier{S3BucketName: bucket.Name, S3ObjectKey: key}},
		CreatedAt:           at, UpdatedAt: at,
	})
	l := labtest.Start(t, reload(t, sc))
	estate := l.Estate()
	sink := l.Run(t,
		&kbobjects.Objects{Client: func(t collect.Target) (kbobjects.API, error) { return kbobjects.NewClient(l.Session.Config(t)), nil }, Estate: estate},
		source(l),
	)
	var group *schemas.Resource
	for _, r := range sink.Kind(schemas.KindActionGroup) {
		if r.ID == "AGRPORDERS" {
			group = r
		}
	}
	if group == nil {
		t.Fatal("the action group was not snapshot")
	}
	var where string
	field(t, group, "api_schema_s3", &where)
	if where != "s3://"+bucket.Name+"/"+key {
		t.Errorf("action group schema location = %q", where)
	}
	bodies := map[string]string{}
	for _, o := range sink.Objects {
		if o.Key == key && o.BlobSHA256 != nil {
			bodies[o.VersionID] = string(sink.Blobs[*o.BlobSHA256])
			if o.LedBy != group.ARN {
				t.Errorf("schema version %s led by %q, want the action group %s", o.VersionID, o.LedBy, group.ARN)
			}
		}
	}
	if bodies["schemaVersionOne0000000000000001"] != v1 || bodies["schemaVersionTwo0000000000000002"] != v2 {
		t.Errorf("schema versions preserved: %q", bodies)
	}
}

// reload passes a scenario edited after it was built through its JSON
// form, which the lab indexes on load.
func reload(t *testing.T, sc *lab.Scenario) *lab.Scenario {
	t.Helper()
	b, err := json.Marshal(sc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "scenario.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := lab.LoadScenario(path)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A supervisor agent's collaborators are snapshot per version, each row
// its element of the listing byte-exact.
func TestCollaboratorsOfEachVersion(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{BeforeIncident: true})
	agent := sc.Account(lab.ProdAccount).Regions["us-east-1"].Agents[0]
	at := lab.DefaultAnchor.Add(-72 * time.Hour)
	agent.AgentCollaboration = "SUPERVISOR"
	for _, v := range []string{"DRAFT", "2"} {
		agent.Collaborators = append(agent.Collaborators, &lab.AgentCollaboratorTo{
			AgentVersion: v, CollaboratorID: "COLLAB0001", CollaboratorName: "refunds-agent",
			AliasARN:                 "arn:aws:bedrock:us-east-1:" + lab.ProdAccount + ":agent-alias/REFUNDS01/LIVE000001",
			CollaborationInstruction: "Hand refund requests to this agent.", RelayConversationHistory: "TO_COLLABORATOR",
			CreatedAt: at, UpdatedAt: at,
		})
	}
	l := labtest.Start(t, reload(t, sc))
	sink := l.Run(t, source(l))
	got := map[string]*schemas.Resource{}
	for _, r := range sink.Kind(schemas.KindAgentCollaborator) {
		got[r.Version] = r
	}
	for _, c := range agent.Collaborators {
		r := got[c.AgentVersion]
		if r == nil {
			t.Errorf("collaborator of version %s not snapshot", c.AgentVersion)
			continue
		}
		var raw struct {
			CollaboratorName string
			AgentDescriptor  struct{ AliasArn string }
		}
		if err := json.Unmarshal([]byte(r.Raw), &raw); err != nil || raw.CollaboratorName != c.CollaboratorName || raw.AgentDescriptor.AliasArn != c.AliasARN {
			t.Errorf("collaborator of version %s: raw %q (%v)", c.AgentVersion, r.Raw, err)
		}
		var instruction string
		field(t, r, "instruction", &instruction)
		if r.ID != c.CollaboratorID || r.Name != c.CollaboratorName || instruction != c.CollaborationInstruction || !r.CreatedAt.Equal(c.CreatedAt) {
			t.Errorf("collaborator of version %s = %+v", c.AgentVersion, r)
		}
	}
	if len(got) != len(agent.Collaborators) {
		t.Errorf("%d collaborator rows, want %d", len(got), len(agent.Collaborators))
	}
}
