package schemas

// Evidence kinds. A kind names what a record is, independent of the table it
// lands in. Kinds are persisted: never rename one.
const (
	KindCloudTrailEvent = "aws.cloudtrail.event"
	KindInvocation      = "aws.bedrock.invocation"
	KindGuardrail       = "aws.bedrock.guardrail"
	KindCustomModel     = "aws.bedrock.custom-model"
	KindLoggingConfig   = "aws.bedrock.logging-config"
	KindAgent           = "aws.bedrock.agent"
	KindKnowledgeBase   = "aws.bedrock.knowledge-base"
	KindDataSource      = "aws.bedrock.data-source"
	KindRole            = "aws.iam.role"
	KindLambdaFunction  = "aws.lambda.function"
	KindS3Object        = "aws.s3.object"
	KindAcquisition     = "custody.acquisition"
	KindGap             = "custody.gap"
)

// Table names. Each is a directory under tables/ in a bundle.
const (
	TableCloudTrailEvents = "cloudtrail_events"
	TableInvocations      = "invocations"
	TableResources        = "resources"
	TableObjects          = "objects"
	TableGaps             = "gaps"
	TableAcquisitions     = "acquisitions"
)

// Media types of the documents custody writes.
const (
	MediaTypeManifest     = "application/vnd.custody.manifest.v1+json"
	MediaTypeVerifyReport = "application/vnd.custody.verify-report.v1+json"
	MediaTypeInspect      = "application/vnd.custody.inspect.v1+json"
	MediaTypeCustodyEntry = "application/vnd.custody.custody-entry.v1+json"
	// MediaTypeReport is the JSON triage report of `custody report`.
	MediaTypeReport = "application/vnd.custody.report.v1+json"
)

// FormatVersion is the bundle format version this build writes and the only
// one it reads.
const FormatVersion = 1
