package discover

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// functionRoles finds the execution role of each action-group function. A
// function that no longer exists leads nowhere; the source that snapshots
// functions records its absence.
func functionRoles(ctx context.Context, api LambdaAPI, f *Found) error {
	seen := map[string]bool{}
	for _, fn := range f.Functions {
		if seen[fn.ARN] {
			continue
		}
		seen[fn.ARN] = true
		out, err := api.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(fn.ARN)})
		var nf *types.ResourceNotFoundException
		switch {
		case errors.As(err, &nf):
			continue
		case err != nil:
			return fmt.Errorf("discover: get function %s: %w", fn.ARN, err)
		}
		if c := out.Configuration; c != nil && aws.ToString(c.Role) != "" {
			f.Roles = append(f.Roles, Role{ARN: aws.ToString(c.Role), LedBy: aws.ToString(c.FunctionArn)})
		}
	}
	return nil
}
