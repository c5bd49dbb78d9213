package schemas

import "time"

// Column tags: `col:"name"`. Supported Go types and their Parquet/Arrow
// types: string (utf8, required), *string (utf8, nullable), int64 / *int64,
// int32, bool / *bool, float64, time.Time (timestamp[us, UTC]; the zero time
// is written as null). Every table is hive-partitioned by account and region,
// taken from the Evidence's Unit, so those are not columns. An option after
// the name chooses the column's Parquet encoding (Encoding in arrow.go):
// `col:"name,distinct"` for values nearly all different, `col:"name,delta"`
// for identifiers and sequences; without one a column is dictionary-encoded.
// The option "since=N" marks a column that format version N added: files of
// earlier versions lack it, and readers take it as null.
// The option "id" marks the row's own id: the envelope's evidence_object_id
// is null where it is the same (ObjectIDColumn in arrow.go).

// CloudTrailEvent is one CloudTrail record: OCSF API Activity columns beside
// the CloudTrail names responders know, the record byte-exact, and where it
// came from.
type CloudTrailEvent struct {
	// CloudTrail names.
	EventID            string    `col:"event_id,delta,id"`
	EventTime          time.Time `col:"event_time,delta"`
	EventVersion       string    `col:"event_version"`
	EventSource        string    `col:"event_source"`
	EventName          string    `col:"event_name"`
	EventType          string    `col:"event_type"`
	EventCategory      string    `col:"event_category"`
	AWSRegion          string    `col:"aws_region"`
	RecipientAccountID string    `col:"recipient_account_id"`
	SourceIPAddress    string    `col:"source_ip_address"`
	UserAgent          string    `col:"user_agent"`
	ErrorCode          *string   `col:"error_code"`
	ErrorMessage       *string   `col:"error_message"`
	RequestID          string    `col:"request_id,delta"`
	ReadOnly           *bool     `col:"read_only"`
	UserIdentityType   string    `col:"user_identity_type"`
	UserIdentityARN    string    `col:"user_identity_arn"`
	AccessKeyID        string    `col:"access_key_id"`
	SessionIssuerARN   string    `col:"session_issuer_arn"`
	RequestParameters  *string   `col:"request_parameters"`    // JSON, as recorded
	ResponseElements   *string   `col:"response_elements"`     // JSON, as recorded
	AdditionalData     *string   `col:"additional_event_data"` // JSON, as recorded

	// OCSF API Activity (class 6003) columns, dots written as underscores.
	Time                 time.Time `col:"time,delta"`
	APIOperation         string    `col:"api_operation"`
	APIServiceName       string    `col:"api_service_name"`
	APIRequestUID        string    `col:"api_request_uid,delta"`
	ActorUserUID         string    `col:"actor_user_uid"`
	ActorCredentialUID   string    `col:"actor_user_credential_uid"`
	ActorSessionIssuer   string    `col:"actor_session_issuer"`
	SrcEndpointIP        string    `col:"src_endpoint_ip"`
	HTTPRequestUserAgent string    `col:"http_request_user_agent"`
	CloudRegion          string    `col:"cloud_region"`
	CloudAccountUID      string    `col:"cloud_account_uid"`
	APIResponseError     *string   `col:"api_response_error"`
	MetadataUID          string    `col:"metadata_uid,delta"`

	// Element is the methodology element the event bears on (access,
	// infrastructure, ai, datastore, invocation, private-data, agency).
	Element string `col:"element"`

	// Provenance.
	Via         string    `col:"via"`                // "lookup" or "trail-file"
	BlobSHA256  *string   `col:"blob_sha256"`        // the trail file's blob, when via = trail-file
	RecordIndex int64     `col:"record_index,delta"` // index in the page or file
	AcquiredAt  time.Time `col:"acquired_at"`
	AcqRequest  string    `col:"acquisition_request_id"`
	Parsed      bool      `col:"parsed"` // false: Raw could not be parsed; only Raw is meaningful

	// The record exactly as AWS returned it: in Raw, or, for a whole,
	// parsed record of a trail file, in the file itself. Then Raw is empty
	// and RawOffset and RawSize locate the record's bytes in the file's
	// content (decompressed when the file is gzip), whose blob is
	// BlobSHA256: the record is kept once, byte-exact, in the original.
	RawOffset *int64 `col:"raw_offset,delta,since=4"`
	RawSize   *int64 `col:"raw_size,delta,since=4"`
	Raw       string `col:"raw,distinct"`
}

func (*CloudTrailEvent) Table() string { return TableCloudTrailEvents }

// Resource is one configuration snapshot: guardrail (one row per version),
// model, agent, knowledge base, data source, role, logging configuration.
type Resource struct {
	Kind       string    `col:"kind"`
	ARN        string    `col:"arn"`
	ID         string    `col:"id"`
	Version    string    `col:"version"`
	Name       string    `col:"name"`
	Status     string    `col:"status"`
	CreatedAt  time.Time `col:"created_at"`
	UpdatedAt  time.Time `col:"updated_at"`
	Normalized string    `col:"normalized"` // JSON object of the fields diff and report use
	Raw        string    `col:"raw"`        // the API response body as AWS sent it
	Operation  string    `col:"operation"`
	RequestID  string    `col:"request_id"`
	AcquiredAt time.Time `col:"acquired_at"`
	BlobSHA256 *string   `col:"blob_sha256"`
	BlobSize   *int64    `col:"blob_size"`
}

func (*Resource) Table() string { return TableResources }

func (r *Resource) SetBlob(sha256 string, size int64) { r.BlobSHA256, r.BlobSize = &sha256, &size }

// Object is one S3 object version (or delete marker), preserved as a blob.
type Object struct {
	Bucket       string    `col:"bucket"`
	Key          string    `col:"key,delta"` // exactly as AWS returned it; never a path
	VersionID    string    `col:"version_id,delta"`
	IsLatest     bool      `col:"is_latest"`
	DeleteMarker bool      `col:"delete_marker"`
	Size         int64     `col:"size,delta"`
	ETag         string    `col:"etag,delta"`
	ChecksumAlgo *string   `col:"checksum_algorithm"`
	Checksum     *string   `col:"checksum,delta"`
	StorageClass string    `col:"storage_class"`
	LastModified time.Time `col:"last_modified,delta"`
	LedBy        string    `col:"led_by"` // ARN of the data source or resource that led to it
	SHA256       *string   `col:"sha256,delta"`
	BlobSHA256   *string   `col:"blob_sha256,delta"`
	Skipped      *string   `col:"skipped"` // why the content was not preserved, when it was not
	Operation    string    `col:"operation"`
	RequestID    string    `col:"request_id,delta"`
	AcquiredAt   time.Time `col:"acquired_at,delta"`
}

func (*Object) Table() string { return TableObjects }

func (o *Object) SetBlob(sha256 string, size int64) { o.SHA256, o.BlobSHA256 = &sha256, &sha256 }

// Invocation is one Bedrock model-invocation log record.
type Invocation struct {
	Time         time.Time `col:"time"`
	RequestID    string    `col:"request_id"`
	Operation    string    `col:"operation"`
	ModelID      string    `col:"model_id"`
	IdentityARN  string    `col:"identity_arn"`
	InputTokens  *int64    `col:"input_tokens"`
	OutputTokens *int64    `col:"output_tokens"`
	InputType    string    `col:"input_content_type"`
	OutputType   string    `col:"output_content_type"`
	Guardrail    *string   `col:"guardrail_action"`
	Prompt       *string   `col:"prompt_text"`
	Response     *string   `col:"response_text"`
	Via          string    `col:"via"` // cloudwatch-logs, s3, ingest
	AcquiredAt   time.Time `col:"acquired_at"`
	AcqRequest   string    `col:"acquisition_request_id"`
	Raw          string    `col:"raw"`
}

func (*Invocation) Table() string { return TableInvocations }

// GapRow is the table form of a Gap.
type GapRow struct {
	Source  string    `col:"source"`
	Unit    string    `col:"unit"`
	Cause   string    `col:"cause"`
	Message string    `col:"message"`
	Time    time.Time `col:"time"`
}

func (*GapRow) Table() string { return TableGaps }

// Acquisition is one API call custody made, whatever its outcome.
type Acquisition struct {
	Time       time.Time `col:"time"`
	Service    string    `col:"service"`
	Operation  string    `col:"operation"`
	Source     string    `col:"source"`
	Unit       string    `col:"unit"`
	RequestID  string    `col:"request_id"`
	HTTPStatus int32     `col:"http_status"`
	Attempts   int32     `col:"attempts"`
	LatencyMS  int64     `col:"latency_ms"`
	Outcome    string    `col:"outcome"` // "ok" or the AWS error code
}

func (*Acquisition) Table() string { return TableAcquisitions }
