package lab

// The SageMaker resource types carry the member names of the SageMaker API
// model (awsJson1_1, PascalCase), timestamps as epoch seconds, so the
// server marshals them as they are and the scenario file reads like
// Describe* responses.

// SageMakerModel is a SageMaker model, shaped as DescribeModel returns it.
type SageMakerModel struct {
	ModelName              string                `json:"ModelName"`
	ModelArn               string                `json:"ModelArn"`
	PrimaryContainer       *SageMakerContainer   `json:"PrimaryContainer,omitempty"`
	Containers             []*SageMakerContainer `json:"Containers,omitempty"`
	ExecutionRoleArn       string                `json:"ExecutionRoleArn,omitempty"`
	VpcConfig              *SageMakerVpcConfig   `json:"VpcConfig,omitempty"`
	CreationTime           epoch                 `json:"CreationTime"`
	EnableNetworkIsolation bool                  `json:"EnableNetworkIsolation"`
}

// SageMakerContainer is a ContainerDefinition, or in a model package's
// inference specification a ModelPackageContainerDefinition.
type SageMakerContainer struct {
	Image            string                    `json:"Image,omitempty"`
	ImageDigest      string                    `json:"ImageDigest,omitempty"` // model packages only
	Mode             string                    `json:"Mode,omitempty"`        // SingleModel MultiModel; models only
	ModelDataUrl     string                    `json:"ModelDataUrl,omitempty"`
	ModelDataSource  *SageMakerModelDataSource `json:"ModelDataSource,omitempty"`
	Environment      map[string]string         `json:"Environment,omitempty"`
	Framework        string                    `json:"Framework,omitempty"`        // model packages only
	FrameworkVersion string                    `json:"FrameworkVersion,omitempty"` // model packages only
}

// SageMakerModelDataSource is where uncompressed model data lies.
type SageMakerModelDataSource struct {
	S3DataSource *SageMakerS3ModelData `json:"S3DataSource"`
}

type SageMakerS3ModelData struct {
	S3Uri           string `json:"S3Uri"`
	S3DataType      string `json:"S3DataType"`      // S3Prefix S3Object
	CompressionType string `json:"CompressionType"` // None Gzip
}

type SageMakerVpcConfig struct {
	SecurityGroupIds []string `json:"SecurityGroupIds"`
	Subnets          []string `json:"Subnets"`
}

// ModelPackageGroup is a model registry group, shaped as
// DescribeModelPackageGroup returns it, with its versioned packages.
type ModelPackageGroup struct {
	ModelPackageGroupName        string          `json:"ModelPackageGroupName"`
	ModelPackageGroupArn         string          `json:"ModelPackageGroupArn"`
	ModelPackageGroupDescription string          `json:"ModelPackageGroupDescription,omitempty"`
	CreationTime                 epoch           `json:"CreationTime"`
	CreatedBy                    *UserContext    `json:"CreatedBy,omitempty"`
	ModelPackageGroupStatus      string          `json:"ModelPackageGroupStatus"` // Completed
	ModelPackages                []*ModelPackage `json:"ModelPackages,omitempty"`
}

// ModelPackage is a model package, shaped as DescribeModelPackage returns
// it. Versioned packages belong to a group and are named after it.
type ModelPackage struct {
	ModelPackageName           string                  `json:"ModelPackageName"`
	ModelPackageGroupName      string                  `json:"ModelPackageGroupName,omitempty"`
	ModelPackageVersion        int32                   `json:"ModelPackageVersion,omitempty"`
	ModelPackageArn            string                  `json:"ModelPackageArn"`
	ModelPackageDescription    string                  `json:"ModelPackageDescription,omitempty"`
	CreationTime               epoch                   `json:"CreationTime"`
	InferenceSpecification     *InferenceSpecification `json:"InferenceSpecification,omitempty"`
	ModelPackageStatus         string                  `json:"ModelPackageStatus"` // Completed
	ModelPackageStatusDetails  *ModelPackageStatus     `json:"ModelPackageStatusDetails,omitempty"`
	CertifyForMarketplace      bool                    `json:"CertifyForMarketplace"`
	ModelApprovalStatus        string                  `json:"ModelApprovalStatus,omitempty"` // Approved Rejected PendingManualApproval
	ApprovalDescription        string                  `json:"ApprovalDescription,omitempty"`
	CreatedBy                  *UserContext            `json:"CreatedBy,omitempty"`
	LastModifiedTime           *epoch                  `json:"LastModifiedTime,omitempty"`
	LastModifiedBy             *UserContext            `json:"LastModifiedBy,omitempty"`
	CustomerMetadataProperties map[string]string       `json:"CustomerMetadataProperties,omitempty"`
	Domain                     string                  `json:"Domain,omitempty"`
	Task                       string                  `json:"Task,omitempty"`
}

type InferenceSpecification struct {
	Containers                              []*SageMakerContainer `json:"Containers"`
	SupportedTransformInstanceTypes         []string              `json:"SupportedTransformInstanceTypes,omitempty"`
	SupportedRealtimeInferenceInstanceTypes []string              `json:"SupportedRealtimeInferenceInstanceTypes,omitempty"`
	SupportedContentTypes                   []string              `json:"SupportedContentTypes"`
	SupportedResponseMIMETypes              []string              `json:"SupportedResponseMIMETypes"`
}

type ModelPackageStatus struct {
	ValidationStatuses []ModelPackageStatusItem `json:"ValidationStatuses,omitempty"`
	ImageScanStatuses  []ModelPackageStatusItem `json:"ImageScanStatuses,omitempty"`
}

type ModelPackageStatusItem struct {
	Name   string `json:"Name"`
	Status string `json:"Status"` // NotStarted InProgress Completed Failed
}

// UserContext names who did something in SageMaker.
type UserContext struct {
	UserProfileName string       `json:"UserProfileName,omitempty"`
	DomainId        string       `json:"DomainId,omitempty"`
	IamIdentity     *IamIdentity `json:"IamIdentity,omitempty"`
}

type IamIdentity struct {
	Arn         string `json:"Arn,omitempty"`
	PrincipalId string `json:"PrincipalId,omitempty"`
}

// EndpointConfig is shaped as DescribeEndpointConfig returns it.
type EndpointConfig struct {
	EndpointConfigName     string               `json:"EndpointConfigName"`
	EndpointConfigArn      string               `json:"EndpointConfigArn"`
	ProductionVariants     []*ProductionVariant `json:"ProductionVariants"`
	DataCaptureConfig      *DataCaptureConfig   `json:"DataCaptureConfig,omitempty"`
	AsyncInferenceConfig   *AsyncInference      `json:"AsyncInferenceConfig,omitempty"`
	KmsKeyId               string               `json:"KmsKeyId,omitempty"`
	CreationTime           epoch                `json:"CreationTime"`
	EnableNetworkIsolation bool                 `json:"EnableNetworkIsolation,omitempty"`
}

type ProductionVariant struct {
	VariantName          string  `json:"VariantName"`
	ModelName            string  `json:"ModelName"`
	InitialInstanceCount int32   `json:"InitialInstanceCount"`
	InstanceType         string  `json:"InstanceType"`
	InitialVariantWeight float32 `json:"InitialVariantWeight"`
}

type DataCaptureConfig struct {
	EnableCapture             bool            `json:"EnableCapture"`
	InitialSamplingPercentage int32           `json:"InitialSamplingPercentage"`
	DestinationS3Uri          string          `json:"DestinationS3Uri"`
	KmsKeyId                  string          `json:"KmsKeyId,omitempty"`
	CaptureOptions            []CaptureOption `json:"CaptureOptions"`
}

type CaptureOption struct {
	CaptureMode string `json:"CaptureMode"` // Input Output
}

// AsyncInference is the AsyncInferenceConfig of an asynchronous
// endpoint: where it writes each request's answer and each failure.
type AsyncInference struct {
	ClientConfig *AsyncClientConfig `json:"ClientConfig,omitempty"`
	OutputConfig *AsyncOutputConfig `json:"OutputConfig"`
}

type AsyncClientConfig struct {
	MaxConcurrentInvocationsPerInstance int32 `json:"MaxConcurrentInvocationsPerInstance,omitempty"`
}

type AsyncOutputConfig struct {
	KmsKeyId      string `json:"KmsKeyId,omitempty"`
	S3OutputPath  string `json:"S3OutputPath,omitempty"`  // <path>/<inference id>.out
	S3FailurePath string `json:"S3FailurePath,omitempty"` // <path>/<inference id>-error.out
}

// Endpoint is shaped as DescribeEndpoint returns it.
type Endpoint struct {
	EndpointName       string                     `json:"EndpointName"`
	EndpointArn        string                     `json:"EndpointArn"`
	EndpointConfigName string                     `json:"EndpointConfigName"`
	ProductionVariants []*ProductionVariantStatus `json:"ProductionVariants,omitempty"`
	DataCaptureConfig  *DataCaptureSummary        `json:"DataCaptureConfig,omitempty"`
	// AsyncInferenceConfig is the configuration's, on an asynchronous
	// endpoint.
	AsyncInferenceConfig *AsyncInference `json:"AsyncInferenceConfig,omitempty"`
	EndpointStatus       string          `json:"EndpointStatus"` // InService Failed ...
	FailureReason        string          `json:"FailureReason,omitempty"`
	CreationTime         epoch           `json:"CreationTime"`
	LastModifiedTime     epoch           `json:"LastModifiedTime"`
}

// ProductionVariantStatus is a ProductionVariantSummary: what a variant
// runs now.
type ProductionVariantStatus struct {
	VariantName          string          `json:"VariantName"`
	DeployedImages       []DeployedImage `json:"DeployedImages,omitempty"`
	CurrentWeight        float32         `json:"CurrentWeight"`
	DesiredWeight        float32         `json:"DesiredWeight"`
	CurrentInstanceCount int32           `json:"CurrentInstanceCount"`
	DesiredInstanceCount int32           `json:"DesiredInstanceCount"`
}

type DeployedImage struct {
	SpecifiedImage string `json:"SpecifiedImage"`
	ResolvedImage  string `json:"ResolvedImage"`
	ResolutionTime epoch  `json:"ResolutionTime"`
}

type DataCaptureSummary struct {
	EnableCapture             bool   `json:"EnableCapture"`
	CaptureStatus             string `json:"CaptureStatus"` // Started Stopped
	CurrentSamplingPercentage int32  `json:"CurrentSamplingPercentage"`
	DestinationS3Uri          string `json:"DestinationS3Uri"`
	KmsKeyId                  string `json:"KmsKeyId,omitempty"`
}

// Destinations are the S3 folders (URIs ending in "/") the configuration's
// endpoint writes what it was asked and answered to: its data capture,
// and an asynchronous endpoint's answers and failures.
func (c *EndpointConfig) Destinations() []string {
	var out []string
	if d := c.DataCaptureConfig; d != nil {
		out = append(out, d.DestinationS3Uri+"/")
	}
	if a := c.AsyncInferenceConfig; a != nil && a.OutputConfig != nil {
		for _, p := range []string{a.OutputConfig.S3OutputPath, a.OutputConfig.S3FailurePath} {
			if p != "" {
				out = append(out, p+"/")
			}
		}
	}
	return out
}
