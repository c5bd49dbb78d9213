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

	KindAgentVersion          = "aws.bedrock.agent-version"
	KindAgentAlias            = "aws.bedrock.agent-alias"
	KindActionGroup           = "aws.bedrock.action-group"
	KindAgentKnowledgeBase    = "aws.bedrock.agent-knowledge-base" // a knowledge base associated with an agent version
	KindAgentCollaborator     = "aws.bedrock.agent-collaborator"
	KindIngestionJob          = "aws.bedrock.ingestion-job"
	KindImportedModel         = "aws.bedrock.imported-model"
	KindCustomizationJob      = "aws.bedrock.customization-job"
	KindProvisionedThroughput = "aws.bedrock.provisioned-throughput"
	KindFoundationModel       = "aws.bedrock.foundation-model"
	KindModelAvailability     = "aws.bedrock.model-availability" // an account's access to and agreement for a foundation model
	KindLambdaPolicy          = "aws.lambda.policy"              // a function's resource-based policy
	KindLambdaCode            = "aws.lambda.code"                // a function's deployment package, as a blob

	KindS3Object    = "aws.s3.object"
	KindAcquisition = "custody.acquisition"
	KindGap         = "custody.gap"
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
	MediaTypeManifest = "application/vnd.custody.manifest.v4+json"
	// MediaTypeManifestV1 to MediaTypeManifestV3 are the manifest media
	// types of format versions 1 to 3, which this build still reads.
	MediaTypeManifestV1   = "application/vnd.custody.manifest.v1+json"
	MediaTypeManifestV2   = "application/vnd.custody.manifest.v2+json"
	MediaTypeManifestV3   = "application/vnd.custody.manifest.v3+json"
	MediaTypeVerifyReport = "application/vnd.custody.verify-report.v1+json"
	MediaTypeInspect      = "application/vnd.custody.inspect.v1+json"
	MediaTypeCustodyEntry = "application/vnd.custody.custody-entry.v1+json"
	// MediaTypeReport is the JSON triage report of `custody report`.
	MediaTypeReport = "application/vnd.custody.report.v1+json"
	// MediaTypeDrift is the JSON drift report of `custody diff`: what
	// changed between a baseline bundle and another bundle.
	MediaTypeDrift = "application/vnd.custody.drift-report.v1+json"
)

// FormatVersion is the bundle format version this build writes. It reads
// this version; version 3, whose cloudtrail_events rows hold every record
// in raw; version 2, whose cloudtrail_events rows repeat the event id in
// evidence_object_id as well; and version 1, whose blobs are all
// zstd-compressed as well (schemas/BUNDLE.md, Changes).
const FormatVersion = 4
