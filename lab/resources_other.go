package lab

import (
	"crypto/md5"
	"encoding/hex"
	"time"
)

// Trail is a CloudTrail trail homed in the region that lists it.
type Trail struct {
	Name                       string    `json:"name"`
	ARN                        string    `json:"arn"`
	S3BucketName               string    `json:"s3BucketName"`
	S3KeyPrefix                string    `json:"s3KeyPrefix,omitempty"`
	IsMultiRegion              bool      `json:"isMultiRegionTrail"`
	IsOrganization             bool      `json:"isOrganizationTrail"`
	IncludeGlobalServiceEvents bool      `json:"includeGlobalServiceEvents"`
	LogFileValidation          bool      `json:"logFileValidationEnabled"`
	KMSKeyID                   string    `json:"kmsKeyId,omitempty"`
	CloudWatchLogsLogGroupARN  string    `json:"cloudWatchLogsLogGroupArn,omitempty"`
	CloudWatchLogsRoleARN      string    `json:"cloudWatchLogsRoleArn,omitempty"`
	IsLogging                  bool      `json:"isLogging"`
	StartLoggingTime           time.Time `json:"startLoggingTime"`
	LatestDeliveryTime         time.Time `json:"latestDeliveryTime"`
	// DataEvents lists the S3 ARN prefixes (or "arn:aws:s3") whose object
	// events the trail records, as a basic event selector.
	DataEvents []string `json:"dataEvents,omitempty"`
	// Advanced, when set, is served instead of basic event selectors.
	Advanced []AdvancedSelector `json:"advancedEventSelectors,omitempty"`
	// Tampering is what was done to the trail's files after delivery.
	Tampering []FileTampering `json:"tampering,omitempty"`
}

// AdvancedSelector is a CloudTrail advanced event selector.
type AdvancedSelector struct {
	Name           string          `json:"name"`
	FieldSelectors []FieldSelector `json:"fieldSelectors"`
}

type FieldSelector struct {
	Field      string   `json:"field"`
	Equals     []string `json:"equals,omitempty"`
	StartsWith []string `json:"startsWith,omitempty"`
	NotEquals  []string `json:"notEquals,omitempty"`
}

// Key is a KMS key. Asymmetric signing keys (ECC_NIST_P256) get a private
// key derived from the server's seed, the account and the key id.
type Key struct {
	KeyID        string    `json:"keyId"`
	Alias        string    `json:"alias,omitempty"` // alias/name
	Description  string    `json:"description,omitempty"`
	KeySpec      string    `json:"keySpec"`  // ECC_NIST_P256 SYMMETRIC_DEFAULT
	KeyUsage     string    `json:"keyUsage"` // SIGN_VERIFY ENCRYPT_DECRYPT
	CreationDate time.Time `json:"creationDate"`
}

// Bucket is an S3 bucket. Objects lists every version of every key, oldest
// first per key; the last version of a key is its current one.
type Bucket struct {
	Name         string            `json:"name"`
	Region       string            `json:"region"`
	CreationDate time.Time         `json:"creationDate"`
	Versioning   string            `json:"versioning,omitempty"` // Enabled Suspended, or empty
	Policy       string            `json:"policy,omitempty"`     // JSON
	Encryption   string            `json:"encryption,omitempty"` // AES256 aws:kms, or none
	KMSKeyID     string            `json:"kmsKeyId,omitempty"`
	PublicAccess bool              `json:"publicAccessBlock"`
	ObjectLock   *BucketObjectLock `json:"objectLock,omitempty"`
	Tags         map[string]string `json:"tags,omitempty"`
	Objects      []*ObjectVersion  `json:"objects,omitempty"`

	chains []*trailChain // files of the trails delivering to the bucket
	corpus *kbCorpus     // synthetic documents served besides Objects
}

// BucketObjectLock is a bucket's object lock configuration: enabled, with
// a default retention when Mode is set.
type BucketObjectLock struct {
	Mode  string `json:"mode,omitempty"` // GOVERNANCE COMPLIANCE
	Days  int    `json:"days,omitempty"`
	Years int    `json:"years,omitempty"`
}

// ObjectVersion is one version of an S3 object, or a delete marker.
type ObjectVersion struct {
	Key          string            `json:"key"`
	VersionID    string            `json:"versionId"`
	LastModified time.Time         `json:"lastModified"`
	DeleteMarker bool              `json:"deleteMarker,omitempty"`
	ContentType  string            `json:"contentType,omitempty"`
	Body         string            `json:"body,omitempty"`
	StorageClass string            `json:"storageClass,omitempty"` // STANDARD
	Metadata     map[string]string `json:"metadata,omitempty"`

	// Computed by the lab.
	ETag     string `json:"-"`
	IsLatest bool   `json:"-"`
	data     []byte // binary content of generated objects, instead of Body
}

// content is the object's bytes.
func (o *ObjectVersion) content() []byte {
	if o.data != nil {
		return o.data
	}
	return []byte(o.Body)
}

// index computes ETags and marks the latest version of each key.
func index(objs []*ObjectVersion) {
	latest := map[string]*ObjectVersion{}
	for _, o := range objs {
		if !o.DeleteMarker {
			sum := md5.Sum(o.content())
			o.ETag = `"` + hex.EncodeToString(sum[:]) + `"`
		}
		if o.StorageClass == "" {
			o.StorageClass = "STANDARD"
		}
		if o.VersionID == "" {
			o.VersionID = "null" // as S3 names versions written while versioning was off
		}
		o.IsLatest = false
		latest[o.Key] = o
	}
	for _, o := range latest {
		o.IsLatest = true
	}
}

// IAM is an account's IAM: users, roles and customer managed policies.
type IAM struct {
	Users    []*User          `json:"users,omitempty"`
	Roles    []*Role          `json:"roles,omitempty"`
	Policies []*ManagedPolicy `json:"policies,omitempty"`
}

type User struct {
	UserName         string            `json:"userName"`
	UserID           string            `json:"userId"`
	ARN              string            `json:"arn"`
	Path             string            `json:"path"`
	CreateDate       time.Time         `json:"createDate"`
	AccessKeys       []*AccessKey      `json:"accessKeys,omitempty"`
	InlinePolicies   map[string]string `json:"inlinePolicies,omitempty"` // name -> JSON document
	AttachedPolicies []string          `json:"attachedPolicies,omitempty"`
}

type AccessKey struct {
	AccessKeyID     string    `json:"accessKeyId"`
	Status          string    `json:"status"` // Active Inactive
	CreateDate      time.Time `json:"createDate"`
	LastUsedDate    time.Time `json:"lastUsedDate,omitzero"`
	LastUsedService string    `json:"lastUsedService,omitempty"`
	LastUsedRegion  string    `json:"lastUsedRegion,omitempty"`
}

type Role struct {
	RoleName                 string            `json:"roleName"`
	RoleID                   string            `json:"roleId"`
	ARN                      string            `json:"arn"`
	Path                     string            `json:"path"`
	Description              string            `json:"description,omitempty"`
	CreateDate               time.Time         `json:"createDate"`
	MaxSessionDuration       int32             `json:"maxSessionDuration"`
	AssumeRolePolicyDocument string            `json:"assumeRolePolicyDocument"` // JSON
	InlinePolicies           map[string]string `json:"inlinePolicies,omitempty"` // name -> JSON document
	AttachedPolicies         []string          `json:"attachedPolicies,omitempty"`
	LastUsedDate             time.Time         `json:"lastUsedDate,omitzero"`
	LastUsedRegion           string            `json:"lastUsedRegion,omitempty"`
}

// ManagedPolicy is a managed policy with all its versions. AWS managed
// policies (arn:aws:iam::aws:policy/...) may be listed too.
type ManagedPolicy struct {
	PolicyName       string           `json:"policyName"`
	PolicyID         string           `json:"policyId"`
	ARN              string           `json:"arn"`
	Path             string           `json:"path"`
	Description      string           `json:"description,omitempty"`
	DefaultVersionID string           `json:"defaultVersionId"`
	AttachmentCount  int32            `json:"attachmentCount"`
	CreateDate       time.Time        `json:"createDate"`
	UpdateDate       time.Time        `json:"updateDate"`
	Versions         []*PolicyVersion `json:"versions"`
}

type PolicyVersion struct {
	VersionID  string    `json:"versionId"`
	Document   string    `json:"document"` // JSON
	CreateDate time.Time `json:"createDate"`
}

// Function is a Lambda function. Code maps file names to contents; the lab
// zips them deterministically, and CodeSha256 and CodeSize derive from that
// zip when left empty.
type Function struct {
	FunctionName string            `json:"functionName"`
	FunctionARN  string            `json:"functionArn"`
	Runtime      string            `json:"runtime"`
	Role         string            `json:"role"`
	Handler      string            `json:"handler"`
	Description  string            `json:"description,omitempty"`
	Timeout      int32             `json:"timeout"`
	MemorySize   int32             `json:"memorySize"`
	LastModified time.Time         `json:"lastModified"`
	Version      string            `json:"version"` // $LATEST
	Environment  map[string]string `json:"environment,omitempty"`
	Code         map[string]string `json:"code,omitempty"`
	Policy       string            `json:"policy,omitempty"` // resource-based policy JSON
}

// LogGroup is a CloudWatch Logs log group.
type LogGroup struct {
	LogGroupName    string       `json:"logGroupName"`
	ARN             string       `json:"arn"`
	CreationTime    time.Time    `json:"creationTime"`
	RetentionInDays int32        `json:"retentionInDays,omitempty"`
	KMSKeyID        string       `json:"kmsKeyId,omitempty"`
	Streams         []*LogStream `json:"streams,omitempty"`
}

// LogStream holds events oldest first.
type LogStream struct {
	LogStreamName string     `json:"logStreamName"`
	CreationTime  time.Time  `json:"creationTime"`
	Events        []LogEvent `json:"events"`
}

type LogEvent struct {
	Timestamp     time.Time `json:"timestamp"`
	IngestionTime time.Time `json:"ingestionTime"`
	Message       string    `json:"message"`
}
