package lab

import (
	"sync"
	"time"
)

// awsManagedPolicies are the AWS managed policies the scenarios attach, with
// their documents abridged to the statements that matter to a responder.
var awsManagedPolicies = sync.OnceValue(func() []*ManagedPolicy {
	created := time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC)
	updated := time.Date(2024, 6, 20, 20, 39, 33, 0, time.UTC)
	mk := func(path, name, id, ver, desc, doc string) *ManagedPolicy {
		return &ManagedPolicy{
			PolicyName: name, PolicyID: id, ARN: "arn:aws:iam::aws:policy" + path + name, Path: path, Description: desc,
			DefaultVersionID: ver, AttachmentCount: 1, CreateDate: created, UpdateDate: updated,
			Versions: []*PolicyVersion{{VersionID: ver, Document: doc, CreateDate: updated}},
		}
	}
	return []*ManagedPolicy{
		mk("/", "AdministratorAccess", "ANPAIWMBCKSKIEE64ZLYK", "v1", "Provides full access to AWS services and resources.",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`),
		mk("/", "ReadOnlyAccess", "ANPAILL3HVNFSB6DCOWYQ", "v117", "Provides read-only access to AWS services and resources.",
			`{"Version":"2012-10-17","Statement":[{"Sid":"ReadOnlyActions","Effect":"Allow","Action":["bedrock:Get*","bedrock:List*","cloudtrail:Get*","cloudtrail:Describe*","cloudtrail:LookupEvents","iam:Get*","iam:List*","lambda:Get*","lambda:List*","logs:Describe*","logs:FilterLogEvents","logs:Get*","s3:Get*","s3:List*"],"Resource":"*"}]}`),
		mk("/", "SecurityAudit", "ANPAIX2T3QCXHR2OGGCTO", "v42", "The security audit template grants access to read security configuration metadata.",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["bedrock:Get*","bedrock:List*","cloudtrail:DescribeTrails","cloudtrail:GetEventSelectors","cloudtrail:GetTrailStatus","cloudtrail:ListPublicKeys","iam:Get*","iam:List*","organizations:List*","organizations:Describe*","s3:GetBucket*"],"Resource":"*"}]}`),
		mk("/service-role/", "AWSLambdaBasicExecutionRole", "ANPAJNCQGXC42545SKXIK", "v1", "Provides write permissions to CloudWatch Logs.",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}`),
		mk("/aws-service-role/", "AWS_ConfigRole", "ANPAIQRXRDRGJUA33ELIO", "v40", "AWS Config role policy.",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cloudtrail:DescribeTrails","ec2:Describe*","iam:Get*","iam:List*","s3:GetBucket*","lambda:GetFunction","lambda:ListFunctions"],"Resource":"*"}]}`),
	}
})
