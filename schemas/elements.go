package schemas

// The seven elements of the AWS CIRT methodology for incident response on
// generative-AI workloads. Each piece of evidence, finding or drift bears
// on one; the names are persisted (the cloudtrail_events element column,
// drift reports): never rename one.
const (
	ElementAccess         = "access"
	ElementInfrastructure = "infrastructure"
	ElementAI             = "ai"
	ElementDataStore      = "datastore"
	ElementInvocation     = "invocation"
	ElementPrivateData    = "private-data"
	ElementAgency         = "agency"
)
