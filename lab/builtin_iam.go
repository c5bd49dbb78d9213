package lab

import (
	"fmt"
	"time"
)

// trustPolicy allows a principal ("Service" or "AWS") to assume a role.
func trustPolicy(kind, who string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{%q:%q},"Action":"sts:AssumeRole"}]}`, kind, who)
}

// allow is a one-statement identity policy.
func allow(actions, resources string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":%s,"Resource":%s}]}`, actions, resources)
}

func (g *gen) role(a *Account, name, path, desc, trust string, created time.Time) *Role {
	r := &Role{
		RoleName:                 name,
		RoleID:                   roleID(a.ID, name),
		ARN:                      "arn:aws:iam::" + a.ID + ":role" + path + name,
		Path:                     path,
		Description:              desc,
		CreateDate:               created,
		MaxSessionDuration:       3600,
		AssumeRolePolicyDocument: trust,
		InlinePolicies:           map[string]string{},
	}
	a.IAM.Roles = append(a.IAM.Roles, r)
	return r
}

// baseIAM gives every account the roles an organization member has.
func (g *gen) baseIAM(a *Account) {
	created := a.Joined
	if a.ID != ManagementAccount {
		r := g.role(a, "OrganizationAccountAccessRole", "/", "", trustPolicy("AWS", "arn:aws:iam::"+ManagementAccount+":root"), created)
		r.AttachedPolicies = []string{"arn:aws:iam::aws:policy/AdministratorAccess"}
	}
	cfg := g.role(a, "AWSServiceRoleForConfig", "/aws-service-role/config.amazonaws.com/", "", trustPolicy("Service", "config.amazonaws.com"), created.Add(24*time.Hour))
	cfg.AttachedPolicies = []string{"arn:aws:iam::aws:policy/aws-service-role/AWS_ConfigRole"}
	sso := "AWSReservedSSO_AdministratorAccess_" + keyText(0, a.ID+"sso", 16, "0123456789abcdef")
	s := g.role(a, sso, "/aws-reserved/sso.amazonaws.com/", "", trustPolicy("Federated", "arn:aws:iam::"+a.ID+":saml-provider/AWSSSO_"+keyText(0, a.ID, 16, "0123456789abcdef")+"_DO_NOT_DELETE"), created.Add(48*time.Hour))
	s.MaxSessionDuration = 43200
	s.AttachedPolicies = []string{"arn:aws:iam::aws:policy/AdministratorAccess"}
}

// workloadIAM adds the Bedrock workload's roles, and in genai-prod the CI
// user whose key leaks and the roles of the agent, its action group and
// the knowledge base.
func (g *gen) workloadIAM(a *Account, prod bool) {
	created := g.at(-180 * 24 * time.Hour)
	app := g.role(a, "genai-app-role", "/", "ECS tasks of the support assistant", trustPolicy("Service", "ecs-tasks.amazonaws.com"), created)
	app.InlinePolicies["bedrock-invoke"] = allow(`["bedrock:InvokeModel","bedrock:InvokeModelWithResponseStream","bedrock:Converse","bedrock:ApplyGuardrail"]`, `"*"`)
	app.InlinePolicies["app-secrets"] = allow(`["secretsmanager:GetSecretValue","ssm:GetParameter","kms:Decrypt"]`, `"*"`)
	app.LastUsedDate, app.LastUsedRegion = g.at(noiseAfter-time.Hour), "us-east-1"
	data := trainingBucketName()
	if !prod {
		data = "genai-dev-training-" + a.ID
	}
	tune := g.role(a, customizationRole, "/service-role/", "Model customization jobs", trustPolicy("Service", "bedrock.amazonaws.com"), created.Add(20*24*time.Hour))
	tune.InlinePolicies["training-data"] = allow(`["s3:GetObject","s3:ListBucket"]`, fmt.Sprintf(`["arn:aws:s3:::%s","arn:aws:s3:::%s/*"]`, data, data))
	if !prod {
		return
	}
	kbBucket := kbBucketName()
	agentRole := g.role(a, "AmazonBedrockExecutionRoleForAgents_support", "/service-role/", "Execution role of support-agent", trustPolicy("Service", "bedrock.amazonaws.com"), created.Add(10*24*time.Hour))
	agentRole.InlinePolicies["agent-permissions"] = allow(`["bedrock:InvokeModel","bedrock:Retrieve","lambda:InvokeFunction"]`, `"*"`)
	notify := g.role(a, "support-notify-role", "/", "Lambda role of the support-notify action group", trustPolicy("Service", "lambda.amazonaws.com"), created.Add(10*24*time.Hour))
	notify.InlinePolicies["send-mail"] = allow(`["ses:SendEmail","ses:SendRawEmail"]`, `"*"`)
	notify.AttachedPolicies = []string{"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}
	kb := g.role(a, "AmazonBedrockExecutionRoleForKnowledgeBase_support", "/service-role/", "", trustPolicy("Service", "bedrock.amazonaws.com"), created.Add(9*24*time.Hour))
	kb.InlinePolicies["kb-s3"] = allow(`["s3:GetObject","s3:ListBucket"]`, fmt.Sprintf(`["arn:aws:s3:::%s","arn:aws:s3:::%s/*"]`, kbBucket, kbBucket))
	kb.InlinePolicies["kb-models"] = allow(`["bedrock:InvokeModel","aoss:APIAccessAll"]`, `"*"`)
	logRole := g.role(a, "BedrockInvocationLoggingRole", "/service-role/", "", trustPolicy("Service", "bedrock.amazonaws.com"), created.Add(9*24*time.Hour))
	logRole.InlinePolicies["write-logs"] = allow(`["logs:CreateLogStream","logs:PutLogEvents"]`, fmt.Sprintf(`"arn:aws:logs:us-east-1:%s:log-group:%s:*"`, a.ID, invocationLogGroup))

	policyARN := "arn:aws:iam::" + a.ID + ":policy/genai-ci-deploy"
	v1 := allow(`["s3:PutObject","s3:DeleteObject","s3:ListBucket","lambda:UpdateFunctionCode","sts:GetCallerIdentity"]`, `"*"`)
	v2 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject","s3:DeleteObject","s3:ListBucket","lambda:UpdateFunctionCode","sts:GetCallerIdentity"],"Resource":"*"},{"Sid":"TemporaryBedrockDebug","Effect":"Allow","Action":["bedrock:*","iam:List*","iam:Get*"],"Resource":"*"}]}`
	a.IAM.Policies = append(a.IAM.Policies, &ManagedPolicy{
		PolicyName: "genai-ci-deploy", PolicyID: "ANPA" + keyText(0, policyARN, 17, keyAlphabet), ARN: policyARN, Path: "/",
		Description: "Deploys the support assistant from CI", DefaultVersionID: "v2", AttachmentCount: 1,
		CreateDate: created, UpdateDate: g.at(-41 * 24 * time.Hour),
		Versions: []*PolicyVersion{
			{VersionID: "v1", Document: v1, CreateDate: created},
			{VersionID: "v2", Document: v2, CreateDate: g.at(-41 * 24 * time.Hour)},
		},
	})
	a.IAM.Users = append(a.IAM.Users, &User{
		UserName: ciUser, UserID: userID(a.ID, ciUser), ARN: "arn:aws:iam::" + a.ID + ":user/" + ciUser, Path: "/",
		CreateDate: created,
		AccessKeys: []*AccessKey{{
			AccessKeyID: g.leakedKey(), Status: "Active", CreateDate: created.Add(time.Hour),
			LastUsedDate: g.at(noiseAfter - 3*time.Hour), LastUsedService: "sts", LastUsedRegion: "us-east-1",
		}},
		AttachedPolicies: []string{policyARN},
	})
}

// managementIAM adds the responder and the audit roles.
func (g *gen) managementIAM(a *Account) {
	a.IAM.Users = append(a.IAM.Users, &User{
		UserName: g.sc.Organization.Responder, UserID: userID(a.ID, g.sc.Organization.Responder),
		ARN: "arn:aws:iam::" + a.ID + ":user/" + g.sc.Organization.Responder, Path: "/",
		CreateDate: g.at(-90 * 24 * time.Hour), AttachedPolicies: []string{"arn:aws:iam::aws:policy/SecurityAudit", "arn:aws:iam::aws:policy/ReadOnlyAccess"},
		InlinePolicies: map[string]string{"assume-member-roles": allow(`"sts:AssumeRole"`, `"arn:aws:iam::*:role/OrganizationAccountAccessRole"`)},
	})
}
