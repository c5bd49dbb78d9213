package trail

import "strings"

// The seven elements of the AWS CIRT methodology for generative-AI incidents.
const (
	ElementAccess         = "access"
	ElementInfrastructure = "infrastructure"
	ElementAI             = "ai"
	ElementDataStore      = "datastore"
	ElementInvocation     = "invocation"
	ElementPrivateData    = "private-data"
	ElementAgency         = "agency"
)

var invocationOps = map[string]bool{
	"InvokeModel": true, "InvokeModelWithResponseStream": true, "Converse": true, "ConverseStream": true,
	"InvokeAgent": true, "Retrieve": true, "RetrieveAndGenerate": true, "ApplyGuardrail": true,
}

// Element names the methodology element an event bears on, from its source
// and name. Reads and writes of the same service can differ: invoking a
// model is invocation, changing it is an AI change.
func Element(source, name string) string {
	svc := strings.TrimSuffix(source, ".amazonaws.com")
	switch {
	case invocationOps[name]:
		return ElementInvocation
	case svc == "bedrock" && (strings.Contains(name, "Agent") || strings.Contains(name, "ActionGroup")):
		return ElementAgency
	case svc == "bedrock" && (strings.Contains(name, "KnowledgeBase") || strings.Contains(name, "DataSource") || strings.Contains(name, "IngestionJob")):
		return ElementDataStore
	case svc == "bedrock" || svc == "sagemaker":
		return ElementAI
	case svc == "s3" || svc == "rds" || svc == "dynamodb" || svc == "aoss" || svc == "es":
		return ElementDataStore
	case svc == "ses" || svc == "sns":
		return ElementAgency
	case svc == "kms" || svc == "macie2" || svc == "secretsmanager":
		return ElementPrivateData
	case svc == "iam" || svc == "sts" || svc == "signin" || svc == "sso" || svc == "identitystore" || svc == "organizations":
		return ElementAccess
	}
	return ElementInfrastructure
}
