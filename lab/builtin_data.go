package lab

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Fixed ids of the built-in scenario's agent and knowledge base.
const (
	AgentID         = "AGT7Q2W9E1"
	AgentAliasID    = "LIVE4K8M2P"
	KnowledgeBaseID = "KBS3X8M1P5"
	DataSourceID    = "DSR6T2Y9U4"
	notifyFunction  = "support-notify"
)

func kbBucketName() string       { return "genai-prod-kb-docs-" + ProdAccount }
func trainingBucketName() string { return "genai-prod-training-" + ProdAccount }

// PoisonedKeys are the knowledge-base objects the attacker wrote: a new
// document and a new version of a legitimate one.
var PoisonedKeys = []string{"policies/refund-exceptions-2026.md", "faq/returns-and-refunds.md"}

func (g *gen) populateManagement(a *Account) {
	g.baseIAM(a)
	g.managementIAM(a)
	g.signingKey(a)
	trailBucket := "aws-cloudtrail-logs-" + a.ID + "-org"
	a.Buckets = append(a.Buckets, &Bucket{
		Name: trailBucket, Region: "us-east-1", CreationDate: a.Joined.Add(time.Hour), Versioning: "Enabled", Encryption: "aws:kms",
		Policy:       `{"Version":"2012-10-17","Statement":[{"Sid":"AWSCloudTrailWrite","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::` + trailBucket + `/AWSLogs/*"}]}`,
		PublicAccess: true,
	})
	a.Regions["us-east-1"].Trails = append(a.Regions["us-east-1"].Trails, &Trail{
		Name: "org-trail", ARN: "arn:aws:cloudtrail:us-east-1:" + a.ID + ":trail/org-trail",
		S3BucketName: trailBucket, IsMultiRegion: true, IsOrganization: true, IncludeGlobalServiceEvents: true,
		LogFileValidation: true, KMSKeyID: "arn:aws:kms:us-east-1:" + a.ID + ":key/" + guardrailKeyID,
		IsLogging: true, StartLoggingTime: a.Joined.Add(2 * time.Hour), LatestDeliveryTime: g.at(noiseAfter),
		DataEvents: []string{"arn:aws:s3:::" + kbBucketName() + "/"},
	})
}

func (g *gen) populateWorkload(a *Account, prod bool) {
	g.baseIAM(a)
	g.workloadIAM(a, prod)
	g.signingKey(a)
	g.bedrockResources(a, prod)
	a.Buckets = append(a.Buckets, &Bucket{
		Name: "aws-cloudtrail-logs-" + a.ID, Region: "us-east-1", CreationDate: a.Joined.Add(3 * time.Hour), Versioning: "Enabled", PublicAccess: true,
		Policy: `{"Version":"2012-10-17","Statement":[{"Sid":"AWSCloudTrailWrite","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::aws-cloudtrail-logs-` + a.ID + `/AWSLogs/` + a.ID + `/*"}]}`,
	})
	a.Regions["us-east-1"].Trails = append(a.Regions["us-east-1"].Trails, &Trail{
		Name: "management-events", ARN: "arn:aws:cloudtrail:us-east-1:" + a.ID + ":trail/management-events",
		S3BucketName: "aws-cloudtrail-logs-" + a.ID, IsMultiRegion: true, IncludeGlobalServiceEvents: true,
		LogFileValidation: true, IsLogging: true, StartLoggingTime: a.Joined.Add(3 * time.Hour), LatestDeliveryTime: g.at(noiseAfter),
		Advanced: []AdvancedSelector{{Name: "Management events", FieldSelectors: []FieldSelector{{Field: "eventCategory", Equals: []string{"Management"}}}}},
	})
	g.inferenceProfiles(a, prod)
	if !prod {
		return
	}
	g.knowledgeBase(a)
	g.agent(a)
	g.functions(a)
	g.invocationLogs(a)
	g.sageMaker(a)
	g.customizationOutput(a)
	g.promptsAndFlows(a)
}

func (g *gen) populateBackground(a *Account) {
	g.baseIAM(a)
	g.signingKey(a)
}

// signingKey gives an account an ECDSA P-256 KMS signing key in us-east-1.
func (g *gen) signingKey(a *Account) {
	a.Regions["us-east-1"].Keys = append(a.Regions["us-east-1"].Keys, &Key{
		KeyID: keyUUID(a.ID), Alias: "alias/custody-signing", Description: "Evidence bundle signing",
		KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY", CreationDate: a.Joined.Add(24 * time.Hour),
	})
}

// keyUUID derives the KMS key id of an account's signing key.
func keyUUID(account string) string {
	var b [16]byte
	copy(b[:], keyText(0, "kms/"+account, 16, "0123456789abcdef"))
	return formatUUID(b)
}

// versionID draws an S3 version id.
func (g *gen) versionID() string {
	return g.alnum(32, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._")
}

var kbTopics = map[string][]string{
	"faq":             {"returns-and-refunds", "shipping-times", "order-tracking", "payment-methods", "account-recovery", "gift-cards", "warranty-claims", "international-orders", "price-matching", "loyalty-points", "cancel-order", "change-address", "damaged-items", "missing-items"},
	"policies":        {"privacy-notice", "data-retention", "acceptable-use", "refund-policy", "escalation-matrix", "identity-verification", "chargeback-handling", "vip-customers", "accessibility", "complaints-procedure", "fraud-indicators", "agent-conduct"},
	"products":        {"smart-speaker-s2", "thermostat-t4", "doorbell-d1", "camera-c3", "hub-h2", "bulb-b7", "plug-p1", "sensor-m5", "router-r9", "lock-l3", "display-x1", "watch-w2", "earbuds-e4", "tracker-k6"},
	"troubleshooting": {"wifi-pairing", "firmware-update", "battery-drain", "factory-reset", "app-login", "voice-commands", "offline-device", "slow-response", "notification-delays", "camera-night-mode", "lock-jammed", "hub-sync"},
}

var kbPrefixes = []string{"faq", "policies", "products", "troubleshooting"}

func titleOf(slug string) string {
	words := strings.Split(slug, "-")
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// kbDocument writes a knowledge-base article.
func (g *gen) kbDocument(prefix, slug string, rev int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\nOwner: customer-support-content@example.com\nRevision: %d\n\n", titleOf(slug), rev)
	for i := range 3 + g.rng.IntN(4) {
		fmt.Fprintf(&b, "## Section %d\n\n", i+1)
		for range 2 + g.rng.IntN(3) {
			b.WriteString(kbSentences[g.rng.IntN(len(kbSentences))])
			b.WriteString(" ")
		}
		b.WriteString("\n\n")
	}
	if slug == "returns-and-refunds" {
		b.WriteString("Refunds are issued to the original payment method within 14 days of receiving the returned item. Agents never issue refunds to a different card or account.\n")
	}
	return b.String()
}

var kbSentences = []string{
	"Customers can start this from the Orders page of the mobile app or the website.",
	"Always verify the customer's identity with the one-time code before discussing account details.",
	"If the device still does not respond, collect the serial number and open a ticket with tier 2.",
	"This applies to purchases made in the last 30 days with a valid receipt.",
	"Do not share internal order notes or fraud scores with the customer.",
	"Escalate to a supervisor when the customer asks for an exception to this policy.",
	"The status page lists known outages by region and is updated every 15 minutes.",
	"Offer the standard apology credit only once per customer per quarter.",
	"Firmware updates install automatically overnight when the device is charging.",
	"Personal data must not be copied into tickets beyond what the form requires.",
	"Replacement units ship within two business days from the nearest warehouse.",
	"Customers outside the supported countries should be directed to a local reseller.",
}

// knowledgeBase creates the support knowledge base, its S3 data source
// bucket with 55 articles (some edited over time) and its ingestion jobs.
func (g *gen) knowledgeBase(a *Account) {
	bucket := &Bucket{
		Name: kbBucketName(), Region: "us-east-1", CreationDate: g.at(-200 * 24 * time.Hour), Versioning: "Enabled",
		Encryption: "aws:kms", KMSKeyID: "arn:aws:kms:us-east-1:" + a.ID + ":key/" + guardrailKeyID, PublicAccess: true,
		ObjectLock: &BucketObjectLock{Mode: "GOVERNANCE", Days: 30},
		Policy:     `{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::` + kbBucketName() + `","arn:aws:s3:::` + kbBucketName() + `/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`,
		Tags:       map[string]string{"app": "support-assistant", "data-classification": "internal"},
	}
	for _, prefix := range kbPrefixes {
		for _, slug := range kbTopics[prefix] {
			key := prefix + "/" + slug + ".md"
			revs := 1
			if g.rng.IntN(4) == 0 {
				revs = 2
			}
			t := g.between(g.at(-150*24*time.Hour), g.at(-60*24*time.Hour))
			for rev := 1; rev <= revs; rev++ {
				bucket.Objects = append(bucket.Objects, &ObjectVersion{
					Key: key, VersionID: g.versionID(), LastModified: t, ContentType: "text/markdown",
					Body: g.kbDocument(prefix, slug, rev), Metadata: map[string]string{"source": "content-cms"},
				})
				t = g.between(t.Add(time.Hour), g.at(-7*24*time.Hour))
			}
		}
	}
	// A retired article: deleted, its versions kept.
	bucket.Objects = append(bucket.Objects,
		&ObjectVersion{Key: "faq/legacy-warranty.md", VersionID: g.versionID(), LastModified: g.at(-170 * 24 * time.Hour), ContentType: "text/markdown", Body: g.kbDocument("faq", "legacy-warranty", 1)},
		&ObjectVersion{Key: "faq/legacy-warranty.md", VersionID: g.versionID(), LastModified: g.at(-95 * 24 * time.Hour), DeleteMarker: true},
	)
	training := &Bucket{
		Name: trainingBucketName(), Region: "us-east-1", CreationDate: g.at(-160 * 24 * time.Hour), Versioning: "Enabled", Encryption: "AES256", PublicAccess: true,
	}
	for _, k := range []string{"support-tone/train.jsonl", "support-tone/validation.jsonl"} {
		var b strings.Builder
		for i := range 40 {
			fmt.Fprintf(&b, `{"prompt":"Customer question %d: %s","completion":"%s"}`+"\n", i, kbSentences[(i+len(k))%len(kbSentences)], kbSentences[(i*7)%len(kbSentences)])
		}
		training.Objects = append(training.Objects, &ObjectVersion{Key: k, VersionID: g.versionID(), LastModified: g.at(-95 * 24 * time.Hour), ContentType: "application/jsonl", Body: b.String()})
	}
	a.Buckets = append(a.Buckets, bucket, training)

	created := g.at(-171 * 24 * time.Hour)
	kb := &KnowledgeBase{
		KnowledgeBaseID: KnowledgeBaseID, Name: "support-kb",
		KnowledgeBaseARN:           "arn:aws:bedrock:us-east-1:" + a.ID + ":knowledge-base/" + KnowledgeBaseID,
		Description:                "Support articles for the customer support assistant",
		RoleARN:                    "arn:aws:iam::" + a.ID + ":role/service-role/AmazonBedrockExecutionRoleForKnowledgeBase_support",
		Status:                     "ACTIVE",
		KnowledgeBaseConfiguration: titanVectors(),
		StorageConfiguration:       openSearchStore(a.ID, "q8w2e4r6t8y0u1i3"),
		CreatedAt:                  created, UpdatedAt: created.Add(2 * time.Hour),
		DataSources: []*DataSource{{
			KnowledgeBaseID: KnowledgeBaseID, DataSourceID: DataSourceID, Name: "support-docs-s3", Status: "AVAILABLE",
			Description: "Support articles from the content CMS export", DataDeletionPolicy: "RETAIN",
			DataSourceConfiguration: &DataSourceConfiguration{Type: "S3", S3Configuration: &S3DataSourceConfigure{
				BucketARN: "arn:aws:s3:::" + kbBucketName(), InclusionPrefixes: []string{"faq/", "policies/", "products/", "troubleshooting/"}, BucketOwnerAccountID: a.ID,
			}},
			CreatedAt: created, UpdatedAt: created,
		}},
	}
	for i, d := range []time.Duration{-60 * 24 * time.Hour, -21 * 24 * time.Hour, -7 * 24 * time.Hour} {
		start := g.at(d)
		kb.IngestionJobs = append(kb.IngestionJobs, &IngestionJob{
			KnowledgeBaseID: KnowledgeBaseID, DataSourceID: DataSourceID, IngestionJobID: g.alnum(10, upperDigits),
			Status: "COMPLETE", StartedAt: start, UpdatedAt: start.Add(4 * time.Minute),
			Statistics: &IngestionJobStatistics{NumberOfDocumentsScanned: 52, NumberOfNewDocumentsIndexed: int64(3 - i), NumberOfModifiedDocumentsIndexed: int64(2 + i)},
		})
	}
	a.Regions["us-east-1"].KnowledgeBases = append(a.Regions["us-east-1"].KnowledgeBases, kb)
}

// titanVectors is a vector knowledge base embedding with Titan v2.
func titanVectors() *KnowledgeBaseConfiguration {
	return &KnowledgeBaseConfiguration{Type: "VECTOR", VectorKnowledgeBaseConfiguration: &VectorKnowledgeBaseCfg{
		EmbeddingModelARN: "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0",
	}}
}

// openSearchStore is the default index of an OpenSearch Serverless
// collection in us-east-1, as the console sets it up.
func openSearchStore(account, collection string) *StorageConfiguration {
	return &StorageConfiguration{Type: "OPENSEARCH_SERVERLESS", OpensearchServerlessConfiguration: &OpenSearchSrvless{
		CollectionARN: "arn:aws:aoss:us-east-1:" + account + ":collection/" + collection, VectorIndexName: "bedrock-knowledge-base-default-index",
		FieldMapping: OpenSearchFieldsMap{VectorField: "bedrock-knowledge-base-default-vector", TextField: "AMAZON_BEDROCK_TEXT_CHUNK", MetadataField: "AMAZON_BEDROCK_METADATA"},
	}}
}

// agent creates support-agent: a published version behind the live alias,
// an action group whose Lambda sends mail, and the knowledge base.
func (g *gen) agent(a *Account) {
	created := g.at(-170 * 24 * time.Hour)
	updated := g.at(-30 * 24 * time.Hour)
	arn := "arn:aws:bedrock:us-east-1:" + a.ID + ":agent/" + AgentID
	role := "arn:aws:iam::" + a.ID + ":role/service-role/AmazonBedrockExecutionRoleForAgents_support"
	instruction := "You are the support assistant of Example Devices. Answer from the knowledge base. When a customer asks for a follow-up, use notify-customer to email them a summary."
	guard := &GuardrailConfiguration{GuardrailIdentifier: GuardrailSupportID, GuardrailVersion: "2"}
	model := "anthropic.claude-3-5-sonnet-20240620-v1:0"
	ag := &Agent{
		AgentID: AgentID, AgentName: "support-agent", AgentARN: arn, AgentVersion: "DRAFT", AgentStatus: "PREPARED",
		AgentResourceRoleARN: role, FoundationModel: model, Instruction: instruction, Description: "Customer support assistant",
		IdleSessionTTLInSeconds: 600, OrchestrationType: "DEFAULT", AgentCollaboration: "DISABLED", GuardrailConfiguration: guard,
		CreatedAt: created, UpdatedAt: updated, PreparedAt: ptr(updated),
	}
	for i, v := range []string{"1", "2"} {
		t := created.Add(time.Duration(i*60) * 24 * time.Hour)
		ag.Versions = append(ag.Versions, &AgentVersion{
			AgentID: AgentID, AgentName: "support-agent", AgentARN: arn, Version: v, AgentStatus: "PREPARED",
			AgentResourceRoleARN: role, FoundationModel: model, Instruction: instruction, Description: "Customer support assistant",
			IdleSessionTTLInSeconds: 600, GuardrailConfiguration: &GuardrailConfiguration{GuardrailIdentifier: GuardrailSupportID, GuardrailVersion: v},
			CreatedAt: t, UpdatedAt: t,
		})
	}
	ag.Aliases = []*AgentAlias{
		{AgentID: AgentID, AgentAliasID: AgentAliasID, AgentAliasName: "live", AgentAliasARN: "arn:aws:bedrock:us-east-1:" + a.ID + ":agent-alias/" + AgentID + "/" + AgentAliasID,
			AgentAliasStatus: "PREPARED", Description: "Production traffic", RoutingConfiguration: []AliasRoutingEntry{{AgentVersion: "2"}}, CreatedAt: created, UpdatedAt: updated},
		{AgentID: AgentID, AgentAliasID: "TSTALIASID", AgentAliasName: "AgentTestAlias", AgentAliasARN: "arn:aws:bedrock:us-east-1:" + a.ID + ":agent-alias/" + AgentID + "/TSTALIASID",
			AgentAliasStatus: "PREPARED", Description: "Test Alias for Agent", RoutingConfiguration: []AliasRoutingEntry{{AgentVersion: "DRAFT"}}, CreatedAt: created, UpdatedAt: created},
	}
	fn := "arn:aws:lambda:us-east-1:" + a.ID + ":function:" + notifyFunction
	for _, v := range []string{"DRAFT", "1", "2"} {
		ag.ActionGroups = append(ag.ActionGroups, &AgentActionGroup{
			AgentID: AgentID, AgentVersion: v, ActionGroupID: "AGRP5N3K7Q", ActionGroupName: "notify-customer", ActionGroupState: "ENABLED",
			Description: "Emails customers a summary of their conversation", ActionGroupExecutor: &ActionGroupExecutor{Lambda: fn},
			FunctionSchema: &FunctionSchema{Functions: []AgentFunction{{
				Name: "send_email", Description: "Send an email to a recipient",
				Parameters: map[string]ParameterDetail{
					"to":      {Type: "string", Description: "recipient address", Required: true},
					"subject": {Type: "string", Description: "subject line", Required: true},
					"body":    {Type: "string", Description: "message body", Required: true},
				},
			}}},
			CreatedAt: created, UpdatedAt: updated,
		}, &AgentActionGroup{
			AgentID: AgentID, AgentVersion: v, ActionGroupID: "AGRP0USRIN", ActionGroupName: "UserInputAction", ActionGroupState: "ENABLED",
			ActionGroupExecutor: &ActionGroupExecutor{CustomControl: "RETURN_CONTROL"}, CreatedAt: created, UpdatedAt: created,
		})
		ag.KnowledgeBases = append(ag.KnowledgeBases, &AgentKnowledgeBase{
			AgentID: AgentID, AgentVersion: v, KnowledgeBaseID: KnowledgeBaseID, KnowledgeBaseState: "ENABLED",
			Description: "Use for any question about products, policies or orders.", CreatedAt: created, UpdatedAt: updated,
		})
	}
	a.Regions["us-east-1"].Agents = append(a.Regions["us-east-1"].Agents, ag)
}

const notifyCode = `import json
import boto3

ses = boto3.client("ses")


def handler(event, context):
    params = {p["name"]: p["value"] for p in event.get("parameters", [])}
    ses.send_email(
        Source="support@example.com",
        Destination={"ToAddresses": [params["to"]]},
        Message={"Subject": {"Data": params["subject"]}, "Body": {"Text": {"Data": params["body"]}}},
    )
    return {
        "messageVersion": "1.0",
        "response": {
            "actionGroup": event["actionGroup"],
            "function": event["function"],
            "functionResponse": {"responseBody": {"TEXT": {"body": "sent"}}},
        },
    }
`

// functions creates the Lambda functions of genai-prod.
func (g *gen) functions(a *Account) {
	use := a.Regions["us-east-1"]
	use.Functions = append(use.Functions,
		&Function{
			FunctionName: notifyFunction, FunctionARN: "arn:aws:lambda:us-east-1:" + a.ID + ":function:" + notifyFunction,
			Runtime: "python3.12", Role: "arn:aws:iam::" + a.ID + ":role/support-notify-role", Handler: "index.handler",
			Description: "Action group of support-agent: sends email", Timeout: 30, MemorySize: 256,
			LastModified: g.at(-30 * 24 * time.Hour), Version: "$LATEST",
			Environment: map[string]string{"SENDER": "support@example.com"},
			Code:        map[string]string{"index.py": notifyCode},
			Policy:      `{"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"bedrock-agent","Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:` + a.ID + `:function:` + notifyFunction + `","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:bedrock:us-east-1:` + a.ID + `:agent/` + AgentID + `"}}}]}`,
		},
		&Function{
			FunctionName: "kb-sync", FunctionARN: "arn:aws:lambda:us-east-1:" + a.ID + ":function:kb-sync",
			Runtime: "python3.12", Role: "arn:aws:iam::" + a.ID + ":role/genai-app-role", Handler: "sync.handler",
			Description: "Exports CMS articles to the knowledge-base bucket", Timeout: 300, MemorySize: 512,
			LastModified: g.at(-90 * 24 * time.Hour), Version: "$LATEST",
			Code: map[string]string{"sync.py": "import boto3\n\n\ndef handler(event, context):\n    return {\"synced\": 0}\n"},
		},
	)
	use.LogGroups = append(use.LogGroups, &LogGroup{
		LogGroupName: "/aws/lambda/" + notifyFunction, ARN: "arn:aws:logs:us-east-1:" + a.ID + ":log-group:/aws/lambda/" + notifyFunction,
		CreationTime: g.at(-170 * 24 * time.Hour), RetentionInDays: 30,
	})
}

// invocationLog is a Bedrock model invocation log record.
type invocationLog struct {
	SchemaType      string         `json:"schemaType"`
	SchemaVersion   string         `json:"schemaVersion"`
	Timestamp       string         `json:"timestamp"`
	AccountID       string         `json:"accountId"`
	Identity        map[string]any `json:"identity"`
	Region          string         `json:"region"`
	RequestID       string         `json:"requestId"`
	Operation       string         `json:"operation"`
	ModelID         string         `json:"modelId"`
	Input           map[string]any `json:"input"`
	Output          map[string]any `json:"output"`
	InferenceRegion string         `json:"inferenceRegion,omitempty"`
}

var supportPrompts = []string{
	"How do I reset my thermostat T4 to factory settings?",
	"My order ORD-[redacted] has not arrived yet, where is it?",
	"Can I return earbuds E4 after 20 days?",
	"The camera C3 night mode is blurry, what can I do?",
	"How long does a refund take?",
	"Is the smart speaker S2 compatible with the hub H2?",
	"I forgot my account password and no longer have the phone number.",
	"Does the warranty cover a cracked display?",
}

// invocationLogs writes the invocation log group of genai-prod with the
// support assistant's traffic over the scenario's span.
func (g *gen) invocationLogs(a *Account) {
	group := &LogGroup{
		LogGroupName: invocationLogGroup, ARN: "arn:aws:logs:us-east-1:" + a.ID + ":log-group:" + invocationLogGroup,
		CreationTime: g.at(-111 * 24 * time.Hour), RetentionInDays: 90,
		Streams: []*LogStream{{LogStreamName: "aws/bedrock/modelinvocations", CreationTime: g.at(-111 * 24 * time.Hour)}},
	}
	a.Regions["us-east-1"].LogGroups = append(a.Regions["us-east-1"].LogGroups, group)
	app := "arn:aws:sts::" + a.ID + ":assumed-role/genai-app-role/ecs-task-7f3a9c"
	end := g.at(noiseAfter)
	if g.o.BeforeIncident {
		end = g.incidentStart()
	}
	// The assistant's traffic up to the moment logging was deleted; drawn the
	// same way with or without the attack, so the records before it match.
	var times []time.Time
	for range 240 {
		times = append(times, g.between(g.at(-noiseBefore), g.at(IncidentOffset+18*time.Minute)))
	}
	for _, t := range times {
		prompt := supportPrompts[g.rng.IntN(len(supportPrompts))]
		model := invokedModels[g.rng.IntN(2)]
		rec := g.invocation(a.ID, "us-east-1", app, model, "Converse", t, prompt,
			"Thanks for reaching out. "+kbSentences[g.rng.IntN(len(kbSentences))])
		if t.Before(end) && t.Before(g.logDeletedAt()) {
			g.addLog(group, t, rec)
		}
	}
}

// logDeletedAt is when the attacker deleted the logging configuration; no
// invocation is logged after it.
func (g *gen) logDeletedAt() time.Time {
	if g.o.BeforeIncident {
		return g.at(noiseAfter + time.Hour)
	}
	return g.incidentStart().Add(18 * time.Minute)
}

// invocation builds one invocation log record.
func (g *gen) invocation(account, region, who, model, op string, t time.Time, prompt, answer string) invocationLog {
	in := int64(len(prompt)/4 + 12)
	out := int64(len(answer)/4 + 3)
	rec := invocationLog{
		SchemaType: "ModelInvocationLog", SchemaVersion: "1.0", Timestamp: t.UTC().Format("2006-01-02T15:04:05Z"),
		AccountID: account, Identity: map[string]any{"arn": who}, Region: region, RequestID: g.uuid(),
		Operation: op, ModelID: model,
	}
	if op == "Converse" {
		rec.Input = map[string]any{"inputContentType": "application/json", "inputTokenCount": in,
			"inputBodyJson": map[string]any{"messages": []any{map[string]any{"role": "user", "content": []any{map[string]any{"text": prompt}}}},
				"inferenceConfig": map[string]any{"maxTokens": 512, "temperature": 0.2}}}
		rec.Output = map[string]any{"outputContentType": "application/json", "outputTokenCount": out,
			"outputBodyJson": map[string]any{"output": map[string]any{"message": map[string]any{"role": "assistant", "content": []any{map[string]any{"text": answer}}}},
				"stopReason": "end_turn", "usage": map[string]any{"inputTokens": in, "outputTokens": out, "totalTokens": in + out}, "metrics": map[string]any{"latencyMs": 400 + g.rng.IntN(1800)}}}
	} else {
		rec.Input = map[string]any{"inputContentType": "application/json", "inputTokenCount": in,
			"inputBodyJson": map[string]any{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 4096, "messages": []any{map[string]any{"role": "user", "content": prompt}}}}
		rec.Output = map[string]any{"outputContentType": "application/json", "outputTokenCount": out,
			"outputBodyJson": map[string]any{"type": "message", "role": "assistant", "content": []any{map[string]any{"type": "text", "text": answer}}, "stop_reason": "end_turn",
				"usage": map[string]any{"input_tokens": in, "output_tokens": out}}}
	}
	return rec
}

// addLog appends a record to the group's stream, keeping events in time
// order.
func (g *gen) addLog(group *LogGroup, t time.Time, rec any) {
	b, err := json.Marshal(rec)
	if err != nil {
		panic(err)
	}
	s := group.Streams[0]
	e := LogEvent{Timestamp: t, IngestionTime: t.Add(time.Duration(200+t.Unix()*7919%2000) * time.Millisecond), Message: string(b)}
	i := len(s.Events)
	for i > 0 && s.Events[i-1].Timestamp.After(t) {
		i--
	}
	s.Events = append(s.Events, LogEvent{})
	copy(s.Events[i+1:], s.Events[i:])
	s.Events[i] = e
}
