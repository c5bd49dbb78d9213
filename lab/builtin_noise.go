package lab

import (
	"fmt"
	"strings"
	"time"
)

// cast is the people and machines that work in an account every day.
type cast struct {
	app     []actor // the workload's role sessions
	humans  []actor // SSO console and CLI sessions
	config  actor   // AWS Config's service-linked role
	ci      *actor  // the CI user, where there is one
	kind    string  // management, workload, background
	account *Account
}

// Addresses and user agents of the built-in scenario.
const (
	officeIP    = "198.51.100.23"
	vpnIP       = "198.51.100.87"
	ciIP        = "140.82.113.4" // GitHub Actions runner
	AttackerIP  = "185.220.101.47"
	attackerIP2 = "45.155.205.233"

	consoleUA  = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"
	cliUA      = "aws-cli/2.22.5 md/awscrt#0.22.0 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off command/"
	ciUA       = "aws-cli/2.21.0 md/awscrt#0.22.0 ua/2.0 os/linux#6.8.0-1017-azure md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython exec-env/GitHubActions cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off command/"
	appUA      = "aws-sdk-java/2.29.15 Linux/6.1.112-124.190.amzn2023.x86_64 OpenJDK_64-Bit_Server_VM/21.0.5+11-LTS Java/21.0.5 vendor/Amazon.com_Inc. md/internal exec-env/AWS_ECS_FARGATE io/sync http/Apache cfg/retry-mode/standard"
	AttackerUA = "Boto3/1.34.11 md/Botocore#1.34.11 ua/2.0 os/linux#6.5.0-kali3-amd64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.11"
	configUA   = "config.amazonaws.com"
)

var appIPs = []string{"3.91.24.117", "44.203.71.9", "54.166.12.201"}

// roleID derives the stable AROA id of a role.
func roleID(account, role string) string {
	return "AROA" + keyText(0, account+"/role/"+role, 17, keyAlphabet)
}

// userID derives the stable AIDA id of a user.
func userID(account, user string) string {
	return "AIDA" + keyText(0, account+"/user/"+user, 17, keyAlphabet)
}

func (g *gen) castOf(a *Account, kind string) *cast {
	c := &cast{kind: kind, account: a}
	start := g.at(-noiseBefore)
	for i, sess := range []string{"ecs-task-7f3a9c", "ecs-task-21bd04", "ecs-task-c09e6e"} {
		c.app = append(c.app, g.roleActor(a.ID, "genai-app-role", roleID(a.ID, "genai-app-role"), sess, appIPs[i%len(appIPs)], appUA, start))
	}
	sso := "AWSReservedSSO_AdministratorAccess_" + keyText(0, a.ID+"sso", 16, "0123456789abcdef")
	for i, who := range []string{"maria.silva@example.com", "dev.okafor@example.com", "lin.zhang@example.com"} {
		ip, ua := officeIP, consoleUA
		if i == 1 {
			ip, ua = vpnIP, cliUA
		}
		h := g.roleActor(a.ID, sso, roleID(a.ID, sso), who, ip, ua, start)
		h.console = ua == consoleUA
		c.humans = append(c.humans, h)
	}
	c.config = g.roleActor(a.ID, "AWSServiceRoleForConfig", roleID(a.ID, "AWSServiceRoleForConfig"), "AWSConfig-Describe", "config.amazonaws.com", configUA, start)
	c.config.ident.SessionContext.SessionIssuer.ARN = "arn:aws:iam::" + a.ID + ":role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
	return c
}

// noiseTemplate makes one background call.
type noiseTemplate struct {
	weight func(kind string) int
	make   func(g *gen, c *cast, region string, t time.Time) (actor, ev)
}

func everywhere(n int) func(string) int { return func(string) int { return n } }

// workloadOnly weighs templates of the Bedrock workload accounts.
func workloadOnly(n int) func(string) int {
	return func(kind string) int {
		if kind == "workload" {
			return n
		}
		return 0
	}
}

func (g *gen) pick(xs []actor) actor { return xs[g.rng.IntN(len(xs))] }

var invokedModels = []string{
	"anthropic.claude-3-haiku-20240307-v1:0",
	"anthropic.claude-3-5-sonnet-20240620-v1:0",
	"amazon.titan-embed-text-v2:0",
	"amazon.nova-lite-v1:0",
}

var noiseTemplates = []noiseTemplate{
	{everywhere(10), func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		return c.config, ev{source: "ec2.amazonaws.com", name: "DescribeInstances", readOnly: true,
			req: m{"instancesSet": m{}, "filterSet": m{}}, resp: nil}
	}},
	{everywhere(6), func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		return c.config, ev{source: "ec2.amazonaws.com", name: "DescribeSecurityGroups", readOnly: true,
			req: m{"securityGroupSet": m{}, "securityGroupIdSet": m{}, "filterSet": m{}}, resp: nil}
	}},
	{everywhere(6), func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		return c.config, ev{source: "s3.amazonaws.com", name: "GetBucketPolicy", readOnly: true,
			req: m{"bucketName": c.bucketName(g), "Host": "s3." + region + ".amazonaws.com", "policy": ""}, resp: nil}
	}},
	{everywhere(8), func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		a := g.pick(c.app)
		return a, ev{source: "kms.amazonaws.com", name: "Decrypt", readOnly: true,
			req: m{"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}, resp: nil,
			res: res("AWS::KMS::Key", fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", region, c.account.ID, g.uuid()))}
	}},
	{everywhere(5), func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		a := g.pick(c.app)
		return a, ev{source: "ssm.amazonaws.com", name: "GetParameter", readOnly: true,
			req: m{"name": "/genai/app/config", "withDecryption": true}, resp: nil,
			res: res("AWS::SSM::Parameter", fmt.Sprintf("arn:aws:ssm:%s:%s:parameter/genai/app/config", region, c.account.ID))}
	}},
	{everywhere(4), func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		a := g.pick(c.app)
		return a, ev{source: "secretsmanager.amazonaws.com", name: "GetSecretValue", readOnly: true,
			req: m{"secretId": fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:genai/db-%s", region, c.account.ID, g.alnum(6, lowerDigits))}, resp: nil}
	}},
	{everywhere(5), func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		return serviceActor("ecs-tasks.amazonaws.com"), ev{source: "sts.amazonaws.com", name: "AssumeRole", readOnly: true,
			req:  m{"roleArn": "arn:aws:iam::" + c.account.ID + ":role/genai-app-role", "roleSessionName": "ecs-task-" + g.alnum(6, "0123456789abcdef"), "durationSeconds": 3600},
			resp: m{"credentials": m{"accessKeyId": "ASIA" + g.alnum(16, keyAlphabet), "sessionToken": "IQoJb3JpZ2luX2VjE" + g.alnum(24, upperDigits), "expiration": t.Add(time.Hour).UTC().Format("Jan 2, 2006, 3:04:05 PM")}},
			res:  res("AWS::IAM::Role", "arn:aws:iam::"+c.account.ID+":role/genai-app-role")}
	}},
	{everywhere(4), func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		h := g.pick(c.humans)
		return h, ev{source: "logs.amazonaws.com", name: "DescribeLogGroups", readOnly: true,
			req: m{"limit": 50, "includeLinkedAccounts": false}, resp: nil}
	}},
	{everywhere(3), func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		h := g.pick(c.humans)
		return h, ev{source: "monitoring.amazonaws.com", name: "GetMetricData", readOnly: true,
			req: m{"startTime": ctTime(t.Add(-3 * time.Hour)), "endTime": ctTime(t), "scanBy": "TimestampDescending"}, resp: nil}
	}},
	{everywhere(3), func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		h := g.pick(c.humans)
		return h, ev{source: "lambda.amazonaws.com", name: "ListFunctions20150331", readOnly: true,
			req: m{"functionVersion": "ALL", "maxItems": 50}, resp: nil}
	}},
	{everywhere(2), func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		h := g.pick(c.humans)
		return h, ev{source: "cloudformation.amazonaws.com", name: "DescribeStacks", readOnly: true, req: nil, resp: nil}
	}},
	{everywhere(2), func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		return serviceActor("lambda.amazonaws.com"), ev{source: "logs.amazonaws.com", name: "CreateLogStream",
			req: m{"logGroupName": "/aws/lambda/" + c.functionName(g), "logStreamName": t.Format("2006/01/02") + "/[$LATEST]" + g.alnum(32, "0123456789abcdef")}, resp: nil}
	}},
	{func(kind string) int {
		if kind == "management" {
			return 6
		}
		return 1
	}, func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		h := g.pick(c.humans)
		return h, ev{source: "cloudtrail.amazonaws.com", name: "DescribeTrails", readOnly: true,
			req: m{"includeShadowTrails": true}, resp: nil}
	}},
	{func(kind string) int {
		if kind == "management" {
			return 8
		}
		return 0
	}, func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		h := g.pick(c.humans)
		return h, ev{source: "organizations.amazonaws.com", name: "ListAccounts", readOnly: true, req: nil, resp: nil}
	}},
	{func(kind string) int {
		if kind == "background" {
			return 1
		}
		return 3
	}, func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		h := g.pick(c.humans)
		h.ua = consoleUA
		return h, ev{source: "signin.amazonaws.com", name: "ConsoleLogin", readOnly: false,
			req: nil, resp: m{"ConsoleLogin": "Success"},
			extra: m{"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": "No"}}
	}},
	{everywhere(3), func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		role := c.roleName(g)
		return c.config, ev{source: "iam.amazonaws.com", name: "GetRole", readOnly: true,
			req: m{"roleName": role}, resp: nil}
	}},
	{workloadOnly(30), func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		a := g.pick(c.app)
		model := invokedModels[g.rng.IntN(len(invokedModels))]
		name := "InvokeModel"
		if g.rng.IntN(3) == 0 {
			name = "Converse"
		}
		return a, ev{source: "bedrock.amazonaws.com", name: name, readOnly: true,
			req: m{"modelId": model}, resp: nil, host: "bedrock-runtime." + region + ".amazonaws.com",
			extra: m{"inferenceRegion": region}}
	}},
	{workloadOnly(4), func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		a := g.pick(c.app)
		return a, ev{source: "bedrock.amazonaws.com", name: "InvokeModelWithResponseStream", readOnly: true,
			req: m{"modelId": invokedModels[1]}, resp: nil, host: "bedrock-runtime." + region + ".amazonaws.com",
			extra: m{"inferenceRegion": region}}
	}},
	{workloadOnly(3), func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		h := g.pick(c.humans)
		return h, ev{source: "bedrock.amazonaws.com", name: "ListFoundationModels", readOnly: true, req: nil, resp: nil}
	}},
	{workloadOnly(2), func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		h := g.pick(c.humans)
		return h, ev{source: "bedrock.amazonaws.com", name: "ListGuardrails", readOnly: true, req: m{"maxResults": 50}, resp: nil}
	}},
	{workloadOnly(2), func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		h := g.pick(c.humans)
		return h, ev{source: "bedrock.amazonaws.com", name: "ListKnowledgeBases", readOnly: true, req: m{"maxResults": 50}, resp: nil,
			host: "bedrock-agent." + region + ".amazonaws.com"}
	}},
	{func(kind string) int {
		if kind == "workload" {
			return 2
		}
		return 0
	}, func(g *gen, c *cast, region string, t time.Time) (actor, ev) {
		if c.ci == nil {
			h := g.pick(c.humans)
			return h, ev{source: "ecr.amazonaws.com", name: "GetAuthorizationToken", readOnly: true, req: m{}, resp: nil}
		}
		return *c.ci, ev{source: "sts.amazonaws.com", name: "GetCallerIdentity", readOnly: true, req: nil, resp: nil}
	}},
}

func (c *cast) bucketName(g *gen) string {
	names := []string{"genai-app-artifacts-", "genai-prod-kb-docs-", "aws-cloudtrail-logs-", "access-logs-"}
	return names[g.rng.IntN(len(names))] + c.account.ID
}

func (c *cast) functionName(g *gen) string {
	names := []string{"support-notify", "kb-sync", "ticket-router", "usage-report"}
	return names[g.rng.IntN(len(names))]
}

func (c *cast) roleName(g *gen) string {
	names := []string{"genai-app-role", "OrganizationAccountAccessRole", "AWSServiceRoleForConfig", "support-notify-role"}
	return names[g.rng.IntN(len(names))]
}

// noiseCount is how many background events an account holds in a region.
func noiseCount(kind, region string) int {
	switch kind {
	case "management":
		if region == "us-east-1" {
			return 1000 // global services land here too
		}
		return 1200
	case "workload":
		if region == "us-east-1" {
			return 1000
		}
		return 1150
	}
	return 0
}

// noise fills an account's regions with background activity across the
// scenario's span. Before-incident scenarios keep only what happened
// before the attack.
func (g *gen) noise(a *Account) {
	kind := "background"
	switch {
	case a.ID == ManagementAccount:
		kind = "management"
	case a.ID == ProdAccount || a.ID == DevAccount:
		kind = "workload"
	}
	c := g.castOf(a, kind)
	if a.ID == ProdAccount {
		ci := g.ciActor()
		c.ci = &ci
	}
	total := 0
	var pool []noiseTemplate
	for _, t := range noiseTemplates {
		w := t.weight(kind)
		for range w {
			pool = append(pool, t)
		}
		total += w
	}
	from, to := g.at(-noiseBefore), g.at(noiseAfter)
	for _, region := range builtinRegions {
		n := noiseCount(kind, region)
		if kind == "background" {
			n = 80 + g.rng.IntN(150)
		}
		for range n {
			t := g.between(from, to)
			tpl := pool[g.rng.IntN(len(pool))]
			who, e := tpl.make(g, c, region, t)
			g.emit(a, region, t, who, e)
		}
	}
}

// ciActor is the CI user of genai-prod calling from its runner.
func (g *gen) ciActor() actor {
	return userActor(ProdAccount, ciUser, userID(ProdAccount, ciUser), g.leakedKey(), ciIP, ciUA)
}

// leakedKey is the CI user's long-term access key, the one exposed in a
// public repository.
func (g *gen) leakedKey() string {
	return "AKIA" + strings.ToUpper(keyText(g.o.Seed, "leaked-ci-key", 16, keyAlphabet))
}

const ciUser = "svc-genai-ci"
